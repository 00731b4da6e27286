#include "runners/http_reply.h"

#include <algorithm>

#include "runners/retry.h"
#include "util/utf8.h"

namespace ys::reply {

// At most 200 bytes of `body` on one line, cut at a character boundary.
std::string excerpt(const std::string& body) {
  constexpr size_t kMax = 200;
  size_t cut = std::min(body.size(), kMax);
  while (cut > 0 && cut < body.size() && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  std::string out = body.substr(0, cut);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return cut < body.size() ? out + "..." : out;
}

// The message of an OpenAI-style error value (an object with `message`, or a string).
std::string error_text(const nlohmann::json& e) {
  if (e.is_object() && e.contains("message") && e["message"].is_string()) {
    return e["message"].get<std::string>();
  }
  if (e.is_string()) return e.get<std::string>();
  return e.dump();
}

// The server's own error message from an OpenAI-style error body, else an excerpt.
std::string server_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && !j["error"].is_null()) return error_text(j["error"]);
  return excerpt(body);
}

std::string string_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The error object of a 2xx body that carries one instead of choices, else null.
const nlohmann::json* embedded_error(const nlohmann::json& j) {
  if (!j.is_object()) return nullptr;
  auto error = j.find("error");
  if (error == j.end() || error->is_null()) return nullptr;
  auto choices = j.find("choices");
  if (choices != j.end() && choices->is_array() && !choices->empty()) return nullptr;
  return &*error;
}

// The status a 2xx body's embedded error stands for; 400 (invalid) when it names none.
long embedded_status(const nlohmann::json& error) {
  return error_object_status(error).value_or(400);
}

ErrorKind kind_of_status(long status) {
  if (status == 401 || status == 403 || status == 404) return ErrorKind::kFatal;
  if (status == 429) return ErrorKind::kRateLimited;
  if (status >= 500) return ErrorKind::kTransient;
  if (status < 200 || status >= 300) return ErrorKind::kInvalid;
  return ErrorKind::kNone;
}

Completion failed(Completion c, ErrorKind kind, const std::string& context,
                  const std::string& why) {
  c.error = kind;
  c.error_message = context + ": " + why;
  return c;
}

// Types a failed exchange into `c` and returns false; else parses the 2xx body, which
// must be a JSON object without an embedded error, into `r.json`.
bool read_reply(const HttpResult& http, const std::string& context, Completion& c, Reply& r) {
  c.attempts = http.attempts;
  c.latency_s = http.elapsed_s;
  r.status = http.status;
  if (http.circuit_open) {
    // The endpoint keeps failing (the reason names it): nothing further can succeed.
    c.error = ErrorKind::kFatal;
    c.error_message = http.transport_error;
    return false;
  }
  if (http.status == 0) {
    c = failed(std::move(c), http.stalled ? ErrorKind::kStalled : ErrorKind::kTransient, context,
               http.transport_error);
    return false;
  }
  // nlohmann's parser rejects invalid UTF-8 in strings: repair first, so that a Latin-1
  // byte in an answer costs one character, not the answer.
  const std::string body = valid_utf8(http.body);
  const std::string status = "HTTP " + std::to_string(http.status);
  if (kind_of_status(http.status) != ErrorKind::kNone) {
    r.message = server_message(body);
    c = failed(std::move(c), kind_of_status(http.status), context, status + ": " + r.message);
    return false;
  }
  r.json = nlohmann::json::parse(body, nullptr, false);
  if (r.json.is_discarded() || !r.json.is_object()) {
    c = failed(std::move(c), ErrorKind::kInvalid, context,
               "response is not JSON: " + excerpt(body));
    return false;
  }
  if (const nlohmann::json* error = embedded_error(r.json)) {
    r.status = embedded_status(*error);
    r.message = error_text(*error);
    c = failed(
        std::move(c), kind_of_status(r.status), context,
        status + " carrying an error (taken as " + std::to_string(r.status) + "): " + r.message);
    return false;
  }
  return true;
}

// `c` with every string valid UTF-8.
Completion repaired(Completion c) {
  make_valid_utf8(c);
  return c;
}

void append(std::string& to, const std::string& part, const char* separator) {
  if (part.empty()) return;
  if (!to.empty()) to += separator;
  to += part;
}

// The earliest occurrence of any of `stops` in `text`, or npos.
size_t first_stop(const std::string& text, const std::vector<std::string>& stops) {
  size_t cut = std::string::npos;
  for (const auto& stop : stops) {
    if (!stop.empty()) cut = std::min(cut, text.find(stop));
  }
  return cut;
}

// HttpPoolOptions::retry_status for this API: a 2xx body carrying an error object counts as
// the status that error names, so the pool retries it like a real 5xx or 429.
long retry_status_of(long status, const std::string& body) {
  if (status < 200 || status >= 300 || body.find("\"error\"") == std::string::npos) return status;
  const nlohmann::json j = nlohmann::json::parse(valid_utf8(body), nullptr, false);
  const nlohmann::json* error = embedded_error(j);
  return error ? embedded_status(*error) : status;
}

}  // namespace ys::reply
