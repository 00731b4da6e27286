// The `local` runner: answers Requests with a GGUF model evaluated in-process on the CPU,
// decoding up to `batch` requests together (continuous batching: a finished sequence's
// slot takes the next queued request at once).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "runners/engine/batch/sampler.h"
#include "runners/engine/format/chat_template.h"
#include "runners/engine/format/tokenizer.h"
#include "runners/engine/graph/context.h"
#include "runners/engine/graph/model.h"
#include "runners/runner.h"

namespace ys::engine {

// Token counts since the runner started.
struct LocalRunnerStats {
  int64_t prompt_tokens = 0;  // prompt tokens of all requests
  int64_t reused_tokens = 0;  // of those, taken from a slot's KV cache, not evaluated
  int64_t generated_tokens = 0;
};

struct LocalRunnerOptions {
  std::string path;  // the .gguf file
  int threads = 1;
  int n_ctx = 0;  // positions per sequence; 0: the model's training context, at most 2048
  int batch = 4;  // sequences decoded together, each with its own KV cache of n_ctx
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
  // template, their contents joined by blank lines after BOS. A request goes to the free
  // slot whose KV cache shares the longest prefix with its prompt, which is not evaluated
  // again (few-shot prompts). Generation stops at an end-of-generation token or a stop
  // string (finish reason "stop"; the stop string is cut off) or after max_tokens or when
  // the context is full ("length"). A prompt that does not fit is a kInvalid error.
  // Answers do not depend on batching or threads. Special-token texts in the messages stay
  // plain text; only the template's markup makes special tokens. The answer's text is
  // valid UTF-8: bytes of a character cut by the end of generation, or of invalid
  // sequences, become U+FFFD.
  void submit(Request request, Callback done) override;

  // A loglikelihood request is answered in the free slot sharing the longest prefix with
  // its context (the context is evaluated once for all its continuations). Context and
  // continuation are tokenized as lm-evaluation-harness does: trailing spaces of the
  // context move to the continuation, and the continuation's tokens are those of
  // context + continuation after the context's own tokens. The context gets BOS; both are plain
  // text (special-token texts in them are not parsed). A context and continuation that do not fit
  // in the context window are a kInvalid error.

  // Everything of this runner that can change an answer: "local:FILE_NAME#HASH;ctx=N",
  // HASH being the XXH3 of the whole file (a changed file is a different model), N the
  // context size in use (a full context ends an answer), then ";seed=S" when the runner's
  // seed S (used by requests without a seed) is not 0, then ";device=cuda" on a GPU (whose
  // answers may differ by float rounding). Threads and batch are left out: answers are
  // bit-identical whatever their values.
  std::string identity() const override;
  nlohmann::json config() const override;

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
  // One sequence slot: its KV cache and the request it is answering, if any.
  struct Slot {
    std::unique_ptr<Context> ctx;
    bool active = false;
    Request request;
    Callback done;
    std::optional<Sampler> sampler;
    std::vector<int32_t> history;  // prompt and generated tokens, for the sampler
    int32_t next = -1;             // token to evaluate in the next step
    Completion completion;
    double t0 = 0;
  };

  void loop();
  void start(Slot& slot, std::vector<int32_t> prompt);
  // One forward pass over `slots` (their contexts and new tokens), then a step for each.
  void run_batch(const std::vector<Context*>& contexts,
                 const std::vector<std::vector<int32_t>>& tokens, const std::vector<Slot*>& slots);
  // Samples from `logits` for `slot`; finishes the request (calling back) or sets slot.next.
  void step(Slot& slot, const float* logits);
  void finish(Slot& slot);
  // Answers a loglikelihood request with `slot`'s KV cache (the slot stays free).
  Completion score_continuations(Slot& slot, const Request& request);

  LocalRunnerOptions options_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatTemplate> template_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Backend> backend_;  // shared by the slots' contexts
  std::vector<Slot> slots_;
  std::string identity_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  LocalRunnerStats stats_;  // guarded by mutex_
  std::deque<std::pair<Request, Callback>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ys::engine
