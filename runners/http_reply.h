// Reading an HTTP answer from a model API into a Completion: the parts the OpenAI and
// Anthropic runners share (status typing, errors in a 2xx body, excerpts, stop strings).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runners/completion.h"
#include "runners/http_pool.h"

namespace ys::reply {

// At most 200 bytes of `body` on one line, cut at a character boundary ("..." when cut).
std::string excerpt(const std::string& body);

// The message of an error value: an object's `message`, a string, else its JSON.
std::string error_text(const nlohmann::json& e);

// The server's own error message from a body with an `error` member, else an excerpt.
std::string server_message(const std::string& body);

// j[key] when it is a string, else "".
std::string string_or_empty(const nlohmann::json& j, const char* key);

// The error object of a 2xx body that carries one instead of an answer (`error` set and no
// non-empty `choices`; Anthropic's {"type":"error","error":{...}} too), else null.
const nlohmann::json* embedded_error(const nlohmann::json& j);

// The status a 2xx body's embedded error stands for (error_object_status); 400 when none.
long embedded_status(const nlohmann::json& error);

// What an HTTP exchange came to before its payload is read.
struct Reply {
  long status = 0;      // the HTTP status, or the one an error in a 2xx body stands for
  std::string message;  // the server's message, for a failure
  nlohmann::json json;  // the parsed 2xx body
};

// 401/403/404 fatal, 429 rate-limited, 5xx transient, other non-2xx invalid, 2xx none.
ErrorKind kind_of_status(long status);

// `c` with `kind` and the message "CONTEXT: WHY".
Completion failed(Completion c, ErrorKind kind, const std::string& context, const std::string& why);

// Types a failed exchange into `c` and returns false (an open circuit breaker is fatal
// with the breaker's reason; no answer is transient, or stalled when the read timeout
// gave it up (HttpResult::stalled); a status per kind_of_status; a 2xx
// body that is not a JSON object is invalid; a 2xx carrying an error is typed by the
// status it names); else parses the 2xx body into `r.json` and returns true. Sets
// c.attempts and c.latency_s either way. The body is made valid UTF-8 before parsing.
bool read_reply(const HttpResult& http, const std::string& context, Completion& c, Reply& r);

// `c` with every string valid UTF-8.
Completion repaired(Completion c);

// Appends `part` to `to` with `separator` between non-empty pieces.
void append(std::string& to, const std::string& part, const char* separator);

// The earliest occurrence of any non-empty string of `stops` in `text`, or npos.
size_t first_stop(const std::string& text, const std::vector<std::string>& stops);

// HttpPoolOptions::retry_status for these APIs: a 2xx body carrying an error object counts
// as the status that error names, so the pool retries it like a real 5xx or 429.
long retry_status_of(long status, const std::string& body);

}  // namespace ys::reply
