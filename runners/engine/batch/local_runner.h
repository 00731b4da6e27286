// The `local` runner: answers Requests with a GGUF model evaluated in-process, up to
// `batch` requests in one forward pass (continuous batching over a paged KV cache: queued
// requests are admitted as others finish, batch/scheduler.h; sequences sharing a prompt
// prefix share its KV blocks, batch/kv_blocks.h). The same on every Backend.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "runners/engine/batch/kv_blocks.h"
#include "runners/engine/batch/sampler.h"
#include "runners/engine/batch/scheduler.h"
#include "runners/engine/format/chat_template.h"
#include "runners/engine/format/tokenizer.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "runners/runner.h"

namespace ys::engine {

// Counts since the runner started.
struct LocalRunnerStats {
  int64_t prompt_tokens = 0;  // prompt tokens of all requests
  int64_t reused_tokens = 0;  // of those, taken from another sequence's KV blocks
  int64_t generated_tokens = 0;
  int64_t shared_blocks = 0;  // KV blocks taken from another sequence (reused_tokens' blocks)
  int64_t copied_blocks = 0;  // shared partial blocks copied before being written
  int64_t steps = 0;          // forward passes
  int64_t preemptions = 0;    // sequences dropped for lack of KV blocks and redone
  int max_running = 0;        // most sequences and questions in one pass
};

struct LocalRunnerOptions {
  std::string path;  // the .gguf file
  int threads = 1;
  int n_ctx = 0;  // positions per sequence; 0: the model's training context, at most 2048
  // Requests (sequences, or loglikelihood questions) evaluated together; the KV pool holds
  // batch x n_ctx positions in blocks of 16, plus one block per request for copy-on-write.
  int batch = 4;
  // Take prompt prefixes from the KV blocks of other sequences (running, or among the last
  // `batch` finished); false: every prompt is evaluated whole (for tests and benchmarks).
  bool share_prefixes = true;
  uint64_t seed = 0;
  // "cpu", "cuda" or "auto" (runners/engine/device.h): auto without a GPU prints one note
  // line on stderr and uses the CPU; cuda without one is an InputError.
  std::string device = "cpu";
};

class LocalRunner : public Runner {
 public:
  // Loads the model and its tokenizer. Throws InputError for an unreadable or invalid file,
  // an unsupported architecture or tokenizer, a chat template that is present but not
  // recognised, or threads, n_ctx or batch out of range.
  explicit LocalRunner(const LocalRunnerOptions& options);
  // Drops queued requests and those being decoded: their callbacks are never called.
  ~LocalRunner() override;

  // The prompt is the chat template applied to the messages or, for a model without a
  // template, their contents joined by blank lines after BOS. Requests are admitted in
  // arrival order as KV blocks and batch places allow (preempted and redone when blocks run
  // out). A prompt's longest prefix cached by another sequence (running, or among the last
  // `batch` finished; at most all but its last token) is shared, not evaluated again
  // (few-shot prompts): its blocks are shared, a partial last block copied before it is
  // written. Generation stops at an end-of-generation token or a stop
  // string (finish reason "stop"; the stop string is cut off) or after max_tokens or when
  // the context is full ("length"). A prompt that does not fit is a kInvalid error.
  // Answers do not depend on batching or threads. Special-token texts in the messages stay
  // plain text; only the template's markup makes special tokens. The answer's text is
  // valid UTF-8: bytes of a character cut by the end of generation, or of invalid
  // sequences, become U+FFFD.
  void submit(Request request, Callback done) override;

  // A loglikelihood request is a question scheduled as one job: its context is evaluated
  // once (sharing a cached prefix as above), then its continuations together in the next
  // pass, each sharing the context's blocks (one-token continuations need no pass: the
  // context's last row scores them). Context and
  // continuation are tokenized as lm-evaluation-harness does: trailing spaces of the
  // context move to the continuation, and the continuation's tokens are those of
  // context + continuation after the context's own tokens. The context gets BOS; both are plain
  // text (special-token texts in them are not parsed). A context and continuation that do not fit
  // in the context window are a kInvalid error.

  // Everything of this runner that can change an answer: "local:FILE_NAME#HASH;ctx=N",
  // HASH being the XXH3 of the whole file (a changed file is a different model), N the
  // context size in use (a full context ends an answer), then ";seed=S" when the runner's
  // seed S (used by requests without a seed) is not 0, then ";device=cuda" on a GPU (whose
  // answers may differ by float rounding). Threads, batch and prefix sharing are left out:
  // answers are bit-identical whatever their values (on the CPU).
  std::string identity() const override;
  nlohmann::json config() const override;
  // One line of the stats: "N passes of up to B requests; R of P prompt tokens (K KV blocks)
  // shared from other sequences, C blocks copied on write, E preempted" (printed after a run).
  std::string flow_summary() const override;

  // submit() and wait: the answer to `request`.
  Completion answer(const Request& request);

  // The counts so far. Thread-safe.
  LocalRunnerStats stats() const;

  // The token ids `request`'s prompt is evaluated as: for a generation request with a chat
  // template, the template's markup (special tokens parsed) around the plain-text message
  // contents; otherwise BOS and the contents joined by blank lines, all plain text.
  // Throws InputError for a message role the template does not know, and for a message
  // holding an image (images_unsupported: the engine reads text only; the request is
  // answered kInvalid with that message). Thread-safe.
  std::vector<int32_t> prompt_tokens(const Request& request) const;
  const Tokenizer& tokenizer() const { return *tokenizer_; }

 private:
  struct Seq;
  struct Pass;

  void loop();
  // Plans and runs one forward pass of the scheduler's next step.
  void run_step();
  // Queues a request for the scheduler, or answers it at once (errors, max_tokens <= 0).
  void accept(Request request, Callback done);
  // The context for a sequence's next `tokens`, sharing the longest cached prefix of them
  // (all but the last token at most) with another sequence.
  std::unique_ptr<Context> context_sharing(const std::vector<int32_t>& tokens);
  // Puts `seq`'s work of this step in `pass`: a prefill, a decoding token, a question's
  // context or a group of its continuations.
  void plan(Seq& seq, bool admitted, Pass& pass);
  // Handles the logits of `seq`'s part of the last pass, from entry `at` on.
  void collect(Seq& seq, size_t at);
  // Samples from `logits`; finishes the request or leaves the token to evaluate next.
  void step(Seq& seq, const float* logits);
  void finish(Seq& seq);
  void answer_now(Callback& done, Completion c);
  // Frees retained contexts, oldest first, until `blocks` are free.
  void make_room(int blocks);

  LocalRunnerOptions options_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatTemplate> template_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<BlockAllocator> blocks_;
  std::unique_ptr<Scheduler> scheduler_;
  int block_size_ = 16;
  std::string identity_;
  // The runner thread's own: sequences by scheduler id, and finished sequences' contexts
  // kept for prefix sharing (newest last, at most `batch`).
  std::map<int, std::unique_ptr<Seq>> seqs_;
  std::deque<std::unique_ptr<Context>> retained_;
  int next_id_ = 0;
  std::vector<const float*> last_logits_;  // of the last pass, per entry

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  LocalRunnerStats stats_;  // guarded by mutex_
  std::deque<std::pair<Request, Callback>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ys::engine
