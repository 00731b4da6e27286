// Builds a Runner from a model spec such as "openai:gpt-4o-mini" or "mock:oracle".
#pragma once

#include <memory>
#include <string>

#include "runners/http_pool.h"
#include "runners/runner.h"

namespace ys {

struct RunnerOptions {
  std::string base_url;                        // for openai: overrides OPENAI_BASE_URL
  std::string api_key_env = "OPENAI_API_KEY";  // environment variable holding the key
  HttpPoolOptions http;
  uint64_t seed = 0;
  // local:PATH.gguf
  int threads = 1;  // CPU threads of the engine
  int ctx = 0;      // positions per sequence; 0: the model's training context, at most 2048
  int batch = 4;    // sequences decoded together
};

// Creates the runner for `spec`. Throws InputError for an unknown prefix, a malformed
// spec, or a missing API key where the endpoint needs one.
std::unique_ptr<Runner> make_runner(const std::string& spec, const RunnerOptions& options);

// The model specs understood, for help texts.
const char* model_spec_help();

}  // namespace ys
