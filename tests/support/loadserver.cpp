#include "tests/support/loadserver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <queue>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "util/hash.h"

namespace ys::test {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Conn {
  int fd = -1;
  std::string in, out;
  bool busy = false;  // a request is being answered
  bool close_after_flush = false;
};

struct Timer {
  Clock::time_point due;
  uint64_t seq = 0;
  uint64_t conn = 0;
  std::function<void(Conn&)> action;
  bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
};

std::string reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 529:
      return "Overloaded";
    default:
      return "Status";
  }
}

std::string head(int status, const std::string& content_type, size_t length,
                 const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
         "\r\nContent-Type: " + content_type + "\r\nContent-Length: " + std::to_string(length) +
         "\r\n" + extra + "\r\n";
}

std::string response(int status, const std::string& body, const std::string& extra = "") {
  return head(status, "application/json", body.size(), extra) + body;
}

// One SSE event: its data line, and its "event:" line when `name` is set.
std::string sse_event(const json& data, const char* name = nullptr) {
  return (name ? std::string("event: ") + name + "\n" : std::string()) + "data: " + data.dump() +
         "\n\n";
}

int64_t tokens_of(size_t bytes) {
  return std::max<int64_t>(1, static_cast<int64_t>(bytes / 4));
}

// Cuts `text` into at most `n` pieces at UTF-8 character boundaries.
std::vector<std::string> pieces(const std::string& text, int n) {
  std::vector<std::string> out;
  const size_t step = std::max<size_t>(1, text.size() / static_cast<size_t>(std::max(1, n)) + 1);
  size_t at = 0;
  while (at < text.size()) {
    size_t end = std::min(text.size(), at + step);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) ++end;
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  if (out.empty()) out.emplace_back();
  return out;
}

std::string anthropic_stop(const std::string& finish) {
  if (finish == "stop") return "end_turn";
  if (finish == "length") return "max_tokens";
  return finish;  // stop_sequence, refusal, ...
}

std::string error_body(bool anthropic, const std::string& type, const std::string& message) {
  if (anthropic)
    return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
  return json{{"error", {{"message", message}, {"type", type}}}}.dump();
}

size_t prompt_bytes(const json& body) {
  size_t n = body.contains("system") ? body["system"].dump().size() : 0;
  if (auto m = body.find("messages"); m != body.end()) n += m->dump().size();
  return n;
}

}  // namespace

Fault parse_fault(const std::string& name) {
  for (Fault f : {Fault::k429, Fault::k500, Fault::k529, Fault::kReset, Fault::kTruncated,
                  Fault::kStall, Fault::kErrorIn200, Fault::kBadEvent}) {
    if (name == fault_name(f)) return f;
  }
  throw std::invalid_argument("unknown fault '" + name +
                              "' (429, 500, 529, reset, truncated, stall, error200, bad_event)");
}

const char* fault_name(Fault fault) {
  switch (fault) {
    case Fault::k429:
      return "429";
    case Fault::k500:
      return "500";
    case Fault::k529:
      return "529";
    case Fault::kReset:
      return "reset";
    case Fault::kTruncated:
      return "truncated";
    case Fault::kStall:
      return "stall";
    case Fault::kErrorIn200:
      return "error200";
    case Fault::kBadEvent:
      return "bad_event";
  }
  return "";
}

std::string RecordedRequest::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

LoadReply default_load_answer(const json& body) {
  std::string last;
  if (auto m = body.find("messages"); m != body.end() && m->is_array()) {
    for (const auto& msg : *m) {
      if (!msg.is_object() || msg.value("role", "") != "user") continue;
      const json& c = msg.value("content", json());
      if (c.is_string()) {
        last = c.get<std::string>();
      } else if (c.is_array()) {
        last.clear();
        for (const auto& part : c) {
          if (part.is_object() && part.value("type", "") == "text") last += part.value("text", "");
        }
      }
    }
  }
  static const std::regex kSum(R"(What is (-?\d+)\s*\+\s*(-?\d+)\?)");
  std::smatch m;
  if (std::regex_search(last, m, kSum)) {
    return {std::to_string(std::stoll(m[1].str()) + std::stoll(m[2].str())), "", "stop", 0};
  }
  return {"ok", "", "stop", 0};
}

struct LoadServer::Impl {
  LoadServerOptions o;
  int listen_fd = -1, epoll_fd = -1, wake_fd = -1;
  int port = 0;
  std::thread thread;
  std::atomic<bool> stopping{false};

  // Event thread only:
  std::unordered_map<uint64_t, Conn> conns;  // by id
  std::unordered_map<int, uint64_t> id_of_fd;
  uint64_t next_id = 1, next_seq = 0, next_response = 0;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::unordered_map<std::string, int> attempts_by_body;
  std::mt19937_64 rng;
  int64_t in_flight = 0;

  std::atomic<int64_t> requests{0}, answered{0}, faults{0}, connections{0}, max_in_flight{0};
  std::atomic<int64_t> rate_limited{0}, max_per_second{0};
  std::atomic<double> fault_rate{0};
  std::deque<Clock::time_point> arrivals, accepted;  // within the last second (event thread)

  // Counts a model request's arrival; false when the rate limit turns it away.
  bool admit() {
    const auto now = Clock::now();
    const auto second_ago = now - std::chrono::seconds(1);
    while (!arrivals.empty() && arrivals.front() <= second_ago) arrivals.pop_front();
    while (!accepted.empty() && accepted.front() <= second_ago) accepted.pop_front();
    arrivals.push_back(now);
    if (static_cast<int64_t>(arrivals.size()) > max_per_second) max_per_second = arrivals.size();
    if (o.rate_limit_per_s > 0 && static_cast<double>(accepted.size()) >= o.rate_limit_per_s) {
      return false;
    }
    accepted.push_back(now);
    return true;
  }

  // steady_clock nanoseconds of the first request and of the last answer (serve_span_s).
  std::atomic<int64_t> first_request_ns{0}, last_answer_ns{0};
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void count_answer() {
    ++answered;
    last_answer_ns = now_ns();
  }
  mutable std::mutex record_mutex;
  std::vector<RecordedRequest> recorded;

  explicit Impl(LoadServerOptions options)
      : o(std::move(options)), rng(o.seed), fault_rate(o.fault_rate) {
    if (!o.answer) o.answer = default_load_answer;
    in_addr addr{};
    if (inet_pton(AF_INET, o.host.c_str(), &addr) != 1 || (ntohl(addr.s_addr) >> 24) != 127) {
      throw std::runtime_error("loadserver: host " + o.host + " is not an IPv4 loopback address");
    }
    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = addr;
    sa.sin_port = htons(static_cast<uint16_t>(o.port));
    socklen_t len = sizeof sa;
    if (bind(listen_fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        listen(listen_fd, 65535) != 0 ||
        getsockname(listen_fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      const std::string why = std::strerror(errno);
      close(listen_fd);
      throw std::runtime_error("loadserver: cannot listen on " + o.host + ":" +
                               std::to_string(o.port) + ": " + why);
    }
    port = ntohs(sa.sin_port);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    add_fd(listen_fd, EPOLLIN);
    add_fd(wake_fd, EPOLLIN);
    thread = std::thread([this] { loop(); });
  }

  ~Impl() {
    stopping = true;
    uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd, &one, sizeof one);
    thread.join();
    for (auto& [id, c] : conns) close(c.fd);
    close(listen_fd);
    close(wake_fd);
    close(epoll_fd);
  }

  void add_fd(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }

  void watch_out(Conn& c, bool on) {
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void drop(uint64_t id, bool reset = false) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    if (it->second.busy) --in_flight;
    if (reset) {
      linger l{1, 0};  // close with RST
      setsockopt(it->second.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
    close(it->second.fd);
    id_of_fd.erase(it->second.fd);
    conns.erase(it);
  }

  // Writes what is pending; returns false when the connection went.
  bool flush(uint64_t id) {
    Conn& c = conns.at(id);
    while (!c.out.empty()) {
      ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        watch_out(c, true);
        return true;
      }
      if (n <= 0) {
        drop(id);
        return false;
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
    watch_out(c, false);
    if (c.close_after_flush) {
      drop(id);
      return false;
    }
    return true;
  }

  void schedule(uint64_t conn, double delay_ms, std::function<void(Conn&)> action) {
    auto due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double, std::milli>(delay_ms));
    timers.push({due, next_seq++, conn, std::move(action)});
  }

  double draw_latency() {
    if (o.latency_dist == "uniform") {
      return std::max(0.0, std::uniform_real_distribution<double>(o.latency_ms - o.jitter_ms,
                                                                  o.latency_ms + o.jitter_ms)(rng));
    }
    if (o.latency_dist == "exponential" && o.latency_ms > 0) {
      return std::exponential_distribution<double>(1.0 / o.latency_ms)(rng);
    }
    return o.latency_ms;
  }

  // The request is answered: the connection may take the next one.
  void complete(Conn& c) {
    c.busy = false;
    --in_flight;
  }

  void send_now(uint64_t id, std::string bytes, bool last, bool close_after = false) {
    auto it = conns.find(id);
    if (it == conns.end()) return;
    it->second.out += bytes;
    if (close_after) it->second.close_after_flush = true;
    if (last) complete(it->second);
    if (flush(id) && last) parse_requests(id);
  }

  // Starts a streamed answer of `events` on connection `id`: the headers, then one event
  // every inter_token_ms; the stream ends cleanly after the last unless `stall_at_end`.
  void start_stream(uint64_t id, std::shared_ptr<std::vector<std::string>> events,
                    bool stall_at_end) {
    send_now(id,
             "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: "
             "no-cache\r\nTransfer-Encoding: chunked\r\n\r\n",
             false);
    if (conns.count(id)) stream_from(id, std::move(events), 0, stall_at_end);
  }

  // A fault in a streamed answer of `events` (the whole stream): truncated ends cleanly
  // after half the events (no terminal event), stall sends half and then nothing,
  // error200 sends half and then an error event, bad_event replaces the middle event
  // with data that is not JSON. Other faults are answered as without streaming.
  bool stream_fault(uint64_t id, Fault f, bool anthropic, std::vector<std::string> events) {
    const size_t half = events.size() / 2;
    switch (f) {
      case Fault::kTruncated:
      case Fault::kStall:
        events.resize(half);
        break;
      case Fault::kErrorIn200:
        events.resize(half);
        events.push_back(anthropic
                             ? sse_event(json::parse(error_body(true, "overloaded_error",
                                                                "upstream failed (injected)")),
                                         "error")
                             : sse_event(json{{"error",
                                               {{"message", "upstream failed (injected)"},
                                                {"type", "server_error"},
                                                {"code", 503}}}}));
        break;
      case Fault::kBadEvent:
        events[half] =
            std::string(anthropic ? "event: content_block_delta\n" : "") + "data: {\"not json\n\n";
        break;
      default:
        return false;
    }
    ++faults;
    start_stream(id, std::make_shared<std::vector<std::string>>(std::move(events)),
                 f == Fault::kStall);
    return true;
  }

  void answer_fault(uint64_t id, Fault f, bool anthropic, const std::string& full_answer,
                    const std::vector<std::string>* events) {
    if (events && stream_fault(id, f, anthropic, *events)) return;
    ++faults;
    const std::string retry_after =
        "Retry-After: " + std::to_string(static_cast<int64_t>(std::ceil(o.retry_after_s))) + "\r\n";
    switch (f) {
      case Fault::k429:
        send_now(id,
                 response(429, error_body(anthropic, "rate_limit_error", "rate limited (injected)"),
                          retry_after),
                 true);
        return;
      case Fault::k500:
        send_now(id,
                 response(500, error_body(anthropic, anthropic ? "api_error" : "server_error",
                                          "server error (injected)")),
                 true);
        return;
      case Fault::k529:
        send_now(id,
                 response(529, error_body(anthropic, "overloaded_error", "Overloaded (injected)")),
                 true);
        return;
      case Fault::kErrorIn200:
        send_now(id,
                 response(200, anthropic ? error_body(true, "overloaded_error",
                                                      "upstream failed (injected)")
                                         : json{{"error",
                                                 {{"message", "upstream failed (injected)"},
                                                  {"type", "server_error"},
                                                  {"code", 503}}}}
                                               .dump()),
                 true);
        return;
      case Fault::kReset:
        if (conns.count(id)) drop(id, true);
        return;
      case Fault::kTruncated: {
        const std::string head_part = head(200, "application/json", full_answer.size());
        send_now(id, head_part + full_answer.substr(0, full_answer.size() / 2), true, true);
        return;
      }
      case Fault::kBadEvent:
        send_now(id, response(200, "{\"not json"), true);
        return;
      case Fault::kStall: {
        // The request stays in flight until the client hangs up.
        auto it = conns.find(id);
        if (it == conns.end()) return;
        it->second.out += head(200, "application/json", full_answer.size()) +
                          full_answer.substr(0, full_answer.size() / 2);
        flush(id);
        return;
      }
    }
  }

  json openai_usage(const json& body, const LoadReply& r) const {
    const int64_t prompt = tokens_of(prompt_bytes(body));
    const int64_t reasoning = r.reasoning.empty() ? 0 : tokens_of(r.reasoning.size());
    const int64_t completion = tokens_of(r.text.size()) + reasoning;
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion},
            {"prompt_tokens_details", {{"cached_tokens", std::min(prompt, r.cached_tokens)}}},
            {"completion_tokens_details", {{"reasoning_tokens", reasoning}}}};
  }

  json anthropic_usage(const json& body, const LoadReply& r) const {
    const int64_t prompt = tokens_of(prompt_bytes(body));
    const int64_t cached = std::min(prompt, r.cached_tokens);
    const int64_t output =
        tokens_of(r.text.size()) + (r.reasoning.empty() ? 0 : tokens_of(r.reasoning.size()));
    return {{"input_tokens", prompt - cached},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", cached},
            {"output_tokens", output}};
  }

  std::string full_body(bool anthropic, const json& body, const LoadReply& r, uint64_t n) const {
    const std::string model = body.value("model", "model");
    if (anthropic) {
      json content = json::array();
      if (!r.reasoning.empty()) {
        content.push_back({{"type", "thinking"}, {"thinking", r.reasoning}, {"signature", "sig"}});
      }
      content.push_back({{"type", "text"}, {"text", r.text}});
      return json{{"id", "msg_" + std::to_string(n)},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", model},
                  {"content", content},
                  {"stop_reason", anthropic_stop(r.finish)},
                  {"stop_sequence", nullptr},
                  {"usage", anthropic_usage(body, r)}}
          .dump();
    }
    json message = {{"role", "assistant"}, {"content", r.text}};
    if (!r.reasoning.empty()) message["reasoning_content"] = r.reasoning;
    return json{{"id", "chatcmpl-" + std::to_string(n)},
                {"object", "chat.completion"},
                {"model", model},
                {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", r.finish}}}},
                {"usage", openai_usage(body, r)}}
        .dump();
  }

  static std::string chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
  }

  std::vector<std::string> stream_events(bool anthropic, const json& body, const LoadReply& r,
                                         uint64_t n) const {
    std::vector<std::string> ev;
    const std::string model = body.value("model", "model");
    auto data = [](const json& j) { return sse_event(j); };
    auto named = [](const char* name, const json& j) { return sse_event(j, name); };
    if (anthropic) {
      json usage = anthropic_usage(body, r);
      json start_usage = usage;
      start_usage["output_tokens"] = 1;
      ev.push_back(named("message_start", {{"type", "message_start"},
                                           {"message",
                                            {{"id", "msg_" + std::to_string(n)},
                                             {"type", "message"},
                                             {"role", "assistant"},
                                             {"model", model},
                                             {"content", json::array()},
                                             {"stop_reason", nullptr},
                                             {"usage", start_usage}}}}));
      int index = 0;
      if (!r.reasoning.empty()) {
        ev.push_back(named("content_block_start",
                           {{"type", "content_block_start"},
                            {"index", index},
                            {"content_block", {{"type", "thinking"}, {"thinking", ""}}}}));
        for (const auto& p : pieces(r.reasoning, o.stream_chunks)) {
          ev.push_back(named("content_block_delta",
                             {{"type", "content_block_delta"},
                              {"index", index},
                              {"delta", {{"type", "thinking_delta"}, {"thinking", p}}}}));
        }
        ev.push_back(
            named("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
        ++index;
      }
      ev.push_back(
          named("content_block_start", {{"type", "content_block_start"},
                                        {"index", index},
                                        {"content_block", {{"type", "text"}, {"text", ""}}}}));
      for (const auto& p : pieces(r.text, o.stream_chunks)) {
        ev.push_back(
            named("content_block_delta", {{"type", "content_block_delta"},
                                          {"index", index},
                                          {"delta", {{"type", "text_delta"}, {"text", p}}}}));
      }
      ev.push_back(named("content_block_stop", {{"type", "content_block_stop"}, {"index", index}}));
      ev.push_back(
          named("message_delta",
                {{"type", "message_delta"},
                 {"delta", {{"stop_reason", anthropic_stop(r.finish)}, {"stop_sequence", nullptr}}},
                 {"usage", {{"output_tokens", usage["output_tokens"]}}}}));
      ev.push_back(named("message_stop", {{"type", "message_stop"}}));
      return ev;
    }
    const std::string id = "chatcmpl-" + std::to_string(n);
    auto delta = [&](const json& d, const json& finish) {
      return json{{"id", id},
                  {"object", "chat.completion.chunk"},
                  {"model", model},
                  {"choices", {{{"index", 0}, {"delta", d}, {"finish_reason", finish}}}}};
    };
    if (!r.reasoning.empty()) {
      for (const auto& p : pieces(r.reasoning, o.stream_chunks)) {
        ev.push_back(data(delta({{"reasoning_content", p}}, nullptr)));
      }
    }
    for (const auto& p : pieces(r.text, o.stream_chunks)) {
      ev.push_back(data(delta({{"content", p}}, nullptr)));
    }
    json last = delta(json::object(), r.finish);
    last["usage"] = openai_usage(body, r);
    ev.push_back(data(last));
    ev.push_back("data: [DONE]\n\n");
    return ev;
  }

  void stream_from(uint64_t id, std::shared_ptr<std::vector<std::string>> events, size_t i,
                   bool stall_at_end) {
    if (!conns.count(id)) return;
    if (events->empty()) {  // a stall before any event
      if (!stall_at_end) send_now(id, "0\r\n\r\n", true);
      return;
    }
    const bool last = i + 1 == events->size();
    std::string bytes = chunk((*events)[i]);
    if (last && !stall_at_end) bytes += "0\r\n\r\n";
    send_now(id, std::move(bytes), last && !stall_at_end);
    if (last || !conns.count(id)) return;
    schedule(id, o.inter_token_ms, [this, id, events, i, stall_at_end](Conn&) {
      stream_from(id, events, i + 1, stall_at_end);
    });
  }

  void handle(uint64_t id, const std::string& method, const std::string& path,
              std::vector<std::pair<std::string, std::string>> headers, const std::string& raw) {
    Conn& c = conns.at(id);
    c.busy = true;
    ++in_flight;
    int64_t seen = max_in_flight.load();
    if (in_flight > seen) max_in_flight = in_flight;
    if (requests++ == 0) first_request_ns = now_ns();
    if (method == "GET" && path == "/stats") {
      json s = {{"requests", requests.load()},
                {"answered", answered.load()},
                {"faults", faults.load()},
                {"connections", connections.load()},
                {"max_in_flight", max_in_flight.load()},
                {"rate_limited", rate_limited.load()},
                {"max_per_second", max_per_second.load()}};
      send_now(id, response(200, s.dump()), true);
      return;
    }
    const bool anthropic = path == "/v1/messages";
    if (method != "POST" || (!anthropic && path != "/v1/chat/completions")) {
      send_now(id, response(404, error_body(anthropic, "not_found_error", "no route " + path)),
               true);
      return;
    }
    json body = json::parse(raw, nullptr, false);
    if (o.record) {
      std::lock_guard lock(record_mutex);
      recorded.push_back({path, headers, body});
    }
    if (!body.is_object()) {
      send_now(id,
               response(400, error_body(anthropic, "invalid_request_error", "body is not JSON")),
               true);
      return;
    }
    if (!admit()) {
      ++rate_limited;
      send_now(id,
               response(429, error_body(anthropic, "rate_limit_error", "rate limit exceeded"),
                        "Retry-After: 1\r\n"),
               true);
      return;
    }
    std::optional<Fault> fault;
    const double rate = fault_rate.load();
    if (rate > 0 && !o.faults.empty()) {
      const int attempt = ++attempts_by_body[raw];
      const std::string key = raw + "#" + std::to_string(attempt);
      if (attempt <= o.max_faults_per_body && hash_unit(key, o.seed) < rate) {
        fault = o.faults[hash64(key, o.seed + 1) % o.faults.size()];
      }
    }
    const LoadReply reply = o.answer(body);
    const uint64_t n = ++next_response;
    const bool stream = body.value("stream", false);
    const double latency = draw_latency();
    if (fault) {
      std::string full = full_body(anthropic, body, reply, n);
      auto events =
          stream
              ? std::make_shared<std::vector<std::string>>(stream_events(anthropic, body, reply, n))
              : nullptr;
      schedule(id, latency, [this, id, f = *fault, anthropic, full, events](Conn&) {
        answer_fault(id, f, anthropic, full, events.get());
      });
      return;
    }
    if (stream) {
      auto events =
          std::make_shared<std::vector<std::string>>(stream_events(anthropic, body, reply, n));
      schedule(id, latency, [this, id, events](Conn&) {
        count_answer();
        start_stream(id, events, false);
      });
      return;
    }
    std::string full = full_body(anthropic, body, reply, n);
    schedule(id, latency, [this, id, full = std::move(full)](Conn&) {
      count_answer();
      send_now(id, response(200, full), true);
    });
  }

  // Parses and starts the next complete request of connection `id`, if any.
  void parse_requests(uint64_t id) {
    auto it = conns.find(id);
    if (it == conns.end() || it->second.busy) return;
    Conn& c = it->second;
    const size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::vector<std::pair<std::string, std::string>> headers;
    size_t line_end = c.in.find("\r\n");
    const std::string request_line = c.in.substr(0, line_end);
    size_t length = 0;
    for (size_t at = line_end + 2; at < end;) {
      size_t next = c.in.find("\r\n", at);
      std::string line = c.in.substr(at, next - at);
      at = next + 2;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      std::string value = v == std::string::npos ? "" : line.substr(v);
      if (name == "content-length") length = std::stoul(value);
      headers.emplace_back(std::move(name), std::move(value));
    }
    if (c.in.size() < end + 4 + length) return;
    std::string raw = c.in.substr(end + 4, length);
    c.in.erase(0, end + 4 + length);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    const std::string method = request_line.substr(0, sp1);
    const std::string path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    handle(id, method, path, std::move(headers), raw);
  }

  void accept_all() {
    while (true) {
      int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const uint64_t id = next_id++;
      conns[id].fd = fd;
      id_of_fd[fd] = id;
      ++connections;
      add_fd(fd, EPOLLIN);
    }
  }

  void read_from(uint64_t id) {
    char buf[65536];
    while (true) {
      auto it = conns.find(id);
      if (it == conns.end()) return;
      ssize_t n = recv(it->second.fd, buf, sizeof buf, 0);
      if (n > 0) {
        it->second.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      drop(id);  // closed by the client, or an error
      return;
    }
    parse_requests(id);
  }

  int timeout_ms() const {
    if (timers.empty()) return 1000;
    auto until =
        std::chrono::duration_cast<std::chrono::microseconds>(timers.top().due - Clock::now());
    return static_cast<int>(std::clamp<int64_t>((until.count() + 999) / 1000, 0, 1000));
  }

  void loop() {
    std::vector<epoll_event> events(1024);
    while (!stopping) {
      int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout_ms());
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd) {
          accept_all();
          continue;
        }
        if (fd == wake_fd) continue;
        auto found = id_of_fd.find(fd);
        if (found == id_of_fd.end()) continue;
        const uint64_t id = found->second;
        if (events[i].events & EPOLLOUT) {
          if (!flush(id)) continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(id);
      }
      const auto now = Clock::now();
      while (!timers.empty() && timers.top().due <= now) {
        Timer t = timers.top();
        timers.pop();
        auto it = conns.find(t.conn);
        if (it != conns.end()) t.action(it->second);
      }
    }
  }
};

LoadServer::LoadServer(LoadServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
LoadServer::~LoadServer() = default;

int LoadServer::port() const {
  return impl_->port;
}

std::string LoadServer::base_url() const {
  return "http://" + impl_->o.host + ":" + std::to_string(impl_->port) + "/v1";
}

LoadServerStats LoadServer::stats() const {
  const int64_t first = impl_->first_request_ns.load(), last = impl_->last_answer_ns.load();
  LoadServerStats s;
  s.requests = impl_->requests.load();
  s.answered = impl_->answered.load();
  s.faults = impl_->faults.load();
  s.connections = impl_->connections.load();
  s.max_in_flight = impl_->max_in_flight.load();
  s.rate_limited = impl_->rate_limited.load();
  s.max_per_second = impl_->max_per_second.load();
  s.serve_span_s = last > first && first > 0 ? static_cast<double>(last - first) / 1e9 : 0.0;
  return s;
}

void LoadServer::set_fault_rate(double rate) {
  impl_->fault_rate = rate;
}

std::vector<RecordedRequest> LoadServer::recorded() const {
  std::lock_guard lock(impl_->record_mutex);
  return impl_->recorded;
}

}  // namespace ys::test
