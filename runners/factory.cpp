#include "runners/factory.h"

#include <cstdlib>
#include <optional>

#include "runners/engine/batch/local_runner.h"
#include "runners/engine/bundled.h"
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
  if (rest.rfind("truncate:", 0) == 0) {
    std::string f_text = rest.substr(9);
    char* end = nullptr;
    double f = std::strtod(f_text.c_str(), &end);
    if (f_text.empty() || *end != '\0' || f < 0 || f > 1) {
      throw InputError("model '" + spec + "': F in mock:truncate:F must be a number in [0, 1]");
    }
    return std::make_unique<MockRunner>(MockRunner::Behavior::kTruncate, f, seed);
  }
  throw InputError("unknown mock model '" + spec +
                   "' (expected mock:oracle, mock:wrong, mock:noisy:P or mock:truncate:F)");
}

}  // namespace

const char* model_spec_help() {
  return "an alias of `yardstick models`, PROVIDER:ID (openai:, anthropic:, deepseek:, vllm:, "
         "sglang:, llamacpp:, openrouter:, together:; --base-url, key from the provider's "
         "variable or --api-key-env), local:PATH.gguf or local:NAME (the in-process engine; "
         "--threads, --ctx, --device; NAME a bundled model such as stories260K), mock:oracle, "
         "mock:wrong, "
         "mock:noisy:P, mock:truncate:F (sees the first F of each prompt)";
}

std::unique_ptr<Runner> make_runner(const std::string& spec, const RunnerOptions& options) {
  size_t colon = spec.find(':');
  std::string prefix = colon == std::string::npos ? spec : spec.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (prefix == "mock") return make_mock(spec, rest, options.seed);
  if (prefix == "local") {
    if (rest.empty()) {
      throw InputError("model '" + spec +
                       "': missing a .gguf path or bundled model name after 'local:'");
    }
    engine::LocalRunnerOptions o;
    o.path = engine::resolve_model_file(rest);
    o.threads = options.threads;
    o.n_ctx = options.ctx;
    o.batch = options.batch;
    o.seed = options.seed;
    o.device = options.device;
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
