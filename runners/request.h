// What yardstick asks of a model. A Request's canonical JSON is its cache key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ys {

// One piece of a message's content: text, or an image sent inline (base64) with it.
struct ContentPart {
  enum class Kind { kText, kImage };
  Kind kind = Kind::kText;
  std::string text;        // kText
  std::string media_type;  // kImage: "image/png", "image/jpeg", "image/gif" or "image/webp"
  std::string data;        // kImage: the image file's bytes

  static ContentPart text_part(std::string text);
  static ContentPart image(std::string bytes, std::string media_type);
  // The image in file `path`; `media_type` empty: by its extension (.png, .jpg/.jpeg,
  // .gif, .webp). Throws InputError naming the file when it cannot be read or its type is
  // not one of those.
  static ContentPart image_file(const std::filesystem::path& path, std::string media_type = "");
};

struct Message {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
  // When non-empty, the message's content in order (text and images) and `content` is not
  // used; empty for text-only messages, which keep their form (and cache keys).
  std::vector<ContentPart> parts = {};
};

// The message's text: `content`, or its text parts joined with nothing between.
std::string text_of(const Message& message);

// A message's content as a JSON value, as the canonical form and the chat APIs all shape
// it: `content` (a string) when the message has no parts, else a list holding
// {"type":"text","text":T} for each text part and image(part) for each image part, in order.
nlohmann::json content_json(const Message& message, nlohmann::json (*image)(const ContentPart&));

struct Sampling {
  double temperature = 0.0;
  std::optional<double> top_p;
  std::optional<int> top_k;
  int max_tokens = 256;
  std::vector<std::string> stop;
  std::optional<uint64_t> seed;
};

enum class RequestKind {
  kGenerate,       // sample a completion of the messages
  kLoglikelihood,  // score each continuation after the context (no sampling)
};

struct Request {
  RequestKind kind = RequestKind::kGenerate;
  // kGenerate: the conversation. kLoglikelihood: one user message whose content is the
  // context, as raw text (no chat template is applied).
  std::vector<Message> messages;
  // kLoglikelihood: the texts whose loglikelihood after the context is asked for, each
  // with its leading space if it has one (" A", " Paris").
  std::vector<std::string> continuations;
  Sampling sampling;
  // Which repeat of the same prompt this is; distinct repeats are distinct requests.
  int repeat = 0;
  // What a perfect answer looks like (the task's rendered target; for kLoglikelihood the
  // gold continuation). Read only by offline mock models; never sent to a server and not
  // part of the cache key.
  std::string oracle_text;
};

const char* request_kind_name(RequestKind kind);

// What a loglikelihood request's continuation `index` is scored as: the context is the
// messages' contents joined by blank lines; its trailing spaces move to the front of the
// continuation (as lm-evaluation-harness does), so that " A" after "Answer: " is scored
// as " A" after "Answer:".
struct ScoredText {
  std::string context;
  std::string continuation;
};
ScoredText scored_text(const Request& request, size_t index);

// The request as canonical JSON: every field that can change a model's answer, with
// object keys sorted, and nothing else. A message with parts has as content a list of
// {"type":"text","text":T} and {"type":"image","media_type":M,"data":BASE64} objects; a
// text-only message's content is its string, as before parts existed.
nlohmann::json canonical_json(const Request& request);

// The request canonical_json(r) was made from (its oracle_text, never stored, excepted).
// Throws InputError naming the first field that is missing or malformed.
Request request_from_json(const nlohmann::json& j);

// For runners that read text only (mock, local): "" when no message of `request` holds
// an image part; else why `runner` (its identity) cannot answer it, naming the request
// (the first 12 hex digits of the hash of its canonical JSON) and the first message with
// an image. The runner answers such a request with ErrorKind::kInvalid and this message
// rather than answer the text alone.
std::string images_unsupported(const Request& request, const std::string& runner);

// Cache key of `request` sent to the model named by `runner_identity`: a hash of both.
std::string cache_key(const Request& request, const std::string& runner_identity);

}  // namespace ys
