// Builds a Runner from a model spec such as "openai:gpt-4o-mini" or "mock:oracle".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runners/http_pool.h"
#include "runners/runner.h"

namespace ys {

class ModelRegistry;

struct RunnerOptions {
  std::string base_url;  // overrides the registry's (and for openai: OPENAI_BASE_URL)
  // Replicas after base_url (--base-url given more than once): requests are spread over
  // all of them (HttpPoolOptions::endpoints).
  std::vector<std::string> extra_base_urls;
  // Client-side rate limits overriding the model registry's (--rpm, --tpm; 0: none);
  // unset: the registry's limits.
  std::optional<double> requests_per_min, tokens_per_min;
  std::string api_key_env;  // variable holding the key; empty: the provider's (models.yaml)
  HttpPoolOptions http;
  int thinking_budget = 0;       // anthropic: extended thinking tokens (0: off)
  std::string reasoning_effort;  // openai reasoning models: sent as reasoning_effort
  // Remote models: generate requests are streamed (SSE), their timing measured; the
  // pool's read_timeout_s applies. Mock and local models ignore it.
  bool stream = false;
  // Remote models: aliases and providers (runners/registry.h); null: the default files.
  const ModelRegistry* registry = nullptr;
  uint64_t seed = 0;
  // local:PATH.gguf
  int threads = 1;  // CPU threads of the engine
  int ctx = 0;      // positions per sequence; 0: the model's training context, at most 2048
  int batch = 4;    // sequences decoded together
  std::string device = "cpu";  // cpu, cuda or auto (runners/engine/device.h)
};

// Creates the runner for `spec`: mock:..., local:PATH.gguf, or a remote model (an alias or
// PROVIDER:ID of the model registry). Throws InputError for an unknown prefix, a malformed
// spec, or a missing API key where the endpoint needs one.
std::unique_ptr<Runner> make_runner(const std::string& spec, const RunnerOptions& options);

// The model specs understood, for help texts.
const char* model_spec_help();

}  // namespace ys
