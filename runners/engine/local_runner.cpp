#include "runners/engine/local_runner.h"

#include <chrono>
#include <filesystem>
#include <string_view>

#include "runners/engine/generate.h"
#include "util/error.h"
#include "util/hash.h"

namespace ys::engine {
namespace {

// The earliest occurrence of any of `stops` in `text`, or npos.
size_t find_stop(const std::string& text, const std::vector<std::string>& stops) {
  size_t best = std::string::npos;
  for (const std::string& s : stops) {
    if (s.empty()) continue;
    size_t at = text.find(s);
    if (at < best) best = at;
  }
  return best;
}

}  // namespace

LocalRunner::LocalRunner(const LocalRunnerOptions& options) : options_(options) {
  if (options.threads < 0 || options.n_ctx < 0) {
    throw InputError("local runner: threads and context size must not be negative");
  }
  model_ = Model::load(options.path);
  tokenizer_ = std::make_unique<Tokenizer>(model_->file());
  if (tokenizer_->n_tokens() != model_->config().n_vocab) {
    throw InputError(options.path + ": the tokenizer has " +
                     std::to_string(tokenizer_->n_tokens()) + " tokens, the embedding " +
                     std::to_string(model_->config().n_vocab));
  }
  std::string jinja = model_->file().get_string("tokenizer.chat_template", "");
  if (!jinja.empty()) template_ = detect_chat_template(jinja);
  int n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(model_->config().n_ctx_train, 4096);
  options_.n_ctx = n_ctx;
  options_.threads = std::max(1, options.threads);
  pool_ = std::make_unique<ThreadPool>(options_.threads);
  ctx_ = std::make_unique<Context>(*model_, n_ctx, *pool_);
  identity_ = "local:" + std::filesystem::path(options.path).filename().string() + "#" +
              hash_hex(model_->file().bytes()).substr(0, 16);
  thread_ = std::thread([this] { loop(); });
}

LocalRunner::~LocalRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void LocalRunner::submit(Request request, Callback done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(std::move(request), std::move(done));
  }
  wake_.notify_one();
}

void LocalRunner::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [request, done] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Completion c = answer(request);
    done(std::move(c));
    lock.lock();
  }
}

std::string LocalRunner::identity() const {
  return identity_;
}

nlohmann::json LocalRunner::config() const {
  const ModelConfig& c = model_->config();
  return {{"provider", "local"},
          {"model", identity_},
          {"path", options_.path},
          {"arch", c.arch},
          {"threads", options_.threads},
          {"n_ctx", options_.n_ctx},
          {"chat_template", template_ ? chat_template_name(*template_) : "none"}};
}

std::vector<int32_t> LocalRunner::prompt_tokens(const Request& request) const {
  if (template_) {
    std::string bos = tokenizer_->bos() >= 0 ? tokenizer_->token_text(tokenizer_->bos()) : "";
    std::string eos = tokenizer_->eos() >= 0 ? tokenizer_->token_text(tokenizer_->eos()) : "";
    return tokenizer_->encode(apply_chat_template(*template_, request.messages, bos, eos), false,
                              true);
  }
  std::string text;
  for (const Message& m : request.messages) text += (text.empty() ? "" : "\n\n") + m.content;
  std::vector<int32_t> ids = tokenizer_->encode(text, true, false);
  if (ids.empty() && tokenizer_->bos() >= 0) ids.push_back(tokenizer_->bos());
  return ids;
}

Completion LocalRunner::answer(const Request& request) {
  auto t0 = std::chrono::steady_clock::now();
  Completion c;
  try {
    std::vector<int32_t> prompt = prompt_tokens(request);
    c.usage.prompt_tokens = static_cast<int64_t>(prompt.size());
    if (prompt.empty()) throw InputError("empty prompt and no BOS token");
    SamplingParams sp;
    sp.temperature = static_cast<float>(request.sampling.temperature);
    if (request.sampling.top_p) sp.top_p = static_cast<float>(*request.sampling.top_p);
    if (request.sampling.top_k) sp.top_k = *request.sampling.top_k;
    // Repeats of one prompt are distinct samples: the repeat index enters the seed.
    sp.seed = request.sampling.seed ? *request.sampling.seed
                                    : hash64(std::to_string(request.repeat), options_.seed);
    Sampler sampler(sp);

    c.finish_reason = "length";
    auto stop = [&](int32_t id) {
      if (tokenizer_->is_end_of_generation(id)) {
        c.finish_reason = "stop";
        return true;
      }
      c.text += tokenizer_->piece(id);
      if (size_t at = find_stop(c.text, request.sampling.stop); at != std::string::npos) {
        c.text.resize(at);
        c.finish_reason = "stop";
        return true;
      }
      return false;
    };
    std::vector<int32_t> out = generate(*ctx_, sampler, prompt, request.sampling.max_tokens, stop);
    c.usage.completion_tokens = static_cast<int64_t>(out.size());
  } catch (const std::exception& e) {
    c.error = ErrorKind::kInvalid;
    c.error_message = e.what();
  }
  c.latency_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return c;
}

}  // namespace ys::engine
