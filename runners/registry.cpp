#include "runners/registry.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "runners/anthropic.h"
#include "runners/factory.h"
#include "runners/flow.h"
#include "runners/http_pool.h"
#include "runners/openai.h"
#include "util/error.h"
#include "util/paths.h"

namespace ys {
namespace {

std::string where(const std::filesystem::path& file, const YAML::Node& node) {
  return file.string() + ":" + std::to_string(node.Mark().line + 1);
}

[[noreturn]] void bad(const std::filesystem::path& file, const YAML::Node& node,
                      const std::string& why) {
  throw InputError(where(file, node) + ": " + why);
}

// Refuses a base URL that requests could never use (see base_url_problem).
void check_base_url(const std::filesystem::path& file, const YAML::Node& node,
                    const std::string& url) {
  if (std::string why = base_url_problem(url); !why.empty()) {
    bad(file, node, "base URL '" + url + "': " + why);
  }
}

// Refuses keys of `node` not among `known`, naming the first one found.
void check_keys(const std::filesystem::path& file, const YAML::Node& node,
                std::initializer_list<const char*> known) {
  if (!node.IsMap()) bad(file, node, "expected a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string list;
      for (const char* k : known) list += std::string(list.empty() ? "" : ", ") + k;
      bad(file, kv.first, "unknown key '" + key + "' (expected " + list + ")");
    }
  }
}

template <typename T>
T get(const std::filesystem::path& file, const YAML::Node& parent, const char* key, T fallback) {
  const YAML::Node n = parent[key];
  if (!n) return fallback;
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    bad(file, n, std::string("'") + key + "' has the wrong type");
  }
}

std::vector<std::string> string_list(const std::filesystem::path& file, const YAML::Node& n,
                                     const char* key) {
  if (n.IsScalar()) return {n.as<std::string>()};
  if (!n.IsSequence()) bad(file, n, std::string("'") + key + "' must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(item.as<std::string>());
  return out;
}

nlohmann::json to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = to_json(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& item : n) j.push_back(to_json(item));
    return j;
  }
  if (!n.IsScalar()) return nullptr;
  const std::string s = n.as<std::string>();
  if (n.Tag() == "!") return s;  // quoted: a string
  if (s == "true" || s == "false") return s == "true";
  char* end = nullptr;
  const long long i = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') return i;
  const double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && *end == '\0') return d;
  return s;
}

const std::set<std::string> kParams = {
    "temperature", "top_p", "top_k", "stop", "seed", "max_tokens", "max_completion_tokens"};

void read_file(const std::filesystem::path& file, std::map<std::string, ProviderEntry>& providers,
               std::map<std::string, ModelEntry>& models) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw InputError(file.string() + ": cannot read the model registry");
  } catch (const YAML::Exception& e) {
    throw InputError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root || root.IsNull()) return;
  check_keys(file, root, {"providers", "models"});
  for (const auto& kv : root["providers"]) {
    const YAML::Node& n = kv.second;
    check_keys(file, n, {"api", "base_url", "key_env", "key_required"});
    ProviderEntry p;
    p.name = kv.first.as<std::string>();
    p.api = get<std::string>(file, n, "api", "openai");
    if (p.api != "openai" && p.api != "anthropic") {
      bad(file, n["api"], "api '" + p.api + "' is not openai or anthropic");
    }
    p.base_url = get<std::string>(file, n, "base_url", "");
    if (p.base_url.empty()) bad(file, n, "provider '" + p.name + "' has no base_url");
    check_base_url(file, n["base_url"], p.base_url);
    p.key_env = get<std::string>(file, n, "key_env", "");
    p.key_required = get<bool>(file, n, "key_required", false);
    p.source = where(file, n);
    providers[p.name] = p;
  }
  for (const auto& kv : root["models"]) {
    const YAML::Node& n = kv.second;
    check_keys(file, n,
               {"provider", "id", "base_url", "base_urls", "key_env", "accepts", "defaults",
                "limits", "price"});
    ModelEntry m;
    m.alias = kv.first.as<std::string>();
    m.source = where(file, n);
    m.provider = get<std::string>(file, n, "provider", "");
    if (!providers.count(m.provider)) {
      bad(file, n, "model '" + m.alias + "': unknown provider '" + m.provider + "'");
    }
    m.id = get<std::string>(file, n, "id", m.alias);
    if (n["base_url"]) m.base_urls = string_list(file, n["base_url"], "base_url");
    if (n["base_urls"]) m.base_urls = string_list(file, n["base_urls"], "base_urls");
    for (const auto& u : m.base_urls) check_base_url(file, n, u);
    m.key_env = get<std::string>(file, n, "key_env", "");
    if (n["accepts"]) {
      m.accepts = string_list(file, n["accepts"], "accepts");
      for (const auto& p : *m.accepts) {
        if (!kParams.count(p)) bad(file, n["accepts"], "unknown parameter '" + p + "'");
      }
    }
    if (n["defaults"]) {
      if (!n["defaults"].IsMap()) bad(file, n["defaults"], "'defaults' must be a mapping");
      m.defaults = to_json(n["defaults"]);
    }
    if (const YAML::Node l = n["limits"]) {
      check_keys(file, l, {"requests_per_min", "tokens_per_min", "max_in_flight", "context"});
      m.limits.requests_per_min = get<int>(file, l, "requests_per_min", 0);
      m.limits.tokens_per_min = get<int64_t>(file, l, "tokens_per_min", 0);
      m.limits.max_in_flight = get<int>(file, l, "max_in_flight", 0);
      m.limits.context = get<int64_t>(file, l, "context", 0);
    }
    if (const YAML::Node p = n["price"]) {
      check_keys(file, p, {"input", "cached_input", "output", "source", "read", "confirmed"});
      ModelPrice price;
      price.input = get<double>(file, p, "input", 0);
      price.output = get<double>(file, p, "output", 0);
      price.cached_input = get<double>(file, p, "cached_input", price.input);
      m.price_source.url = get<std::string>(file, p, "source", "");
      m.price_source.read = get<std::string>(file, p, "read", "");
      m.price_source.confirmed = get<bool>(file, p, "confirmed", true);
      m.price = price;
    }
    models[m.alias] = m;
  }
}

std::string env_or_empty(const std::string& name) {
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  return v ? v : "";
}

}  // namespace

double cost_usd(const Usage& usage, const ModelPrice& price) {
  const double cached = static_cast<double>(usage.cached_tokens);
  const double uncached =
      static_cast<double>(std::max<int64_t>(0, usage.prompt_tokens - usage.cached_tokens));
  return (uncached * price.input + cached * price.cached_input +
          static_cast<double>(usage.completion_tokens) * price.output) /
         1e6;
}

ModelRegistry ModelRegistry::load(const std::vector<std::filesystem::path>& files) {
  ModelRegistry r;
  for (const auto& f : files) read_file(f, r.providers_, r.models_);
  return r;
}

std::vector<std::filesystem::path> ModelRegistry::default_files() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  const auto installed = installed_share_dir() / "models.yaml";
  if (std::filesystem::is_regular_file(installed, ec)) {
    files.push_back(installed);
  } else if (auto src = source_tree_of_build()) {
    files.push_back(*src / "runners" / "models.yaml");
  } else {
    files.push_back(installed);  // missing: load() names it
  }
  if (const char* env = std::getenv("YARDSTICK_MODELS_FILE"); env && *env) {
    files.emplace_back(env);
    return files;
  }
  std::filesystem::path config;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    config = std::filesystem::path(xdg) / "yardstick" / "models.yaml";
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    config = std::filesystem::path(home) / ".config" / "yardstick" / "models.yaml";
  }
  if (!config.empty() && std::filesystem::is_regular_file(config, ec)) files.push_back(config);
  return files;
}

const ProviderEntry* ModelRegistry::provider(const std::string& name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : &it->second;
}

std::optional<ModelEntry> ModelRegistry::resolve(const std::string& spec) const {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) {
    auto it = models_.find(spec);
    if (it == models_.end()) return std::nullopt;
    return it->second;
  }
  const std::string provider = spec.substr(0, colon), id = spec.substr(colon + 1);
  if (!providers_.count(provider)) return std::nullopt;
  for (const auto& [alias, m] : models_) {
    if (m.provider == provider && m.id == id) return m;
  }
  ModelEntry m;
  m.provider = provider;
  m.id = id;
  return m;
}

std::unique_ptr<Runner> make_registered_runner(const std::string& spec,
                                               const RunnerOptions& options,
                                               const ModelRegistry& registry) {
  std::optional<ModelEntry> m = registry.resolve(spec);
  if (!m) return nullptr;
  const ProviderEntry& p = *registry.provider(m->provider);
  if (m->id.empty()) {
    throw InputError("model '" + spec + "': missing model name after '" + p.name + ":'");
  }
  std::string base_url = options.base_url;
  const bool own_url = !base_url.empty();
  std::vector<std::string> endpoints;  // every replica (sorted below)
  if (own_url) {
    endpoints.push_back(base_url);
    for (const auto& u : options.extra_base_urls) endpoints.push_back(u);
  }
  if (base_url.empty() && p.name == "openai") base_url = env_or_empty("OPENAI_BASE_URL");
  if (base_url.empty() && !m->base_urls.empty()) {
    base_url = m->base_urls.front();
    endpoints = m->base_urls;
  }
  if (base_url.empty()) base_url = p.base_url;
  // Replicas serve the same model, so their order must not change the runner's identity
  // (cache keys, run fingerprints: shards started with the URLs in another order merge and
  // share the cache). The identity names the first of the sorted set; one URL keeps it.
  std::sort(endpoints.begin(), endpoints.end());
  endpoints.erase(std::unique(endpoints.begin(), endpoints.end()), endpoints.end());
  if (endpoints.size() > 1) base_url = endpoints.front();
  if (own_url) {
    for (const auto& u : endpoints) {
      if (std::string why = base_url_problem(u); !why.empty()) {
        throw InputError("--base-url '" + u + "': " + why);
      }
    }
  } else if (std::string why = base_url_problem(base_url); !why.empty()) {
    throw InputError("model '" + spec + "': base URL '" + base_url + "': " + why);
  }
  const std::string key_env = !options.api_key_env.empty() ? options.api_key_env
                              : !m->key_env.empty()        ? m->key_env
                                                           : p.key_env;
  const std::string key = env_or_empty(key_env);
  if (key.empty() && p.key_required && !own_url && base_url == p.base_url) {
    throw InputError("model '" + spec + "': environment variable " + key_env +
                     " is not set (or pass --base-url for a local server)");
  }
  HttpPoolOptions http = options.http;
  if (m->limits.max_in_flight > 0) {
    http.max_in_flight = std::min(http.max_in_flight, m->limits.max_in_flight);
  }
  http.requests_per_min = options.requests_per_min.value_or(m->limits.requests_per_min);
  http.tokens_per_min =
      options.tokens_per_min.value_or(static_cast<double>(m->limits.tokens_per_min));
  if (http.tokens_per_min > 0) {
    http.estimate_tokens = estimate_request_tokens;
    // Each API reports usage its own way, whole or streamed.
    http.used_tokens = p.api == "anthropic" ? anthropic_used_tokens : openai_used_tokens;
  }
  if (endpoints.size() > 1) http.endpoints = endpoints;
  if (p.api == "anthropic") {
    if (options.thinking_budget > 0 && options.thinking_budget < 1024) {
      throw InputError("--thinking-budget " + std::to_string(options.thinking_budget) +
                       ": Anthropic's minimum is 1024 tokens");
    }
    AnthropicOptions o;
    o.model = m->id;
    o.base_url = base_url;
    o.api_key = key;
    o.thinking_budget = options.thinking_budget;
    o.stream = options.stream;
    o.http = http;
    return std::make_unique<AnthropicRunner>(std::move(o));
  }
  if (options.thinking_budget > 0) {
    throw InputError("model '" + spec + "': --thinking-budget is for anthropic: models");
  }
  OpenAIOptions o;
  o.model = m->id;
  o.base_url = base_url;
  o.api_key = key;
  o.accepts = m->accepts;
  o.extra_body = m->defaults;
  if (!options.reasoning_effort.empty())
    o.extra_body["reasoning_effort"] = options.reasoning_effort;
  o.stream = options.stream;
  o.http = http;
  return std::make_unique<OpenAIRunner>(std::move(o));
}

}  // namespace ys
