// The model registry (docs/MODELS.md): providers (API, base URL, key variable) and model
// aliases (provider, model id, accepted and default parameters, limits, prices), read from
// the bundled models.yaml and extended by the user's file.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runners/runner.h"

namespace ys {

struct RunnerOptions;

struct ProviderEntry {
  std::string name;           // "openai", "anthropic", "deepseek", "vllm", ...
  std::string api;            // wire format: "openai" or "anthropic"
  std::string base_url;       // default base URL
  std::string key_env;        // environment variable holding the key ("" for none)
  bool key_required = false;  // refuse to start without the key (unless --base-url is given)
  std::string source;         // FILE:LINE it was read from
};

// Limits a provider sets for a model; 0 where unknown.
struct ModelLimits {
  int requests_per_min = 0;    // enforced client-side (HttpPoolOptions::requests_per_min)
  int64_t tokens_per_min = 0;  // enforced client-side, on estimates corrected by usage
  int max_in_flight = 0;       // caps --concurrency for this model
  int64_t context = 0;         // context length in tokens
};

// US dollars per million tokens.
struct ModelPrice {
  double input = 0;
  double cached_input = 0;
  double output = 0;
};

// Where a model's prices were checked (docs/MODELS.md, "Prices"): the page's URL, the date
// it was read (YYYY-MM-DD), and whether that page confirmed them (false: not found on the
// provider's own page, or contradicted by it; a cost from them is an estimate).
struct PriceSource {
  std::string url;
  std::string read;
  bool confirmed = true;
};

// The cost of `usage` at `price`, in US dollars: uncached input tokens (prompt minus
// cached) at the input price, cached tokens at the cached-input price, output tokens
// (reasoning included) at the output price. Cache writes (Anthropic) are charged at the
// input price, below the provider's surcharge for them.
double cost_usd(const Usage& usage, const ModelPrice& price);

struct ModelEntry {
  std::string alias;                   // the name given to --model ("" for a provider:ID spec)
  std::string provider;                // key into the providers
  std::string id;                      // the model id the API is sent
  std::vector<std::string> base_urls;  // empty: the provider's; several: replicas, spread over
  std::string key_env;                 // empty: the provider's
  // The sampling parameters the model accepts (temperature, top_p, top_k, stop, seed,
  // max_tokens or max_completion_tokens); unset: what its API's runner sends by default.
  std::optional<std::vector<std::string>> accepts;
  nlohmann::json defaults = nlohmann::json::object();  // body fields sent with every request
  ModelLimits limits;
  std::optional<ModelPrice> price;
  PriceSource price_source;  // with `price`
  std::string source;        // FILE:LINE
};

class ModelRegistry {
 public:
  // Reads `files` in order; a later file's provider or alias replaces an earlier one of
  // the same name. Throws InputError naming FILE:LINE for a malformed entry (unknown key,
  // wrong type, unknown provider or API); a missing file is an error.
  static ModelRegistry load(const std::vector<std::filesystem::path>& files);

  // The bundled file (PREFIX/share/yardstick/models.yaml, else runners/models.yaml of the
  // build's source tree), then the user's: $YARDSTICK_MODELS_FILE when set, else
  // $XDG_CONFIG_HOME/yardstick/models.yaml or ~/.config/yardstick/models.yaml when it
  // exists.
  static std::vector<std::filesystem::path> default_files();

  // An alias, or "PROVIDER:ID" (the alias with that provider and id lends its settings
  // when there is one). nullopt when `spec` names neither an alias nor a known provider.
  std::optional<ModelEntry> resolve(const std::string& spec) const;

  const ProviderEntry* provider(const std::string& name) const;
  const std::map<std::string, ModelEntry>& models() const { return models_; }
  const std::map<std::string, ProviderEntry>& providers() const { return providers_; }

 private:
  std::map<std::string, ProviderEntry> providers_;
  std::map<std::string, ModelEntry> models_;
};

// Builds the remote runner for `spec` (an alias or PROVIDER:ID) from `registry`, with
// `options` (--base-url overrides the registry's URL; --api-key-env its key variable;
// --concurrency is capped by the model's max_in_flight). nullptr when the registry does
// not know `spec`. Throws InputError when the key the provider requires is not set, or
// for a setting the API cannot take.
std::unique_ptr<Runner> make_registered_runner(const std::string& spec,
                                               const RunnerOptions& options,
                                               const ModelRegistry& registry);

}  // namespace ys
