#include "runners/stream.h"

#include <algorithm>
#include <numeric>

#include "util/percentile.h"
#include "util/utf8.h"

namespace ys {
namespace {

using namespace reply;  // NOLINT(google-build-using-namespace): the shared reply helpers

// When each delta of a stream arrived, from the body's arrivals (HttpResult::arrivals).
class DeltaClock {
 public:
  explicit DeltaClock(const std::vector<BodyArrival>& arrivals) : arrivals_(arrivals) {}

  // A delta whose event ends at body offset `end`: it arrived with the piece that holds
  // that offset's last byte.
  void delta(size_t end) {
    if (arrivals_.empty()) return;
    while (next_ + 1 < arrivals_.size() && arrivals_[next_].bytes < end) ++next_;
    times_.push_back(arrivals_[next_].at_s);
  }

  StreamTiming timing() const {
    StreamTiming t;
    if (times_.empty()) return t;
    t.ttft_s = times_.front();
    t.deltas = static_cast<int64_t>(times_.size());
    if (times_.size() < 2) return t;
    std::vector<double> gaps;
    gaps.reserve(times_.size() - 1);
    for (size_t i = 1; i < times_.size(); ++i) gaps.push_back((times_[i] - times_[i - 1]) * 1000);
    t.itl_mean_ms =
        std::accumulate(gaps.begin(), gaps.end(), 0.0) / static_cast<double>(gaps.size());
    std::sort(gaps.begin(), gaps.end());
    t.itl_p50_ms = nearest_rank(gaps, 0.50);
    t.itl_p90_ms = nearest_rank(gaps, 0.90);
    return t;
  }

 private:
  const std::vector<BodyArrival>& arrivals_;
  size_t next_ = 0;
  std::vector<double> times_;  // seconds since the attempt was sent
};

bool starts_json_object(const std::string& body) {
  const size_t first = body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '{';
}

}  // namespace

std::vector<SseEvent> parse_sse(std::string_view body) {
  std::vector<SseEvent> events;
  SseEvent current;
  bool has_data = false;
  size_t i = body.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a byte-order mark is skipped
  while (i < body.size()) {
    const size_t eol = body.find_first_of("\r\n", i);
    if (eol == std::string_view::npos) break;  // an unfinished line: the event never ended
    std::string_view line = body.substr(i, eol - i);
    i = eol + 1;
    if (body[eol] == '\r' && i < body.size() && body[i] == '\n') ++i;
    if (line.empty()) {
      if (has_data) {
        current.end = i;
        events.push_back(std::move(current));
      }
      current = SseEvent();
      has_data = false;
      continue;
    }
    if (line.front() == ':') continue;  // a comment (keep-alive)
    const size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data) current.data += '\n';
      current.data.append(value);
      has_data = true;
    } else if (field == "event") {
      current.name = std::string(value);
    }
  }
  return events;
}

bool is_event_stream(const HttpResult& http) {
  if (http.circuit_open) return false;
  if (http.stalled) return true;
  const bool answered = http.status >= 200 && http.status < 300;
  if (!answered && (http.status != 0 || http.body.empty())) return false;
  return !starts_json_object(http.body);
}

Completion read_event_stream(const HttpResult& http, const std::string& context, Reply& r,
                             const StreamEventReader& read) {
  Completion c;
  c.attempts = http.attempts;
  c.latency_s = http.elapsed_s;
  r.status = http.status;
  std::vector<SseEvent> events = parse_sse(http.body);
  DeltaClock clock(http.arrivals);
  bool terminal = false;
  const std::string of = " of " + std::to_string(events.size());
  for (size_t i = 0; i < events.size() && !terminal && c.ok(); ++i) {
    SseEvent& e = events[i];
    if (!is_valid_utf8(e.data)) e.data = valid_utf8(e.data);
    const std::string where = "stream event " + std::to_string(i + 1) + of;
    nlohmann::json j;
    if (e.data != "[DONE]") {
      j = nlohmann::json::parse(e.data, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        c = failed(std::move(c), ErrorKind::kStreamMalformed, context,
                   where + " is not a JSON object: " + excerpt(e.data));
        break;
      }
      if (const nlohmann::json* error = embedded_error(j)) {
        r.status = embedded_status(*error);
        r.message = error_text(*error);
        c = failed(std::move(c), kind_of_status(r.status), context,
                   where + " carries an error (taken as HTTP " + std::to_string(r.status) +
                       "): " + r.message);
        break;
      }
    }
    std::string why;
    StreamEvent kind = StreamEvent::kMalformed;
    try {
      kind = read(e, j, c, why);
    } catch (const nlohmann::json::exception& x) {  // a shape the reader did not expect
      why = x.what();
    }
    switch (kind) {
      case StreamEvent::kDelta:
        clock.delta(e.end);
        break;
      case StreamEvent::kTerminal:
        terminal = true;
        break;
      case StreamEvent::kMalformed:
        c = failed(std::move(c), ErrorKind::kStreamMalformed, context,
                   where + ": " + why + ": " + excerpt(e.data));
        break;
      case StreamEvent::kOther:
        break;
    }
  }
  c.stream = clock.timing();
  if (!terminal && c.ok()) {
    const std::string events_seen = std::to_string(events.size()) + " events";
    if (http.stalled) {
      c = failed(
          std::move(c), ErrorKind::kStreamStalled, context,
          "the stream stalled after " + events_seen + " (read timeout): " + http.transport_error);
    } else {
      c = failed(std::move(c), ErrorKind::kStreamCut, context,
                 "the stream ended before its terminal event, after " + events_seen +
                     (http.transport_error.empty() ? "" : " (" + http.transport_error + ")"));
    }
  }
  return c;
}

std::vector<nlohmann::json> usage_holders(const std::string& body) {
  std::vector<nlohmann::json> holders;
  auto keep = [&holders](std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(valid_utf8(text), nullptr, false);
    if (j.is_object()) holders.push_back(std::move(j));
  };
  if (starts_json_object(body)) {
    keep(body);
    return holders;
  }
  for (const SseEvent& e : parse_sse(body)) {
    if (e.data.find("\"usage\"") != std::string::npos) keep(e.data);
  }
  return holders;
}

long stream_retry_status(long status, const std::string& body, StreamParser parse) {
  if (status < 200 || status >= 300) return status;
  if (starts_json_object(body)) return retry_status_of(status, body);
  // Read as the runner will read it, so that what is retried and how the answer is typed
  // agree (docs/RUNNERS.md, "Streaming": a malformed event is not retried).
  HttpResult http;
  http.status = status;
  http.body = body;
  const Completion c = parse(http, "");
  if (c.error == ErrorKind::kStreamCut) return 502;  // broken off: retried like a bad gateway
  if (c.ok() || c.error == ErrorKind::kStreamMalformed) return status;
  for (const SseEvent& e : parse_sse(body)) {  // the error event that ended the stream
    if (e.data.find("\"error\"") != std::string::npos) {
      const nlohmann::json j = nlohmann::json::parse(valid_utf8(e.data), nullptr, false);
      if (const nlohmann::json* error = embedded_error(j)) return embedded_status(*error);
    }
  }
  return status;  // refused, truncated or empty: a complete answer
}

HttpPoolOptions pool_options_for(HttpPoolOptions http, bool stream, StreamParser parse) {
  if (!stream) {
    http.retry_status = retry_status_of;
    http.read_timeout_from_send = false;
    return http;
  }
  http.record_arrivals = true;
  http.retry_status = [parse](long status, const std::string& body) {
    return stream_retry_status(status, body, parse);
  };
  return http;
}

}  // namespace ys
