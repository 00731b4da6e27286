#include "runners/engine/batch/batch_decoder.h"

#include <algorithm>
#include <memory>

#include "runners/engine/batch/kv_blocks.h"
#include "runners/engine/batch/scheduler.h"
#include "runners/engine/graph/context.h"
#include "util/error.h"

namespace ys::engine {

std::vector<std::vector<int32_t>> decode_greedy_batched(
    const Model& model, Backend& backend, const std::vector<std::vector<int32_t>>& prompts,
    int max_new, const BatchDecodeOptions& o, BatchDecodeStats* stats) {
  const ModelConfig& c = model.config();
  size_t longest = 0;
  for (const auto& p : prompts) {
    if (p.empty()) throw InputError("batched decoding: an empty prompt");
    longest = std::max(longest, p.size());
  }
  const int n_ctx = static_cast<int>(longest) + max_new;
  if (max_new < 1 || n_ctx > c.n_ctx_train) {
    throw InputError("batched decoding: " + std::to_string(n_ctx) +
                     " positions exceed the model's context of " + std::to_string(c.n_ctx_train));
  }
  const int per_seq = (n_ctx + o.block_size - 1) / std::max(1, o.block_size);
  const int n_blocks = o.n_blocks > 0 ? o.n_blocks : per_seq * o.max_batch;
  BlockAllocator blocks(backend, n_blocks, o.block_size);
  PrefixCache cache(blocks);
  Scheduler sched(n_blocks, o.block_size, o.max_batch);
  for (size_t i = 0; i < prompts.size(); ++i) {
    sched.add(static_cast<int>(i), static_cast<int>(prompts[i].size()),
              static_cast<int>(prompts[i].size()) + max_new);
  }
  BatchDecodeStats st;
  std::vector<std::vector<int32_t>> out(prompts.size());
  std::vector<std::unique_ptr<Context>> ctx(prompts.size());
  std::vector<Context*> step_ctx;
  std::vector<std::vector<int32_t>> step_tokens;
  std::vector<int> step_ids;
  while (!sched.idle()) {
    Scheduler::Step step = sched.next();
    for (int id : step.preempted) {
      ctx[static_cast<size_t>(id)].reset();  // frees its blocks
      ++st.preemptions;
    }
    step_ctx.clear();
    step_tokens.clear();
    step_ids.clear();
    int new_blocks = 0;
    for (int id : step.decode) {
      Context& cx = *ctx[static_cast<size_t>(id)];
      step_ctx.push_back(&cx);
      step_tokens.push_back({out[static_cast<size_t>(id)].back()});
      step_ids.push_back(id);
      new_blocks += cx.n_past() % o.block_size == 0;
    }
    for (int id : step.admitted) {
      const size_t i = static_cast<size_t>(id);
      std::vector<int32_t> all = prompts[i];
      all.insert(all.end(), out[i].begin(), out[i].end());
      ctx[i] = std::make_unique<Context>(model, n_ctx, backend, blocks);
      size_t from = 0;
      if (o.share_prefixes) {
        PrefixCache::Match m = cache.match(all, all.size() - 1);
        if (m.n_tokens > 0) {
          ctx[i]->adopt_prefix(
              std::vector<int32_t>(all.begin(), all.begin() + static_cast<long>(m.n_tokens)),
              m.blocks);
          from = m.n_tokens;
          st.shared_tokens += static_cast<int64_t>(m.n_tokens);
        }
      }
      step_ctx.push_back(ctx[i].get());
      step_tokens.emplace_back(all.begin() + static_cast<long>(from), all.end());
      step_ids.push_back(id);
      new_blocks += static_cast<int>((all.size() - from) / static_cast<size_t>(o.block_size)) + 1;
    }
    if (step_ctx.empty())
      throw InputError("batched decoding: the KV pool cannot hold one sequence");
    // Blocks only the prefix cache holds make room as needed.
    if (blocks.n_free() < new_blocks) cache.evict(new_blocks - blocks.n_free());
    // A copy: the list belongs to step_ctx[0], which may finish (and go) in the loop below;
    // the rows it points to are the backend's.
    const std::vector<const float*> logits = Context::eval_batch(step_ctx, step_tokens);
    ++st.steps;
    for (size_t k = 0; k < step_ids.size(); ++k) {
      st.evaluated_tokens += static_cast<int64_t>(step_tokens[k].size());
      const float* l = logits[k];
      const int32_t next = static_cast<int32_t>(std::max_element(l, l + c.n_vocab) - l);
      const size_t i = static_cast<size_t>(step_ids[k]);
      out[i].push_back(next);
      if (static_cast<int>(out[i].size()) == max_new) {
        sched.finish(step_ids[k]);
        if (o.share_prefixes) cache.insert(ctx[i]->tokens(), ctx[i]->blocks());
        ctx[i].reset();
      }
    }
  }
  if (stats) *stats = st;
  return out;
}

}  // namespace ys::engine
