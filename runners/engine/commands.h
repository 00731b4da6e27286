// What the `yardstick engine info|generate|bench` commands print, so that the CLI only
// parses flags and writes these strings out. Each throws InputError for a bad file.
#pragma once

#include <string>
#include <vector>

#include "runners/engine/batch/sampler.h"
#include "runners/engine/bench.h"

namespace ys::engine {

// `engine info FILE`: GGUF version, metadata (long arrays summarized), tensors (name, type,
// shape, bytes), parameter count, and for a supported architecture the hyper-parameters
// and the memory needed: weights plus the F32 KV cache of `n_ctx` positions (0: the
// training context).
std::string model_info(const std::string& path, int n_ctx = 0);

struct GenerateOptions {
  std::string prompt;
  bool chat = false;  // apply the model's chat template to a single user message
  int max_tokens = 128;
  int threads = 1;
  int n_ctx = 0;  // 0: the training context, at most 2048
  SamplingParams sampling;
  std::string device = "cpu";  // cpu, cuda or auto
};

// `engine generate FILE --prompt TEXT`: the generated text (without the prompt).
std::string generate_text(const std::string& path, const GenerateOptions& options);

// `engine bench FILE`: a Markdown table of prompt and generation tokens/s for each thread
// count, with the generation bound set by memory bandwidth (weight bytes per token over
// the measured read bandwidth). With options.device cuda (or auto finding a GPU): a line
// naming the device, its copy bandwidth and the batch-1 roofline, then a table of prompt
// tokens/s (options.prompt_tokens in one pass) and decode tokens/s at each batch size.
std::string bench_table(const std::string& path, const std::vector<int>& threads,
                        const BenchOptions& options);

}  // namespace ys::engine
