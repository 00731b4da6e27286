#include "runners/engine/bench.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "runners/engine/batch/batch_decoder.h"
#include "runners/engine/cuda/cuda_backend.h"
#include "runners/engine/graph/context.h"
#include "util/error.h"

namespace ys::engine {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

BenchResult bench_model(const Model& model, const BenchOptions& o) {
  const ModelConfig& c = model.config();
  const int n_ctx = o.prompt_tokens + o.gen_tokens;
  if (n_ctx > c.n_ctx_train) {
    throw InputError("bench: " + std::to_string(n_ctx) + " tokens exceed the context of " +
                     std::to_string(c.n_ctx_train));
  }
  ThreadPool pool(o.threads);
  Context ctx(model, n_ctx, pool);
  std::vector<int32_t> prompt(static_cast<size_t>(o.prompt_tokens));
  for (size_t i = 0; i < prompt.size(); ++i) {
    prompt[i] = static_cast<int32_t>((i * 7919 + 13) % static_cast<size_t>(c.n_vocab));
  }
  BenchResult r;
  r.weight_bytes = model.weight_bytes();
  for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
    ctx.truncate(0);
    auto t0 = std::chrono::steady_clock::now();
    ctx.eval(prompt);
    r.prompt_tokens_per_s = std::max(r.prompt_tokens_per_s, o.prompt_tokens / seconds_since(t0));
    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.gen_tokens; ++i) ctx.eval({static_cast<int32_t>(i % c.n_vocab)});
    r.gen_tokens_per_s = std::max(r.gen_tokens_per_s, o.gen_tokens / seconds_since(t0));
  }
  return r;
}

DeviceBenchResult bench_device(const Model& model, Backend& backend, const BenchOptions& o) {
  const ModelConfig& c = model.config();
  const int n_ctx = o.prompt_tokens + o.gen_tokens;
  if (n_ctx > c.n_ctx_train) {
    throw InputError("bench: " + std::to_string(n_ctx) + " tokens exceed the context of " +
                     std::to_string(c.n_ctx_train));
  }
  DeviceBenchResult r;
  r.device = backend.name() == "cuda" ? cuda_device_name() : backend.name();
  r.weight_bytes = model.weight_bytes();
  if (backend.name() == "cuda") r.bandwidth = cuda_copy_bandwidth(backend);
  auto ids = [&](size_t n, size_t salt) {
    std::vector<int32_t> v(n);
    for (size_t i = 0; i < n; ++i) {
      v[i] = static_cast<int32_t>((i * 7919 + 13 + salt * 104729) % static_cast<size_t>(c.n_vocab));
    }
    return v;
  };
  {
    Context ctx(model, n_ctx, backend);
    const std::vector<int32_t> prompt = ids(static_cast<size_t>(o.prompt_tokens), 0);
    for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
      ctx.truncate(0);
      auto t0 = std::chrono::steady_clock::now();
      ctx.eval(prompt);  // returns after the logits reached the host: the pass is done
      r.prompt_tokens_per_s = std::max(r.prompt_tokens_per_s, o.prompt_tokens / seconds_since(t0));
    }
  }
  for (int b : o.batches) {
    if (b < 1) throw InputError("bench: batch sizes must be positive");
    std::vector<std::vector<int32_t>> prompts;
    for (int i = 0; i < b; ++i) prompts.push_back(ids(16, static_cast<size_t>(i) + 1));
    BatchDecodeOptions d;
    d.max_batch = b;
    d.share_prefixes = false;
    double best = 0;
    for (int rep = 0; rep < std::max(1, o.repeats); ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      decode_greedy_batched(model, backend, prompts, o.gen_tokens, d);
      best = std::max(best, static_cast<double>(b) * o.gen_tokens / seconds_since(t0));
    }
    r.decode_tokens_per_s.emplace_back(b, best);
  }
  return r;
}

double measure_read_bandwidth(int threads) {
  const size_t n = size_t{256} << 20 >> 3;  // 256 MiB of uint64_t
  std::vector<uint64_t> buf(n);
  std::iota(buf.begin(), buf.end(), uint64_t{1});
  ThreadPool pool(threads);
  std::vector<uint64_t> sums(static_cast<size_t>(threads));
  double best = 0;
  for (int pass = 0; pass < 4; ++pass) {
    auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(threads, [&](int64_t t) {
      size_t per = n / static_cast<size_t>(threads);
      const uint64_t* p = buf.data() + static_cast<size_t>(t) * per;
      uint64_t s[4] = {};
      for (size_t i = 0; i + 4 <= per; i += 4) {
        for (int k = 0; k < 4; ++k) s[k] += p[i + k];
      }
      sums[static_cast<size_t>(t)] = s[0] + s[1] + s[2] + s[3];
    });
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / seconds_since(t0));
  }
  // Keep the sums observable so the reads are not optimized away.
  volatile uint64_t sink = std::accumulate(sums.begin(), sums.end(), uint64_t{0});
  (void)sink;
  return best;
}

}  // namespace ys::engine
