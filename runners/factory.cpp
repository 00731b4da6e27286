#include "runners/factory.h"

#include <cstdlib>

#include "runners/engine/bundled.h"
#include "runners/engine/local_runner.h"
#include "runners/mock.h"
#include "runners/openai.h"
#include "util/error.h"

namespace ys {
namespace {

constexpr const char* kOpenAIDefaultBase = "https://api.openai.com/v1";

std::string env_or_empty(const std::string& name) {
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  return v ? v : "";
}

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

std::unique_ptr<Runner> make_openai(const std::string& spec, const std::string& model,
                                    const RunnerOptions& options) {
  if (model.empty()) throw InputError("model '" + spec + "': missing model name after 'openai:'");
  OpenAIOptions o;
  o.model = model;
  o.base_url = options.base_url;
  if (o.base_url.empty()) o.base_url = env_or_empty("OPENAI_BASE_URL");
  if (o.base_url.empty()) o.base_url = kOpenAIDefaultBase;
  o.api_key = env_or_empty(options.api_key_env);
  if (o.api_key.empty() && o.base_url == kOpenAIDefaultBase) {
    throw InputError("model '" + spec + "': environment variable " + options.api_key_env +
                     " is not set (or pass --base-url for a local server)");
  }
  o.http = options.http;
  return std::make_unique<OpenAIRunner>(std::move(o));
}

}  // namespace

const char* model_spec_help() {
  return "openai:NAME (any OpenAI-compatible server; --base-url, key from $OPENAI_API_KEY "
         "or --api-key-env), local:PATH.gguf or local:NAME (the in-process engine; --threads, "
         "--ctx; NAME a bundled model such as stories260K), "
         "mock:oracle, mock:wrong, mock:noisy:P, mock:truncate:F (sees the first F of each "
         "prompt)";
}

std::unique_ptr<Runner> make_runner(const std::string& spec, const RunnerOptions& options) {
  size_t colon = spec.find(':');
  std::string prefix = colon == std::string::npos ? spec : spec.substr(0, colon);
  std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (prefix == "mock") return make_mock(spec, rest, options.seed);
  if (prefix == "openai") return make_openai(spec, rest, options);
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
    return std::make_unique<engine::LocalRunner>(o);
  }
  throw InputError("unknown model '" + spec + "': expected " + model_spec_help());
}

}  // namespace ys
