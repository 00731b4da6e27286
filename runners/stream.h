// Streamed answers (server-sent events): the framing, what the OpenAI and Anthropic
// runners share when reading a stream (errors in the stream, a stream that broke off or
// stalled, malformed events), and the timing of its deltas (docs/RUNNERS.md, "Streaming").
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runners/completion.h"
#include "runners/http_pool.h"
#include "runners/http_reply.h"

namespace ys {

struct SseEvent {
  std::string name;  // the "event:" field; empty when the event has none
  std::string data;  // the "data:" lines, joined with "\n"
  size_t end = 0;    // offset in the body just past the blank line that ended the event
};

// The complete events of `body`, framed as the WHATWG HTML standard's "Interpreting an
// event stream" says: lines end in CRLF, LF or CR; "field: value" (one space after the
// colon dropped; a line with no colon is a field with an empty value); a line starting
// with ':' is a comment; a blank line ends an event, which is kept when it had data.
// Fields other than event and data are ignored. Text after the last blank line is an
// event that never ended and is not returned.
std::vector<SseEvent> parse_sse(std::string_view body);

// Whether the answer to a streamed request is to be read as an event stream: the attempt
// stalled, or it has a 2xx status (or none: it broke off) and a body that does not start
// with '{' (a JSON body is a server that ignored "stream", or an error, read as usual).
bool is_event_stream(const HttpResult& http);

// What a provider's reader makes of one event.
enum class StreamEvent {
  kOther,      // nothing to time (metadata, usage, a block starting or stopping)
  kDelta,      // it carried answer or reasoning text
  kTerminal,   // the stream's last event ("[DONE]", message_stop)
  kMalformed,  // not what the API sends; the reader says why
};

// Reads one event of a stream into `c`: `json` is the event's data parsed (null for data
// that is exactly "[DONE]"); sets `why` when it returns kMalformed.
using StreamEventReader = std::function<StreamEvent(
    const SseEvent& event, const nlohmann::json& json, Completion& c, std::string& why)>;

// Reads a streamed exchange (is_event_stream) into a Completion with attempts, latency and
// the deltas' timing (StreamTiming, from http.arrivals). Each event's data must be a JSON
// object (or "[DONE]") else the answer is kStreamMalformed, naming the event; an event
// carrying an error object (embedded_error: OpenAI's {"error":...}, Anthropic's
// {"type":"error",...}) types the answer by the status that error names, as a 2xx body
// carrying one is typed (the server's message is put in `r`); `read` reads the others. A
// stream with no terminal event is kStreamStalled when the attempt stalled, else
// kStreamCut. Returns with c.ok() only when the stream reached its terminal event.
Completion read_event_stream(const HttpResult& http, const std::string& context, reply::Reply& r,
                             const StreamEventReader& read);

// The JSON objects of an answer body that may report token usage, in order: the body
// itself when it is a JSON object, else the data of each server-sent event that mentions
// "usage" and parses as a JSON object. The providers' used_tokens read them (one usage
// parser per provider: OpenAI's read_usage, Anthropic's MessageUsage). Never throws.
std::vector<nlohmann::json> usage_holders(const std::string& body);

// A provider's reader of a streamed answer (parse_chat_stream, parse_anthropic_stream).
using StreamParser = Completion (*)(const HttpResult& http, const std::string& context);

// HttpPoolOptions::retry_status for streamed requests, deciding as `parse` reads the
// answer: a 2xx event stream that parse finds cut before its terminal event counts as 502
// (broken off: retried); one whose first failure is an error event counts as the status
// that error names; one with a malformed event (kStreamMalformed) keeps its status (the
// server's answer: not retried). Any other answer as retry_status_of says.
long stream_retry_status(long status, const std::string& body, StreamParser parse);

// The pool options of a runner: with `stream`, arrivals are recorded and responses are
// retried per stream_retry_status with `parse`; without, retry_status_of decides and the
// read timeout runs only from the answer's first byte (a whole answer comes after the model
// is done: the silence before it is --timeout's, a body that stops midway is stalled).
HttpPoolOptions pool_options_for(HttpPoolOptions http, bool stream, StreamParser parse);

}  // namespace ys
