#include "runners/request.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "util/base64.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys {
namespace {

// An image part in the canonical form.
nlohmann::json canonical_image(const ContentPart& p) {
  return {{"type", "image"}, {"media_type", p.media_type}, {"data", base64_encode(p.data)}};
}

[[noreturn]] void malformed(const std::string& where, const std::string& why) {
  throw InputError("request JSON: " + where + ": " + why);
}

// j[key] as a T, or `fallback` when absent; throws naming `where`.key when it has another type.
template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where, T fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    malformed(where + key, std::string("unexpected ") + it->type_name());
  }
}

ContentPart part_from_json(const nlohmann::json& p, const std::string& where) {
  if (!p.is_object()) malformed(where, "not an object");
  const std::string type = field<std::string>(p, "type", where + ".", "");
  if (type == "text") return ContentPart::text_part(field<std::string>(p, "text", where + ".", ""));
  if (type != "image") malformed(where + ".type", "'" + type + "' is neither text nor image");
  auto bytes = base64_decode(field<std::string>(p, "data", where + ".", ""));
  if (!bytes) malformed(where + ".data", "not base64");
  return ContentPart::image(std::move(*bytes),
                            field<std::string>(p, "media_type", where + ".", ""));
}

}  // namespace

ContentPart ContentPart::text_part(std::string text) {
  ContentPart p;
  p.text = std::move(text);
  return p;
}

ContentPart ContentPart::image(std::string bytes, std::string media_type) {
  ContentPart p;
  p.kind = Kind::kImage;
  p.data = std::move(bytes);
  p.media_type = std::move(media_type);
  return p;
}

ContentPart ContentPart::image_file(const std::filesystem::path& path, std::string media_type) {
  if (media_type.empty()) {
    const std::string ext = ascii_lower(path.extension().string());
    if (ext == ".png") media_type = "image/png";
    if (ext == ".jpg" || ext == ".jpeg") media_type = "image/jpeg";
    if (ext == ".gif") media_type = "image/gif";
    if (ext == ".webp") media_type = "image/webp";
    if (media_type.empty()) {
      throw InputError(path.string() +
                       ": unknown image type (expected .png, .jpg, .jpeg, .gif or .webp)");
    }
  }
  std::ifstream f(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << f.rdbuf();
  if (!f) throw InputError(path.string() + ": cannot read the image");
  return image(bytes.str(), std::move(media_type));
}

std::string text_of(const Message& message) {
  if (message.parts.empty()) return message.content;
  std::string text;
  for (const ContentPart& p : message.parts) {
    if (p.kind == ContentPart::Kind::kText) text += p.text;
  }
  return text;
}

nlohmann::json content_json(const Message& message, nlohmann::json (*image)(const ContentPart&)) {
  if (message.parts.empty()) return message.content;
  nlohmann::json parts = nlohmann::json::array();
  for (const ContentPart& p : message.parts) {
    parts.push_back(p.kind == ContentPart::Kind::kText
                        ? nlohmann::json{{"type", "text"}, {"text", p.text}}
                        : image(p));
  }
  return parts;
}

nlohmann::json canonical_json(const Request& request) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : request.messages) {
    messages.push_back({{"role", m.role}, {"content", content_json(m, canonical_image)}});
  }
  const Sampling& s = request.sampling;
  nlohmann::json sampling = {
      {"temperature", s.temperature}, {"max_tokens", s.max_tokens}, {"stop", s.stop}};
  if (s.top_p) sampling["top_p"] = *s.top_p;
  if (s.top_k) sampling["top_k"] = *s.top_k;
  if (s.seed) sampling["seed"] = *s.seed;
  // nlohmann::json objects are std::map-backed: keys serialize sorted.
  nlohmann::json j = {{"messages", messages}, {"sampling", sampling}, {"repeat", request.repeat}};
  // Generation requests keep the form they had before the kind existed (stable cache keys).
  if (request.kind == RequestKind::kLoglikelihood) {
    j["kind"] = request_kind_name(request.kind);
    j["continuations"] = request.continuations;
    j.erase("sampling");  // nothing is sampled
  }
  return j;
}

Request request_from_json(const nlohmann::json& j) {
  if (!j.is_object()) malformed("the request", "not an object");
  Request r;
  const std::string kind = field<std::string>(j, "kind", "", "generate");
  if (kind == request_kind_name(RequestKind::kLoglikelihood)) {
    r.kind = RequestKind::kLoglikelihood;
  } else if (kind != request_kind_name(RequestKind::kGenerate)) {
    malformed("kind", "unknown kind '" + kind + "'");
  }
  const auto messages = j.find("messages");
  if (messages == j.end() || !messages->is_array()) malformed("messages", "missing or not a list");
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const nlohmann::json& m = (*messages)[i];
    if (!m.is_object()) malformed(where, "not an object");
    Message message;
    message.role = field<std::string>(m, "role", where + ".", "");
    const auto content = m.find("content");
    if (content != m.end() && content->is_array()) {
      for (size_t k = 0; k < content->size(); ++k) {
        message.parts.push_back(
            part_from_json((*content)[k], where + ".content[" + std::to_string(k) + "]"));
      }
    } else {
      message.content = field<std::string>(m, "content", where + ".", "");
    }
    r.messages.push_back(std::move(message));
  }
  r.continuations = field<std::vector<std::string>>(j, "continuations", "", {});
  r.repeat = field<int>(j, "repeat", "", 0);
  if (auto s = j.find("sampling"); s != j.end()) {
    if (!s->is_object()) malformed("sampling", "not an object");
    Sampling& out = r.sampling;
    out.temperature = field<double>(*s, "temperature", "sampling.", out.temperature);
    out.max_tokens = field<int>(*s, "max_tokens", "sampling.", out.max_tokens);
    out.stop = field<std::vector<std::string>>(*s, "stop", "sampling.", {});
    if (s->contains("top_p")) out.top_p = field<double>(*s, "top_p", "sampling.", 0);
    if (s->contains("top_k")) out.top_k = field<int>(*s, "top_k", "sampling.", 0);
    if (s->contains("seed")) out.seed = field<uint64_t>(*s, "seed", "sampling.", 0);
  }
  return r;
}

const char* request_kind_name(RequestKind kind) {
  return kind == RequestKind::kLoglikelihood ? "loglikelihood" : "generate";
}

std::string cache_key(const Request& request, const std::string& runner_identity) {
  return hash_hex(runner_identity + "\n" + canonical_json(request).dump());
}

std::string images_unsupported(const Request& request, const std::string& runner) {
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const Message& m = request.messages[i];
    const auto images = std::count_if(m.parts.begin(), m.parts.end(), [](const ContentPart& p) {
      return p.kind == ContentPart::Kind::kImage;
    });
    if (images == 0) continue;
    return "request " + hash_hex(canonical_json(request).dump()).substr(0, 12) + ": message " +
           std::to_string(i + 1) + " (" + m.role + ") holds " + std::to_string(images) +
           " image part(s) and " + runner +
           " reads text only; use a model that takes images (openai:, anthropic:)";
  }
  return "";
}

ScoredText scored_text(const Request& request, size_t index) {
  ScoredText t;
  for (const Message& m : request.messages) {
    t.context += (t.context.empty() ? "" : "\n\n") + text_of(m);
  }
  const size_t kept = t.context.find_last_not_of(' ') + 1;  // npos + 1 == 0: all spaces
  t.continuation = t.context.substr(kept) + request.continuations.at(index);
  t.context.resize(kept);
  return t;
}

}  // namespace ys
