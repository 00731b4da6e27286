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

int ceil_div(int64_t a, int b) {
  return static_cast<int>((a + b - 1) / b);
}

Completion invalid(std::string message) {
  Completion c;
  c.error = ErrorKind::kInvalid;
  c.error_message = std::move(message);
  return c;
}

}  // namespace

// A request being answered: a generation sequence, or a loglikelihood question (a job of
// the scheduler: its context, then its continuations in groups that fit its blocks).
struct LocalRunner::Seq {
  int id = 0;
  Request request;
  Callback done;
  Completion completion;
  double t0 = 0;
  std::unique_ptr<Context> ctx;  // the sequence, or the question's context
  // Generation.
  std::vector<int32_t> history;  // prompt and generated tokens; the last is evaluated next
  std::optional<Sampler> sampler;
  // Question.
  bool question = false;
  std::vector<int32_t> context_ids;
  std::vector<std::vector<int32_t>> continuations;
  int job_blocks = 0;         // blocks the scheduler holds for it
  bool context_done = false;  // the context is evaluated; continuations come next
  size_t next_continuation = 0;
  std::vector<Loglikelihood> scores;
  std::vector<std::unique_ptr<Context>> group;  // continuations evaluated in this pass
  std::vector<size_t> group_index;
};

// One forward pass: entries of (context, tokens, all logits), grouped by request.
struct LocalRunner::Pass {
  std::vector<Context*> contexts;
  std::vector<std::vector<int32_t>> tokens;
  std::vector<bool> all_logits;
  std::vector<std::pair<Seq*, size_t>> parts;  // a request and its first entry
  int new_blocks = 0;  // blocks the pass will take (copies of shared blocks included)

  void add(Context& ctx, std::vector<int32_t> t, bool all, const BlockAllocator& blocks) {
    const int bs = blocks.block_size(), past = ctx.n_past();
    new_blocks +=
        ceil_div(past + static_cast<int64_t>(t.size()), bs) - static_cast<int>(ctx.blocks().size());
    if (past % bs != 0 && blocks.ref_count(ctx.blocks().back()) > 1) ++new_blocks;
    contexts.push_back(&ctx);
    tokens.push_back(std::move(t));
    all_logits.push_back(all);
  }
};

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
  std::string note;
  backend_ = make_backend(parse_device(options_.device), *model_, *pool_, &note);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  // As much KV memory as `batch` full contexts, plus one block each for the copy of a
  // shared partial block (a question's context and one continuation fit in one context's
  // blocks plus that copy, so any question fits the pool).
  const int n_blocks = options.batch * (ceil_div(options_.n_ctx, block_size_) + 1);
  blocks_ = std::make_unique<BlockAllocator>(*backend_, n_blocks, block_size_);
  scheduler_ = std::make_unique<Scheduler>(n_blocks, block_size_, options.batch);
  identity_ = "local:" + std::filesystem::path(options.path).filename().string() + "#" +
              hash_hex(model_->file().bytes()).substr(0, 16) +
              // The engine's numerics and sampling draws (2: vectorised exp, SplitMix64
              // sampler): a change keeps old cached answers from mixing with new ones.
              ";engine=2;ctx=" + std::to_string(options_.n_ctx);
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
  // Contexts hand their blocks back to blocks_: gone before it.
  seqs_.clear();
  retained_.clear();
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

std::string LocalRunner::flow_summary() const {
  const LocalRunnerStats s = stats();
  return std::to_string(s.steps) + " passes of up to " + std::to_string(s.max_running) +
         " requests; " + std::to_string(s.reused_tokens) + " of " +
         std::to_string(s.prompt_tokens) + " prompt tokens (" + std::to_string(s.shared_blocks) +
         " KV blocks) shared from other sequences, " + std::to_string(s.copied_blocks) +
         " blocks copied on write, " + std::to_string(s.preemptions) + " preempted";
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
          {"kv_blocks", blocks_->n_blocks()},
          {"kv_block_size", block_size_},
          {"share_prefixes", options_.share_prefixes},
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

void LocalRunner::answer_now(Callback& done, Completion c) {
  make_valid_utf8(c);
  done(std::move(c));
}

void LocalRunner::accept(Request request, Callback done) {
  std::vector<int32_t> prompt;
  try {
    prompt = prompt_tokens(request);
  } catch (const std::exception& e) {
    answer_now(done, invalid(e.what()));
    return;
  }
  auto seq = std::make_unique<Seq>();
  seq->id = next_id_++;
  seq->t0 = now_s();
  const int n_ctx = options_.n_ctx;
  if (request.kind == RequestKind::kLoglikelihood) {
    Completion c;
    c.finish_reason = "stop";
    if (request.continuations.empty()) {
      c.error = ErrorKind::kInvalid;
      c.error_message = "loglikelihood: the request has no continuations";
      answer_now(done, std::move(c));
      return;
    }
    const std::string context = scored_text(request, 0).context;
    std::vector<int32_t>& context_ids = seq->context_ids;
    context_ids = tokenizer_->encode(context, true, false);
    if (context_ids.empty() && tokenizer_->bos() >= 0) context_ids.push_back(tokenizer_->bos());
    if (context_ids.empty()) {
      c.error = ErrorKind::kInvalid;
      c.error_message = "loglikelihood: the context is empty and the model has no BOS token";
      answer_now(done, std::move(c));
      return;
    }
    int64_t evaluated = static_cast<int64_t>(context_ids.size());
    for (size_t i = 0; i < request.continuations.size(); ++i) {
      std::vector<int32_t> whole =
          tokenizer_->encode(context + scored_text(request, i).continuation, true, false);
      auto& continuation = seq->continuations.emplace_back();
      if (whole.size() > context_ids.size()) {
        continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(context_ids.size()),
                            whole.end());
      }
      if (continuation.empty()) {
        c.error = ErrorKind::kInvalid;
        c.error_message = "loglikelihood: continuation " + std::to_string(i) + " has no tokens";
        answer_now(done, std::move(c));
        return;
      }
      evaluated += static_cast<int64_t>(continuation.size());
    }
    const int64_t n_context = static_cast<int64_t>(context_ids.size());
    // Blocks: the context's, then for each continuation of 2+ tokens (the others are scored
    // from the context's last row) the copy of the context's partial block and its own.
    int64_t blocks = ceil_div(n_context, block_size_);
    for (const auto& continuation : seq->continuations) {
      if (n_context + static_cast<int64_t>(continuation.size()) > n_ctx) {
        c.error = ErrorKind::kInvalid;
        c.error_message = "context and continuation of " +
                          std::to_string(n_context + static_cast<int64_t>(continuation.size())) +
                          " tokens do not fit the context of " + std::to_string(n_ctx);
        answer_now(done, std::move(c));
        return;
      }
      if (continuation.size() > 1) {
        blocks += ceil_div(n_context + static_cast<int64_t>(continuation.size()) - 1, block_size_) -
                  n_context / block_size_;
      }
    }
    seq->question = true;
    seq->job_blocks = static_cast<int>(std::min<int64_t>(blocks, blocks_->n_blocks()));
    seq->completion = std::move(c);
    seq->completion.usage.prompt_tokens = evaluated;
    scheduler_->add_job(seq->id, seq->job_blocks);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.prompt_tokens += evaluated;
  } else {
    Completion& c = seq->completion;
    c.usage.prompt_tokens = static_cast<int64_t>(prompt.size());
    c.finish_reason = "length";
    if (prompt.empty() || static_cast<int>(prompt.size()) > n_ctx) {
      c.error = ErrorKind::kInvalid;
      c.error_message = "prompt of " + std::to_string(prompt.size()) +
                        " tokens does not fit the context of " + std::to_string(n_ctx);
    }
    if (!c.ok() || request.sampling.max_tokens <= 0) {
      c.latency_s = now_s() - seq->t0;
      answer_now(done, std::move(c));
      return;
    }
    SamplingParams sp;
    sp.temperature = static_cast<float>(request.sampling.temperature);
    if (request.sampling.top_p) sp.top_p = static_cast<float>(*request.sampling.top_p);
    if (request.sampling.top_k) sp.top_k = *request.sampling.top_k;
    // Repeats of one prompt are distinct samples: the repeat index enters the seed.
    sp.seed = request.sampling.seed ? *request.sampling.seed
                                    : hash64(std::to_string(request.repeat), options_.seed);
    seq->sampler.emplace(sp);
    seq->history = std::move(prompt);
    const int64_t most = std::min<int64_t>(
        n_ctx, static_cast<int64_t>(seq->history.size()) + request.sampling.max_tokens);
    scheduler_->add(seq->id, static_cast<int>(seq->history.size()), static_cast<int>(most));
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.prompt_tokens += static_cast<int64_t>(seq->history.size());
  }
  seq->request = std::move(request);
  seq->done = std::move(done);
  seqs_.emplace(seq->id, std::move(seq));
}

std::unique_ptr<Context> LocalRunner::context_sharing(const std::vector<int32_t>& tokens) {
  auto ctx = std::make_unique<Context>(*model_, options_.n_ctx, *backend_, *blocks_);
  if (!options_.share_prefixes || tokens.size() < 2) return ctx;
  const Context* best = nullptr;
  size_t best_n = 0;
  auto consider = [&](const Context* from) {
    if (!from) return;
    const size_t n = std::min(common_prefix(from->tokens(), tokens), tokens.size() - 1);
    if (n > best_n) {
      best = from;
      best_n = n;
    }
  };
  for (const auto& [id, s] : seqs_) consider(s->ctx.get());
  for (auto it = retained_.rbegin(); it != retained_.rend(); ++it) consider(it->get());
  if (!best) return ctx;
  share_prefix(*blocks_, *best, static_cast<int>(best_n), *ctx);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.reused_tokens += static_cast<int64_t>(best_n);
  stats_.shared_blocks += static_cast<int64_t>(ctx->blocks().size());
  return ctx;
}

void LocalRunner::plan(Seq& seq, bool admitted, Pass& pass) {
  pass.parts.emplace_back(&seq, pass.contexts.size());
  if (!seq.question) {
    if (admitted) {
      seq.ctx = context_sharing(seq.history);
      const auto from = seq.history.begin() + seq.ctx->n_past();
      pass.add(*seq.ctx, std::vector<int32_t>(from, seq.history.end()), false, *blocks_);
    } else {
      pass.add(*seq.ctx, {seq.history.back()}, false, *blocks_);
    }
    return;
  }
  if (admitted) {  // the context (again, after a preemption)
    seq.ctx = context_sharing(seq.context_ids);
    seq.context_done = false;
    seq.scores.assign(seq.continuations.size(), Loglikelihood{});
    const auto from = seq.context_ids.begin() + seq.ctx->n_past();
    pass.add(*seq.ctx, std::vector<int32_t>(from, seq.context_ids.end()), false, *blocks_);
    return;
  }
  // The next continuations whose blocks fit in the job's (at least one), each sharing the
  // context's blocks and evaluating all its tokens but the last.
  const int n_context = static_cast<int>(seq.context_ids.size());
  int room = seq.job_blocks - ceil_div(n_context, block_size_);
  seq.group.clear();
  seq.group_index.clear();
  for (size_t i = seq.next_continuation; i < seq.continuations.size(); ++i) {
    const std::vector<int32_t>& cont = seq.continuations[i];
    if (cont.size() < 2) continue;
    const int own = ceil_div(n_context + static_cast<int64_t>(cont.size()) - 1, block_size_) -
                    n_context / block_size_;
    if (own > room && !seq.group.empty()) break;
    room -= own;
    auto c = std::make_unique<Context>(*model_, options_.n_ctx, *backend_, *blocks_);
    share_prefix(*blocks_, *seq.ctx, n_context, *c);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats_.shared_blocks += static_cast<int64_t>(c->blocks().size());
    }
    pass.add(*c, std::vector<int32_t>(cont.begin(), cont.end() - 1), true, *blocks_);
    seq.group.push_back(std::move(c));
    seq.group_index.push_back(i);
  }
}

void LocalRunner::collect(Seq& seq, size_t at) {
  const std::vector<const float*>& logits = last_logits_;
  const int n_vocab = model_->config().n_vocab;
  if (!seq.question) {
    step(seq, logits[at]);
    return;
  }
  auto add = [&](Loglikelihood& r, const float* row, int32_t id) {
    r.logprob += log_softmax_at(row, n_vocab, id);
    r.greedy = r.greedy && argmax(row, n_vocab) == id;
  };
  if (!seq.context_done) {
    // The row after the context scores every continuation's first token.
    for (size_t i = 0; i < seq.continuations.size(); ++i) {
      seq.scores[i].greedy = true;
      add(seq.scores[i], logits[at], seq.continuations[i][0]);
    }
    seq.context_done = true;
    seq.next_continuation = 0;
  } else {
    for (size_t k = 0; k < seq.group.size(); ++k) {
      const size_t i = seq.group_index[k];
      const std::vector<int32_t>& cont = seq.continuations[i];
      for (size_t j = 1; j < cont.size(); ++j) {
        add(seq.scores[i], logits[at + k] + (j - 1) * static_cast<size_t>(n_vocab), cont[j]);
      }
      seq.next_continuation = i + 1;
    }
    seq.group.clear();
    seq.group_index.clear();
  }
  while (seq.next_continuation < seq.continuations.size() &&
         seq.continuations[seq.next_continuation].size() < 2) {
    ++seq.next_continuation;
  }
  if (seq.next_continuation < seq.continuations.size()) return;  // more in the next pass
  Completion& c = seq.completion;
  for (size_t i = 0; i < seq.scores.size(); ++i) {
    c.continuations.push_back({seq.scores[i].logprob, seq.scores[i].greedy,
                               static_cast<int64_t>(seq.continuations[i].size())});
  }
  finish(seq);
}

void LocalRunner::loop() {
  std::vector<std::pair<Request, Callback>> incoming;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !scheduler_->idle(); });
    if (stopping_) return;
    for (auto& q : queue_) incoming.push_back(std::move(q));
    queue_.clear();
    lock.unlock();
    for (auto& [request, done] : incoming) accept(std::move(request), std::move(done));
    incoming.clear();
    if (!scheduler_->idle()) run_step();
    lock.lock();
  }
}

void LocalRunner::run_step() {
  const Scheduler::Step step = scheduler_->next();
  for (int id : step.preempted) {
    Seq& s = *seqs_.at(id);
    s.ctx.reset();  // its blocks go back; it is redone from its tokens when readmitted
    s.group.clear();
    s.group_index.clear();
  }
  Pass pass;
  for (int id : step.decode) plan(*seqs_.at(id), false, pass);
  for (int id : step.jobs) plan(*seqs_.at(id), false, pass);
  for (int id : step.admitted) plan(*seqs_.at(id), true, pass);
  make_room(pass.new_blocks);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.steps;
    stats_.preemptions += static_cast<int64_t>(step.preempted.size());
    stats_.max_running = std::max(stats_.max_running, scheduler_->n_running());
  }
  if (pass.contexts.empty()) return;
  try {
    // A copy: the list belongs to the pass's first context, which may finish below.
    last_logits_ = Context::eval_batch(pass.contexts, pass.tokens, pass.all_logits);
  } catch (const std::exception& e) {
    // Not expected (accept() checks what eval_batch would refuse, the scheduler keeps
    // blocks free); fail the pass's requests rather than the runner's thread.
    for (auto& [seq, at] : pass.parts) {
      seq->completion.error = ErrorKind::kFatal;
      seq->completion.error_message = e.what();
      seq->ctx.reset();
      seq->group.clear();
      finish(*seq);
    }
    return;
  }
  for (auto& [seq, at] : pass.parts) collect(*seq, at);
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.copied_blocks = blocks_->copies();
}

void LocalRunner::make_room(int blocks) {
  while (blocks_->n_free() < blocks && !retained_.empty()) retained_.pop_front();
}

void LocalRunner::step(Seq& seq, const float* logits) {
  Completion& c = seq.completion;
  int32_t id = seq.sampler->sample(logits, model_->config().n_vocab, seq.history);
  seq.history.push_back(id);
  ++c.usage.completion_tokens;
  if (tokenizer_->is_end_of_generation(id)) {
    c.finish_reason = "stop";
    finish(seq);
    return;
  }
  c.text += tokenizer_->piece(id);
  if (size_t at = find_stop(c.text, seq.request.sampling.stop); at != std::string::npos) {
    c.text.resize(at);
    c.finish_reason = "stop";
    finish(seq);
    return;
  }
  if (c.usage.completion_tokens >= seq.request.sampling.max_tokens ||
      seq.ctx->n_past() >= seq.ctx->n_ctx()) {
    finish(seq);
  }
}

void LocalRunner::finish(Seq& seq) {
  // Pieces are raw bytes (a byte token may be half a character) so that stop strings match
  // across tokens; what leaves the runner is valid UTF-8.
  seq.completion.latency_s = now_s() - seq.t0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.generated_tokens += seq.completion.usage.completion_tokens;
  }
  seq.group.clear();
  if (seq.ctx && options_.share_prefixes) {
    retained_.push_back(std::move(seq.ctx));
    while (static_cast<int>(retained_.size()) > options_.batch) retained_.pop_front();
  }
  seq.ctx.reset();
  scheduler_->finish(seq.id);
  Callback done = std::move(seq.done);
  Completion c = std::move(seq.completion);
  seqs_.erase(seq.id);  // `seq` is gone
  answer_now(done, std::move(c));
}

}  // namespace ys::engine
