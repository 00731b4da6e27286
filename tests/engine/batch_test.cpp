// The paged KV cache, prefix sharing and the continuous-batching scheduler (batch/), on the
// CPU backend: bookkeeping invariants, and answers equal to unbatched, unshared decoding.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "runners/engine/batch/batch_decoder.h"
#include "runners/engine/batch/kv_blocks.h"
#include "runners/engine/batch/scheduler.h"
#include "runners/engine/cuda/cuda_backend.h"
#include "runners/engine/device.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "tests/engine/test_data.h"
#include "util/error.h"

namespace ys::engine {
namespace {

class StoriesModel : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = test::shared_file("models/stories260K.gguf");
    if (path_.empty()) {
      if (test::in_ci()) FAIL() << "missing shared data models/stories260K.gguf";
      GTEST_SKIP() << "shared data models/stories260K.gguf not present";
    }
    model_ = Model::load(path_);
    backend_ = make_cpu_backend(*model_, pool_);
  }
  std::string path_;
  ThreadPool pool_{2};
  std::unique_ptr<Model> model_;
  std::unique_ptr<Backend> backend_;
};

// Greedy decoding of `prompt` alone in a context with its own cache.
std::vector<int32_t> greedy_alone(const Model& m, const std::vector<int32_t>& prompt, int n) {
  ThreadPool pool(1);
  Context ctx(m, static_cast<int>(prompt.size()) + n, pool);
  std::vector<int32_t> out;
  const float* l = ctx.eval(prompt);
  const int nv = m.config().n_vocab;
  for (int i = 0; i < n; ++i) {
    out.push_back(static_cast<int32_t>(std::max_element(l, l + nv) - l));
    if (i + 1 < n) l = ctx.eval({out.back()});
  }
  return out;
}

TEST_F(StoriesModel, BlockAllocatorKeepsItsInvariantsUnderRandomUse) {
  BlockAllocator a(*backend_, 12, 4);
  std::mt19937 rng(7);
  std::map<int32_t, int> held;  // our own count of each block's holders
  for (int iter = 0; iter < 2000; ++iter) {
    int op = static_cast<int>(rng() % 4);
    if (op == 0 && a.n_free() > 0) {
      int32_t b = a.allocate();
      EXPECT_EQ(held[b], 0) << "a held block was handed out";
      held[b] = 1;
    } else if (!held.empty()) {
      auto it = held.begin();
      std::advance(it, static_cast<long>(rng() % held.size()));
      int32_t b = it->first;
      if (op == 1) {
        a.retain(b);
        ++it->second;
      } else if (op == 2) {
        a.release(b);
        if (--it->second == 0) held.erase(it);
      } else if (a.n_free() > 0 || it->second == 1) {
        int32_t w = a.make_writable(b);
        if (it->second == 1) {
          EXPECT_EQ(w, b);
        } else {
          EXPECT_NE(w, b);
          --it->second;
          held[w] = 1;
        }
      }
    }
    ASSERT_TRUE(a.consistent()) << "iteration " << iter;
    int used = 0;
    for (auto& [b, n] : held) {
      ASSERT_EQ(a.ref_count(b), n);
      ++used;
    }
    ASSERT_EQ(a.n_free(), 12 - used);
  }
  while (a.n_free() > 0) a.allocate();
  EXPECT_THROW(a.allocate(), InputError);
  EXPECT_THROW(BlockAllocator(*backend_, 0, 4), InputError);
}

TEST_F(StoriesModel, ReleasingAFreeBlockIsABug) {
  BlockAllocator a(*backend_, 2, 4);
  int32_t b = a.allocate();
  a.release(b);
  EXPECT_THROW(a.release(b), std::logic_error);
  EXPECT_THROW(a.retain(5), std::logic_error);
}

TEST_F(StoriesModel, PrefixCacheSharesFullBlocksOnlyAndChecksTokens) {
  BlockAllocator a(*backend_, 16, 4);
  PrefixCache cache(a);
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};  // two full blocks + 2
  std::vector<int32_t> blocks = {a.allocate(), a.allocate(), a.allocate()};
  cache.insert(tokens, blocks);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(a.ref_count(blocks[0]), 2);
  EXPECT_EQ(a.ref_count(blocks[2]), 1);  // the partial block is not cached

  PrefixCache::Match m = cache.match({1, 2, 3, 4, 5, 6, 7, 8, 99}, 9);
  EXPECT_EQ(m.n_tokens, 8u);
  EXPECT_EQ(m.blocks, std::vector<int32_t>(blocks.begin(), blocks.begin() + 2));
  EXPECT_EQ(a.ref_count(blocks[0]), 3);
  // The limit (tokens that must still be evaluated) and a differing block stop the match.
  EXPECT_EQ(cache.match({1, 2, 3, 4, 5, 6, 7, 8}, 7).n_tokens, 4u);
  EXPECT_EQ(cache.match({1, 2, 3, 5, 5, 6, 7, 8}, 8).n_tokens, 0u);
  // Same second block after a different first one: a different key, no match.
  EXPECT_EQ(cache.match({9, 9, 9, 9, 5, 6, 7, 8}, 8).n_tokens, 0u);
  for (int32_t b : {blocks[0], blocks[1], blocks[0]}) a.release(b);  // the two matches
  for (int32_t b : blocks) a.release(b);                             // the sequence ends
  EXPECT_EQ(cache.n_evictable(), 2);
  EXPECT_EQ(a.n_free(), 14);
  EXPECT_EQ(cache.evict(1), 1);  // least recently used first
  EXPECT_EQ(a.n_free(), 15);
  EXPECT_TRUE(a.consistent());
}

TEST(Scheduler, AdmitsInArrivalOrderBoundedByBatchAndBlocks) {
  Scheduler s(10, 4, 2);
  s.add(0, 8, 12);  // 2 blocks
  s.add(1, 4, 8);   // 1 block
  s.add(2, 4, 8);
  Scheduler::Step st = s.next();
  EXPECT_EQ(st.admitted, (std::vector<int>{0, 1}));  // batch of 2
  EXPECT_TRUE(st.decode.empty());
  EXPECT_EQ(s.free_blocks(), 7);
  st = s.next();
  EXPECT_EQ(st.decode, (std::vector<int>{0, 1}));  // both start a new block
  EXPECT_EQ(s.free_blocks(), 5);
  EXPECT_TRUE(st.admitted.empty());
  s.finish(1);
  st = s.next();
  EXPECT_EQ(st.decode, (std::vector<int>{0}));
  EXPECT_EQ(st.admitted, (std::vector<int>{2}));  // a finished slot is refilled at once
  EXPECT_THROW(s.add(2, 1, 1), InputError);       // id in use
  EXPECT_THROW(s.add(9, 4, 44), InputError);      // could never fit
}

TEST(Scheduler, HeadOfQueueIsNotOvertakenAndNeedsHeadroom) {
  Scheduler s(6, 4, 8);
  s.add(0, 12, 16);  // 3 blocks
  s.add(1, 12, 16);  // 3 blocks: would fit exactly, but running 0 needs a block of headroom
  s.add(2, 1, 2);    // small, but must not overtake 1
  Scheduler::Step st = s.next();
  EXPECT_EQ(st.admitted, (std::vector<int>{0}));
  EXPECT_EQ(s.n_waiting(), 2);
}

TEST(Scheduler, PreemptsTheNewestAndRequeuesItFirst) {
  Scheduler s(4, 2, 4);
  s.add(0, 2, 8);
  s.add(1, 2, 8);
  EXPECT_EQ(s.next().admitted, (std::vector<int>{0, 1}));  // 2 of 4 blocks, headroom 1 each
  Scheduler::Step st = s.next();                           // both grow into a new block: 0 free
  EXPECT_EQ(st.decode, (std::vector<int>{0, 1}));
  EXPECT_EQ(s.free_blocks(), 0);
  s.next();       // positions 3 -> 4: no new block
  st = s.next();  // 0 needs a block: 1 (newest) is preempted
  EXPECT_EQ(st.preempted, (std::vector<int>{1}));
  EXPECT_EQ(st.decode, (std::vector<int>{0}));
  EXPECT_EQ(s.tokens(1), 5);  // 4 held + its pending token, all recomputed
  EXPECT_EQ(s.tokens(0), 5);
  s.finish(0);
  st = s.next();
  EXPECT_EQ(st.admitted, (std::vector<int>{1}));
  EXPECT_TRUE(s.free_blocks() >= 0);
}

// A job (a loglikelihood question) holds its blocks from admission and never grows; it is
// admitted under the same rule as a sequence, and preempted like one when it is the newest.
TEST(Scheduler, JobsHoldFixedBlocksAndArePreemptedLikeSequences) {
  Scheduler s(8, 4, 4);
  s.add(0, 4, 32);  // one block now
  s.add_job(1, 6);
  EXPECT_THROW(s.add_job(2, 9), InputError);  // more than the pool
  Scheduler::Step st = s.next();
  EXPECT_EQ(st.admitted, (std::vector<int>{0, 1}));
  EXPECT_EQ(s.free_blocks(), 1);
  EXPECT_EQ(s.tokens(1), 0);
  st = s.next();  // sequence 0 takes its second block; the job runs on
  EXPECT_EQ(st.decode, (std::vector<int>{0}));
  EXPECT_EQ(st.jobs, (std::vector<int>{1}));
  EXPECT_EQ(s.free_blocks(), 0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(s.next().preempted.empty());  // 6, 7, 8 tokens
  st = s.next();  // token 9 needs a block: the job, newest, gives way
  EXPECT_EQ(st.preempted, (std::vector<int>{1}));
  EXPECT_EQ(st.decode, (std::vector<int>{0}));
  EXPECT_TRUE(st.admitted.empty());  // 6 blocks + 1 of headroom > 5 free
  EXPECT_EQ(s.free_blocks(), 5);
  s.finish(0);
  st = s.next();
  EXPECT_EQ(st.admitted, (std::vector<int>{1}));
  EXPECT_EQ(s.free_blocks(), 2);
  s.finish(1);
  EXPECT_TRUE(s.idle());
  EXPECT_EQ(s.free_blocks(), 8);
}

TEST(Scheduler, EverySequenceFinishesUnderPressure) {
  // Random lengths through a small pool: everything finishes, blocks all come back, and
  // admission never leaves the arrival order.
  std::mt19937 rng(3);
  Scheduler s(12, 4, 5);
  std::map<int, int> left;  // id -> tokens still to generate
  for (int id = 0; id < 30; ++id) {
    int prompt = 1 + static_cast<int>(rng() % 12), gen = 1 + static_cast<int>(rng() % 20);
    s.add(id, prompt, prompt + gen);
    left[id] = gen;
  }
  int next_new = 0, steps = 0;
  std::vector<bool> seen(30, false);
  while (!s.idle()) {
    ASSERT_LT(++steps, 5000);
    Scheduler::Step st = s.next();
    ASSERT_GE(s.free_blocks(), 0);
    for (int id : st.preempted) ++left[id];  // the token of that step is not generated
    for (int id : st.admitted) {
      if (!seen[static_cast<size_t>(id)]) {
        EXPECT_EQ(id, next_new++) << "first admissions follow arrival order";
        seen[static_cast<size_t>(id)] = true;
      }
    }
    for (int id : st.decode) {
      if (--left[id] == 0) s.finish(id);
    }
    for (int id : st.admitted) {
      if (--left[id] == 0) s.finish(id);  // the prefill yields a token too
    }
  }
  EXPECT_EQ(next_new, 30);
  EXPECT_EQ(s.free_blocks(), 12);
}

TEST_F(StoriesModel, PagedContextEqualsOwnCache) {
  BlockAllocator a(*backend_, 64, 4);
  Context paged(*model_, 40, *backend_, a);
  Context own(*model_, 40, pool_);
  std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 429, 285, 440, 401};
  const int nv = model_->config().n_vocab;
  const float* l1 = paged.eval(prompt);
  std::vector<float> a1(l1, l1 + nv);
  const float* l2 = own.eval(prompt);
  for (int i = 0; i < nv; ++i) ASSERT_EQ(a1[static_cast<size_t>(i)], l2[i]);
  EXPECT_EQ(paged.blocks().size(), 3u);
  paged.truncate(4);
  EXPECT_EQ(paged.blocks().size(), 1u);
  EXPECT_EQ(a.n_free(), 63);
}

TEST_F(StoriesModel, BatchedDecodingEqualsOneAtATime) {
  const std::vector<std::vector<int32_t>> prompts = {
      {1, 403, 407, 261},      {1, 378}, {1, 429, 285, 440, 401, 300, 17}, {1, 7, 7}, {1, 318},
      {1, 403, 407, 261, 378}, {1, 42}};
  BatchDecodeOptions o;
  o.max_batch = 3;  // sequences wait for slots: continuous batching
  o.block_size = 4;
  o.share_prefixes = false;
  BatchDecodeStats st;
  auto got = decode_greedy_batched(*model_, *backend_, prompts, 20, o, &st);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(got[i], greedy_alone(*model_, prompts[i], 20)) << "prompt " << i;
  }
  EXPECT_LT(st.steps, 7 * 20);  // sequences really ran together
  // A pool so small that sequences are preempted and recomputed: same answers.
  o.n_blocks = 9;
  auto tight = decode_greedy_batched(*model_, *backend_, prompts, 20, o, &st);
  EXPECT_GT(st.preemptions, 0);
  EXPECT_EQ(tight, got);
}

TEST_F(StoriesModel, PrefixSharedEqualsRecomputed) {
  // Few-shot style prompts with a long common prefix.
  std::vector<int32_t> common = {1, 403, 407, 261, 378, 429, 285, 440, 401, 300, 17, 260, 5};
  std::vector<std::vector<int32_t>> prompts;
  for (int32_t tail : {290, 111, 42, 319}) {
    prompts.push_back(common);
    prompts.back().push_back(tail);
  }
  BatchDecodeOptions o;
  o.max_batch = 1;  // one after another, so later prompts find the first one's blocks
  o.block_size = 4;
  BatchDecodeStats shared_stats, plain_stats;
  auto shared = decode_greedy_batched(*model_, *backend_, prompts, 12, o, &shared_stats);
  o.share_prefixes = false;
  auto plain = decode_greedy_batched(*model_, *backend_, prompts, 12, o, &plain_stats);
  EXPECT_EQ(shared, plain);
  EXPECT_EQ(shared_stats.shared_tokens, 3 * 12);  // three full blocks of the prefix, 3 times
  EXPECT_EQ(plain_stats.shared_tokens, 0);
  EXPECT_EQ(shared_stats.evaluated_tokens + shared_stats.shared_tokens,
            plain_stats.evaluated_tokens);
}

TEST_F(StoriesModel, SharedPartialBlockIsCopiedOnWrite) {
  // The choices of one question: a context, then each continuation in a context sharing it,
  // including the partial last block; every answer equals evaluating context + choice alone.
  BlockAllocator a(*backend_, 32, 4);
  Context question(*model_, 32, *backend_, a);
  std::vector<int32_t> ctx_tokens = {1, 403, 407, 261, 378, 429};  // 1 full block + 2
  question.eval(ctx_tokens);
  const int nv = model_->config().n_vocab;
  for (int32_t choice : {300, 17, 260}) {
    Context c(*model_, 32, *backend_, a);
    share_prefix(a, question, 6, c);
    EXPECT_EQ(a.ref_count(question.blocks()[1]), 2);
    const int64_t copies = a.copies();
    const float* l = c.eval({choice, 5});
    EXPECT_EQ(a.copies(), copies + 1);  // the partial block, not the full one
    EXPECT_EQ(c.blocks()[0], question.blocks()[0]);
    EXPECT_NE(c.blocks()[1], question.blocks()[1]);
    std::vector<float> got(l, l + nv);
    Context fresh(*model_, 32, pool_);  // the same passes, recomputed
    fresh.eval(ctx_tokens);
    const float* want = fresh.eval({choice, 5});
    for (int i = 0; i < nv; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], want[i]) << choice;
  }
  // The question's own cache was not disturbed by the continuations.
  const float* l = question.eval({300, 5});
  std::vector<float> got(l, l + nv);
  Context fresh(*model_, 32, pool_);
  fresh.eval(ctx_tokens);
  const float* want = fresh.eval({300, 5});
  for (int i = 0; i < nv; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], want[i]);
  EXPECT_THROW(share_prefix(a, question, 99, question), InputError);
}

}  // namespace
}  // namespace ys::engine

namespace ys::engine {
namespace {

TEST_F(StoriesModel, DeviceChoiceFallsBackOnlyForAuto) {
  EXPECT_THROW(parse_device("gpu"), InputError);
  EXPECT_EQ(parse_device("auto"), Device::kAuto);
  std::string note = "stale";
  EXPECT_EQ(make_backend(Device::kCpu, *model_, pool_, &note)->name(), "cpu");
  EXPECT_EQ(note, "");
  std::string why;
  if (cuda_available(&why)) {
    EXPECT_EQ(make_backend(Device::kAuto, *model_, pool_, &note)->name(), "cuda");
    EXPECT_EQ(note, "");
  } else {
    EXPECT_EQ(make_backend(Device::kAuto, *model_, pool_, &note)->name(), "cpu");
    EXPECT_EQ(note, "--device auto: " + why + "; running on the CPU");
    EXPECT_EQ(note.find('\n'), std::string::npos);
    try {
      make_backend(Device::kCuda, *model_, pool_, &note);
      ADD_FAILURE() << "--device cuda without a GPU must fail";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--device cuda: "), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ys::engine
