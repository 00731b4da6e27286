#include "runners/engine/batch/local_runner.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>

#include "runners/engine/batch/generate.h"
#include "runners/engine/device.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/utf8.h"

namespace ys::engine {
namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

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

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

LocalRunner::LocalRunner(const LocalRunnerOptions& options) : options_(options) {
  if (options.threads < 0 || options.n_ctx < 0 || options.batch < 1 || options.batch > 256) {
    throw InputError(
        "local runner: threads and context size must not be negative, batch must "
        "be 1 to 256");
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
  options_.n_ctx = options.n_ctx > 0 ? options.n_ctx : std::min(model_->config().n_ctx_train, 2048);
  options_.threads = std::max(1, options.threads);
  pool_ = std::make_unique<ThreadPool>(options_.threads);
  slots_.resize(static_cast<size_t>(options.batch));
  std::string note;
  backend_ = make_backend(parse_device(options_.device), *model_, *pool_, &note);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  for (Slot& s : slots_) s.ctx = std::make_unique<Context>(*model_, options_.n_ctx, *backend_);
  identity_ = "local:" + std::filesystem::path(options.path).filename().string() + "#" +
              hash_hex(model_->file().bytes()).substr(0, 16) +
              ";ctx=" + std::to_string(options_.n_ctx);
  // The runner's seed only matters to requests without one; 0 is left out so that the
  // default keeps a short name.
  if (options_.seed != 0) identity_ += ";seed=" + std::to_string(options_.seed);
  // GPU answers may differ from the CPU's by float rounding: kept apart in caches.
  if (backend_->name() != "cpu") identity_ += ";device=" + backend_->name();
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

Completion LocalRunner::answer(const Request& request) {
  std::promise<Completion> p;
  submit(request, [&p](Completion c) { p.set_value(std::move(c)); });
  return p.get_future().get();
}

std::string LocalRunner::identity() const {
  return identity_;
}

LocalRunnerStats LocalRunner::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

nlohmann::json LocalRunner::config() const {
  return {{"provider", "local"},
          {"model", identity_},
          {"path", options_.path},
          {"arch", model_->config().arch},
          {"threads", options_.threads},
          {"device", backend_->name()},
          {"n_ctx", options_.n_ctx},
          {"batch", options_.batch},
          {"chat_template", template_ ? chat_template_name(*template_) : "none"}};
}

std::vector<int32_t> LocalRunner::prompt_tokens(const Request& request) const {
  if (std::string why = images_unsupported(request, identity_); !why.empty()) {
    throw InputError(why);
  }
  if (template_ && request.kind == RequestKind::kGenerate) {
    std::string bos = tokenizer_->bos() >= 0 ? tokenizer_->token_text(tokenizer_->bos()) : "";
    std::string eos = tokenizer_->eos() >= 0 ? tokenizer_->token_text(tokenizer_->eos()) : "";
    return tokenizer_->encode(render_chat_template(*template_, request.messages, bos, eos), false);
  }
  std::string text;
  for (const Message& m : request.messages) text += (text.empty() ? "" : "\n\n") + text_of(m);
  std::vector<int32_t> ids = tokenizer_->encode(text, true, false);
  if (ids.empty() && tokenizer_->bos() >= 0) ids.push_back(tokenizer_->bos());
  return ids;
}

Completion LocalRunner::score_continuations(Slot& slot, const Request& request) {
  const double t0 = now_s();
  Completion c;
  c.finish_reason = "stop";
  if (request.continuations.empty()) {
    c.error = ErrorKind::kInvalid;
    c.error_message = "loglikelihood: the request has no continuations";
    return c;
  }
  const std::string context = scored_text(request, 0).context;
  std::vector<int32_t> context_ids = tokenizer_->encode(context, true, false);
  if (context_ids.empty() && tokenizer_->bos() >= 0) context_ids.push_back(tokenizer_->bos());
  if (context_ids.empty()) {
    c.error = ErrorKind::kInvalid;
    c.error_message = "loglikelihood: the context is empty and the model has no BOS token";
    return c;
  }
  std::vector<std::vector<int32_t>> continuations;
  int64_t evaluated = static_cast<int64_t>(context_ids.size());
  for (size_t i = 0; i < request.continuations.size(); ++i) {
    std::vector<int32_t> whole =
        tokenizer_->encode(context + scored_text(request, i).continuation, true, false);
    auto& continuation = continuations.emplace_back();
    if (whole.size() > context_ids.size()) {
      continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(context_ids.size()),
                          whole.end());
    }
    if (continuation.empty()) {
      c.error = ErrorKind::kInvalid;
      c.error_message = "loglikelihood: continuation " + std::to_string(i) + " has no tokens";
      return c;
    }
    evaluated += static_cast<int64_t>(continuation.size());
  }
  const int64_t reused =
      std::min<int64_t>(static_cast<int64_t>(common_prefix(slot.ctx->tokens(), context_ids)),
                        static_cast<int64_t>(context_ids.size()) - 1);
  try {
    std::vector<Loglikelihood> scores = loglikelihoods(*slot.ctx, context_ids, continuations);
    for (size_t i = 0; i < scores.size(); ++i) {
      c.continuations.push_back(
          {scores[i].logprob, scores[i].greedy, static_cast<int64_t>(continuations[i].size())});
    }
  } catch (const InputError& e) {
    c.error = ErrorKind::kInvalid;
    c.error_message = e.what();
    return c;
  }
  c.usage.prompt_tokens = evaluated;
  c.latency_s = now_s() - t0;
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.prompt_tokens += evaluated;
  stats_.reused_tokens += reused;
  return c;
}

void LocalRunner::loop() {
  std::vector<std::pair<Request, Callback>> admitted;
  std::vector<Context*> batch_ctx;
  std::vector<std::vector<int32_t>> batch_tokens;
  std::vector<Slot*> batch_slots;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    auto any_active = [&] {
      for (const Slot& s : slots_) {
        if (s.active) return true;
      }
      return false;
    };
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || any_active(); });
    if (stopping_) return;
    size_t free = 0;
    for (const Slot& s : slots_) free += s.active ? 0 : 1;
    admitted.clear();
    while (!queue_.empty() && admitted.size() < free) {
      admitted.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();

    // Admit: each request to the free slot sharing the longest prefix with its prompt.
    for (auto& [request, done] : admitted) {
      Slot* best = nullptr;
      std::vector<int32_t> prompt;
      size_t best_shared = 0;
      try {
        prompt = prompt_tokens(request);
      } catch (const std::exception& e) {
        Completion c;
        c.error = ErrorKind::kInvalid;
        c.error_message = e.what();
        done(std::move(c));
        continue;
      }
      for (Slot& s : slots_) {
        if (s.active) continue;
        size_t shared = common_prefix(s.ctx->tokens(), prompt);
        if (!best || shared > best_shared) {
          best = &s;
          best_shared = shared;
        }
      }
      if (request.kind == RequestKind::kLoglikelihood) {
        done(score_continuations(*best, request));
        continue;
      }
      best->request = std::move(request);
      best->done = std::move(done);
      start(*best, std::move(prompt));
    }

    // Prefill the new sequences together, then sample their first tokens.
    batch_ctx.clear();
    batch_tokens.clear();
    batch_slots.clear();
    for (Slot& s : slots_) {
      if (!s.active || s.next >= 0) continue;
      int kept = s.ctx->reuse_prefix(s.history);
      {
        std::lock_guard<std::mutex> stats_lock(mutex_);
        stats_.prompt_tokens += static_cast<int64_t>(s.history.size());
        stats_.reused_tokens += kept;
      }
      batch_ctx.push_back(s.ctx.get());
      batch_tokens.emplace_back(s.history.begin() + kept, s.history.end());
      batch_slots.push_back(&s);
    }
    run_batch(batch_ctx, batch_tokens, batch_slots);

    // One decoding step for every sequence still going (token lists reused, not reallocated).
    batch_ctx.clear();
    batch_slots.clear();
    for (Slot& s : slots_) {
      if (!s.active || s.next < 0) continue;
      if (batch_tokens.size() <= batch_ctx.size()) batch_tokens.emplace_back();
      batch_tokens[batch_ctx.size()].assign(1, s.next);
      batch_ctx.push_back(s.ctx.get());
      batch_slots.push_back(&s);
    }
    batch_tokens.resize(batch_ctx.size());
    run_batch(batch_ctx, batch_tokens, batch_slots);
    lock.lock();
  }
}

void LocalRunner::run_batch(const std::vector<Context*>& contexts,
                            const std::vector<std::vector<int32_t>>& tokens,
                            const std::vector<Slot*>& slots) {
  if (slots.empty()) return;
  try {
    const std::vector<const float*>& logits = Context::eval_batch(contexts, tokens);
    for (size_t i = 0; i < slots.size(); ++i) step(*slots[i], logits[i]);
  } catch (const std::exception& e) {
    // Not expected (start() checks what eval_batch would refuse); fail the batch's requests
    // rather than the runner's thread.
    for (Slot* s : slots) {
      if (!s->active) continue;
      s->completion.error = ErrorKind::kFatal;
      s->completion.error_message = e.what();
      s->ctx->truncate(0);
      finish(*s);
    }
  }
}

void LocalRunner::start(Slot& slot, std::vector<int32_t> prompt) {
  const Request& r = slot.request;
  slot.completion = Completion();
  slot.completion.usage.prompt_tokens = static_cast<int64_t>(prompt.size());
  slot.completion.finish_reason = "length";
  slot.t0 = now_s();
  slot.next = -1;
  slot.history = std::move(prompt);
  slot.active = true;
  if (slot.history.empty() || static_cast<int>(slot.history.size()) > slot.ctx->n_ctx()) {
    slot.completion.error = ErrorKind::kInvalid;
    slot.completion.error_message = "prompt of " + std::to_string(slot.history.size()) +
                                    " tokens does not fit the context of " +
                                    std::to_string(slot.ctx->n_ctx());
    finish(slot);
    return;
  }
  if (r.sampling.max_tokens <= 0) {
    finish(slot);
    return;
  }
  SamplingParams sp;
  sp.temperature = static_cast<float>(r.sampling.temperature);
  if (r.sampling.top_p) sp.top_p = static_cast<float>(*r.sampling.top_p);
  if (r.sampling.top_k) sp.top_k = *r.sampling.top_k;
  // Repeats of one prompt are distinct samples: the repeat index enters the seed.
  sp.seed = r.sampling.seed ? *r.sampling.seed : hash64(std::to_string(r.repeat), options_.seed);
  slot.sampler.emplace(sp);
}

void LocalRunner::step(Slot& slot, const float* logits) {
  Completion& c = slot.completion;
  int32_t id = slot.sampler->sample(logits, model_->config().n_vocab, slot.history);
  slot.history.push_back(id);
  ++c.usage.completion_tokens;
  if (tokenizer_->is_end_of_generation(id)) {
    c.finish_reason = "stop";
    finish(slot);
    return;
  }
  c.text += tokenizer_->piece(id);
  if (size_t at = find_stop(c.text, slot.request.sampling.stop); at != std::string::npos) {
    c.text.resize(at);
    c.finish_reason = "stop";
    finish(slot);
    return;
  }
  if (c.usage.completion_tokens >= slot.request.sampling.max_tokens ||
      slot.ctx->n_past() >= slot.ctx->n_ctx()) {
    finish(slot);
    return;
  }
  slot.next = id;
}

void LocalRunner::finish(Slot& slot) {
  // Pieces are raw bytes (a byte token may be half a character) so that stop strings match
  // across tokens; what leaves the runner is valid UTF-8.
  make_valid_utf8(slot.completion);
  slot.completion.latency_s = now_s() - slot.t0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.generated_tokens += slot.completion.usage.completion_tokens;
  }
  slot.active = false;
  slot.next = -1;
  Callback done = std::move(slot.done);
  done(std::move(slot.completion));
}

}  // namespace ys::engine
