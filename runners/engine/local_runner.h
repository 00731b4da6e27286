// The `local` runner: answers Requests with a GGUF model evaluated in-process on the CPU.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "runners/engine/chat_template.h"
#include "runners/engine/context.h"
#include "runners/engine/model.h"
#include "runners/engine/tokenizer.h"
#include "runners/runner.h"

namespace ys::engine {

struct LocalRunnerOptions {
  std::string path;  // the .gguf file
  int threads = 1;
  int n_ctx = 0;  // 0: the model's training context, at most 4096
  uint64_t seed = 0;
};

class LocalRunner : public Runner {
 public:
  // Loads the model and its tokenizer. Throws InputError for an unreadable or invalid file,
  // an unsupported architecture or tokenizer, a chat template that is present but not
  // recognised, or threads/n_ctx < 0.
  explicit LocalRunner(const LocalRunnerOptions& options);
  // Finishes the request being computed (its callback runs) and drops queued ones.
  ~LocalRunner() override;

  // Requests are answered one at a time, in order, on the runner's thread. The prompt is
  // the chat template applied to the messages or, for a model without a template, their
  // contents joined by blank lines after BOS. Consecutive prompts sharing a prefix reuse its
  // KV cache. Generation stops at an end-of-generation token or a stop string (finish
  // reason "stop"; the stop string is cut off) or after max_tokens ("length").
  void submit(Request request, Callback done) override;

  // "local:FILE_NAME#HASH", HASH being the XXH3 of the whole file: a changed file is a
  // different model. Threads and context size are left out: they do not change answers.
  std::string identity() const override;
  nlohmann::json config() const override;

  // The answer to `request`, computed on the calling thread. Not thread-safe; submit() is
  // the thread-safe way in.
  Completion answer(const Request& request);

 private:
  void loop();
  std::vector<int32_t> prompt_tokens(const Request& request) const;

  LocalRunnerOptions options_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatTemplate> template_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Context> ctx_;
  std::string identity_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<Request, Callback>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ys::engine
