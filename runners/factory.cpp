#include "runners/factory.h"

#include <cstdlib>
#include <optional>

#include "runners/engine/local_runner.h"
#include "runners/mock.h"
#include "runners/registry.h"
#include "util/error.h"

namespace ys {
namespace {

std::unique_ptr<Runner> make_mock(const std::string& spec, const std::string& rest, uint64_t seed) {
  if (rest == "oracle") return std::make_unique<MockRunner>(MockRunner::Behavior::kOracle, 1, seed);
  if (rest == "wrong") return std::make_unique<MockRunner>(MockRunner::Behavior::kWrong, 0, seed);
  if (rest.rfind("noisy:", 0) == 0) {
    std::string p_text = rest.substr(6);
    char* end = nullptr;
    double p = std::strtod(p_text.c_str(), &end);
    if (p_text.empty() || *end != '\0' || p < 0 || p > 1) {
      throw InputError("model '" + spec + "': P in mock:noisy:P must be a number in [0, 1]");
    }
    return std::make_unique<MockRunner>(MockRunner::Behavior::kNoisy, p, seed);
  }
  throw InputError("unknown mock model '" + spec +
                   "' (expected mock:oracle, mock:wrong or mock:noisy:P)");
}

}  // namespace

const char* model_spec_help() {
  return "an alias of `yardstick models`, PROVIDER:ID (openai:, anthropic:, deepseek:, vllm:, "
         "sglang:, llamacpp:, openrouter:, together:; --base-url, key from the provider's "
         "variable or --api-key-env), local:PATH.gguf (the in-process engine; --threads, "
         "--ctx), mock:oracle, mock:wrong, mock:noisy:P";
}

std::unique_ptr<Runner> make_runner(const std::string& spec, const RunnerOptions& options) {
  size_t colon = spec.find(':');
  std::string prefix = colon == std::string::npos ? spec : spec.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (prefix == "mock") return make_mock(spec, rest, options.seed);
  if (prefix == "local") {
    if (rest.empty()) throw InputError("model '" + spec + "': missing a .gguf path after 'local:'");
    engine::LocalRunnerOptions o;
    o.path = rest;
    o.threads = options.threads;
    o.n_ctx = options.ctx;
    o.batch = options.batch;
    o.seed = options.seed;
    return std::make_unique<engine::LocalRunner>(o);
  }
  std::optional<ModelRegistry> loaded;
  if (!options.registry) loaded = ModelRegistry::load(ModelRegistry::default_files());
  if (auto r =
          make_registered_runner(spec, options, options.registry ? *options.registry : *loaded))
    return r;
  throw InputError("unknown model '" + spec + "': expected " + model_spec_help());
}

}  // namespace ys
