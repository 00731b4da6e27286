#include "harness/evaluation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "harness/progress.h"
#include "harness/scoring_pool.h"
#include "harness/store/reader.h"
#include "harness/store/run_usage.h"
#include "scoring/options.h"
#include "scoring/stats.h"
#include "tasks/longctx.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/percentile.h"
#include "util/strings.h"
#include "util/version.h"

namespace ys {
namespace {

using Clock = std::chrono::steady_clock;

struct WorkItem {
  size_t task;    // index into tasks
  size_t sample;  // index into the task's samples
  int repeat;
  Request request;
  std::string key;
  // Long-context tasks: the sized description the last message is generated from; the
  // request holds an empty content until it is sent (one prompt in memory per request in
  // flight), and the store keeps the description (tasks/longctx.h).
  nlohmann::json generated;
};

// The request as stored and as keyed: a generated content is its description.
nlohmann::json stored_request(const WorkItem& item) {
  nlohmann::json j = canonical_json(item.request);
  if (!item.generated.is_null()) j["messages"].back()["content"] = {{"generated", item.generated}};
  return j;
}

// A completion for a work item, and its scores once a scoring worker has them.
struct Arrival {
  size_t item = 0;
  Completion completion;
  bool scored = false;
  std::vector<Score> scores;
};

// Arrivals handed from runner and scoring threads to the evaluation loop. Shared
// ownership: a runner may still hold a callback after the evaluation returns.
struct Inbox {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<Arrival> items;

  void push(Arrival a) {
    {
      std::lock_guard lock(mutex);
      items.push_back(std::move(a));
    }
    ready.notify_one();
  }

  bool has_items() {
    std::lock_guard lock(mutex);
    return !items.empty();
  }
};

class Evaluation {
 public:
  Evaluation(Runner& runner, const std::vector<EvalTask>& tasks, Store& store, const EvalOptions& o)
      : runner_(runner), tasks_(tasks), store_(store), options_(o) {
    bool code = std::any_of(tasks.begin(), tasks.end(),
                            [](const EvalTask& t) { return t.scorers.runs_code(); });
    if (code) pool_ = std::make_unique<ScoringPool>(std::max(1, o.scoring_threads));
  }

  EvalOutcome run() {
    auto started = Clock::now();
    open_run();
    try {
      plan();
    } catch (const InputError&) {  // a prompt that cannot fit: nothing was sent
      store_.set_run_status(outcome_.run_id, "failed");
      throw;
    }
    Progress progress(stderr, "run " + std::to_string(outcome_.run_id), outcome_.planned,
                      options_.interactive);
    progress_ = &progress;
    done_ = outcome_.already_done;
    try {
      answer_from_cache();
      send_and_collect();
      store_.flush();
    } catch (const StoreError& e) {
      // A sample could not be written: the run stops as failed (what was committed stays,
      // and rerunning the command resumes it) instead of being left 'running'.
      outcome_.failure = e.what();
    }
    progress.finish();
    summarize_usage();

    // A run with samples stored unscored (errors after their retries) is 'incomplete':
    // like an interrupted run, rerunning the command resumes it and resends those samples.
    outcome_.status = !outcome_.failure.empty()                        ? "failed"
                      : stop_requested()                               ? "interrupted"
                      : outcome_.unscored > 0 || outcome_.budget_spent ? "incomplete"
                                                                       : "completed";
    try {
      store_.set_run_status(outcome_.run_id, outcome_.status);
      // Recomputed over all of the run's samples, so a resumed run's row covers all of it.
      outcome_.run_usage = record_run_usage(store_.path(), outcome_.run_id);
      // With the bootstrap interval the reports show (about 25 ms per 20,000 samples since
      // the draws use SplitMix64; scoring/stats.h).
      outcome_.results = StoreReader(store_.path()).task_results(outcome_.run_id);
    } catch (const StoreError& e) {
      // The store cannot even take the status: report that, and the first failure.
      if (outcome_.failure.empty()) outcome_.failure = e.what();
      outcome_.status = "failed";
    }
    outcome_.wall_s = std::chrono::duration<double>(Clock::now() - started).count();
    for (auto& r : outcome_.results) {
      auto it = task_wall_.find(r.task);
      if (it != task_wall_.end())
        r.wall_s = std::chrono::duration<double>(it->second.second - it->second.first).count();
    }
    return outcome_;
  }

 private:
  bool stop_requested() const { return options_.stop && options_.stop->load(); }

  void open_run() {
    nlohmann::json parts = run_fingerprint_parts(runner_, tasks_, options_);
    std::string fingerprint = run_fingerprint(parts, options_.shard);
    if (auto previous = store_.find_unfinished_run(fingerprint)) {
      outcome_.run_id = previous->id;
      outcome_.resumed = true;
      store_.set_run_status(outcome_.run_id, "running");
    } else {
      RunRecord run = new_run(fingerprint);
      run.fingerprint_parts = std::move(parts);
      outcome_.run_id = store_.create_run(run);
    }
    for (const auto& t : tasks_) {
      store_.declare_metrics(outcome_.run_id, t.task.name(), declared_metrics(t, options_.repeats));
    }
  }

  RunRecord new_run(const std::string& fingerprint) const {
    RunRecord run;
    run.fingerprint = fingerprint;
    run.model = options_.model_spec;
    run.runner_config = runner_.config();
    for (const auto& t : tasks_) run.tasks.push_back(t.task.name());
    run.seed = options_.seed;
    run.repeats = options_.repeats;
    run.sample_limit = options_.limit;
    run.yardstick_version = kVersion;
    run.git_describe = kGitDescribe;
    run.command = options_.command;
    if (options_.shard) run.shard = options_.shard->text();
    return run;
  }

  void plan() {
    std::optional<TokenCounting> counting;
    std::set<SampleKey> answered;
    if (outcome_.resumed) answered = store_.answered_samples(outcome_.run_id);
    for (size_t t = 0; t < tasks_.size(); ++t) {
      const Task& task = tasks_[t].task;
      const Shard* shard = options_.shard ? &*options_.shard : nullptr;
      for (size_t i : task.evaluated_indices(options_.limit)) {
        if (shard && shard_of(task.name(), task.samples()[i].id, shard->count) != shard->index)
          continue;
        nlohmann::json sized;  // shared by the repeats of a long-context sample
        for (int r = 0; r < options_.repeats; ++r) {
          ++outcome_.planned;
          if (answered.count({task.name(), task.samples()[i].id, r})) {
            ++outcome_.already_done;
            continue;
          }
          WorkItem item{t, i, r, task.build_request(i, r), "", {}};
          if (options_.seed) item.request.sampling.seed = *options_.seed + static_cast<uint64_t>(r);
          if (task.long_context()) {
            if (!counting) counting = token_counting_for(runner_, options_.long_context);
            if (sized.is_null()) sized = size_for_model(task, i, item.request, *counting);
            item.generated = sized;
            item.key = hash_hex(runner_.identity() + "\n" + stored_request(item).dump());
          } else {
            item.key = cache_key(item.request, runner_.identity());
          }
          items_.push_back(std::move(item));
        }
      }
    }
  }

  // The request to send for `item`: with its generated content, when it has one.
  Request request_to_send(const WorkItem& item) const {
    Request r = item.request;
    if (!item.generated.is_null()) {
      r.messages.back().content = materialize_prompt(item.generated).text;
    }
    return r;
  }

  void answer_from_cache() {
    if (!options_.use_cache) {
      for (size_t i = 0; i < items_.size(); ++i) pending_.push_back(i);
      return;
    }
    size_t next = 0;  // items before it without an answer are pending
    store_.cached_responses(
        items_.size(), [this](size_t i) -> const std::string& { return items_[i].key; },
        [&](size_t i, Completion cached) {
          for (; next < i; ++next) pending_.push_back(next);
          next = i + 1;
          ++outcome_.cache_hits;
          record(i, std::move(cached));
        });
    for (; next < items_.size(); ++next) pending_.push_back(next);
  }

  void send_and_collect() {
    size_t in_flight = 0, next = 0;
    const size_t window = static_cast<size_t>(std::max(1, options_.concurrency));
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options_.time_budget_s));
    while ((next < pending_.size() || in_flight > 0 || scoring_ > 0 || inbox_->has_items()) &&
           outcome_.failure.empty() && !stop_requested()) {
      if (options_.time_budget_s > 0 && !outcome_.budget_spent && Clock::now() >= deadline &&
          (next < pending_.size() || in_flight > 0)) {
        // Out of time: nothing more is sent and what was sent is dropped when the runner
        // can drop it (it stays unstored and is sent on resume). Answers that still come,
        // those already received and those a runner cannot drop, are stored and scored.
        outcome_.budget_spent = true;
        if (runner_.cancel()) in_flight = 0;
        next = pending_.size();
      }
      while (next < pending_.size() && in_flight < window) {
        size_t item = pending_[next++];
        mark_started(items_[item].task);
        ++in_flight;
        ++outcome_.sent;
        runner_.submit(request_to_send(items_[item]), [inbox = inbox_, item](Completion c) {
          inbox->push({item, std::move(c), false, {}});
        });
      }
      std::deque<Arrival> arrived;
      {
        std::unique_lock lock(inbox_->mutex);
        auto wake = Clock::now() + std::chrono::milliseconds(200);
        if (options_.time_budget_s > 0 && !outcome_.budget_spent) wake = std::min(wake, deadline);
        inbox_->ready.wait_until(lock, wake, [&] { return !inbox_->items.empty(); });
        arrived.swap(inbox_->items);
      }
      for (auto& a : arrived) {
        if (a.scored) {
          --scoring_;
          finish(a.item, std::move(a.completion), std::move(a.scores));
          continue;
        }
        if (in_flight > 0) --in_flight;  // 0: dropped by cancel(), yet it had already arrived
        count_usage(a.completion);
        if (a.completion.error == ErrorKind::kFatal) {
          if (outcome_.failure.empty()) outcome_.failure = a.completion.error_message;
          continue;
        }
        record(a.item, std::move(a.completion));
      }
      if (arrived.empty()) {
        update_progress();
      }
    }
  }

  // Adds `c` to the invocation's usage, and prices it when the model's prices are known.
  void count_usage(Completion& c) {
    if (options_.price) c.cost_usd = cost_usd(c.usage, *options_.price);
    Usage& u = outcome_.usage.tokens;
    u.prompt_tokens += c.usage.prompt_tokens;
    u.completion_tokens += c.usage.completion_tokens;
    u.cached_tokens += c.usage.cached_tokens;
    u.cache_write_tokens += c.usage.cache_write_tokens;
    u.reasoning_tokens += c.usage.reasoning_tokens;
    if (c.scorable()) latencies_.push_back(c.latency_s);  // answers only
    if (c.scorable() && c.stream.streamed()) ttfts_.push_back(c.stream.ttft_s);
  }

  // Nearest-rank percentiles of this invocation's latencies, and the cost.
  void summarize_usage() {
    RunUsage& u = outcome_.usage;
    if (options_.price) u.cost_usd = cost_usd(u.tokens, *options_.price);
    u.answers = latencies_.size();
    std::sort(latencies_.begin(), latencies_.end());
    u.latency_p50_s = nearest_rank(latencies_, 0.50);
    u.latency_p90_s = nearest_rank(latencies_, 0.90);
    u.latency_p99_s = nearest_rank(latencies_, 0.99);
    u.streamed = ttfts_.size();
    std::sort(ttfts_.begin(), ttfts_.end());
    u.ttft_p50_s = nearest_rank(ttfts_, 0.50);
    u.ttft_p90_s = nearest_rank(ttfts_, 0.90);
  }

  void mark_started(size_t task) {
    auto& wall = task_wall_[tasks_[task].task.name()];
    if (wall.first == Clock::time_point{}) wall.first = Clock::now();
  }

  // Scores a completion (on a scoring worker when it runs code) and then finishes it.
  // Reasoning left inline in the answer is split off first: extractors never see it.
  void record(size_t index, Completion completion) {
    const EvalTask& task = tasks_[items_[index].task];
    if (!completion.scorable()) {
      finish(index, std::move(completion), {});
      return;
    }
    switch (split_inline_reasoning(completion)) {
      case InlineReasoning::kNone:
        break;
      case InlineReasoning::kClosed:
        ++outcome_.inline_reasoning;
        break;
      case InlineReasoning::kUnclosed:
        ++outcome_.inline_reasoning;
        ++outcome_.unclosed_reasoning;
        break;
    }
    if (!task.scorers.runs_code()) {
      auto scores = task.scorers.score(task.task.samples()[items_[index].sample], completion);
      finish(index, std::move(completion), std::move(scores));
      return;
    }
    ++scoring_;
    pool_->submit([this, index, c = std::move(completion)](int slot) mutable {
      const WorkItem& item = items_[index];
      const EvalTask& t = tasks_[item.task];
      auto scores = t.scorers.score(t.task.samples()[item.sample], c, {slot});
      inbox_->push({index, std::move(c), true, std::move(scores)});
    });
  }

  // Queues a scored (or failed) completion's row for the store.
  void finish(size_t index, Completion completion, std::vector<Score> scores) {
    const WorkItem& item = items_[index];
    const Task& task = tasks_[item.task].task;
    const Sample& sample = task.samples()[item.sample];
    SampleRecord row;
    row.run_id = outcome_.run_id;
    row.task = task.name();
    row.sample_id = sample.id;
    row.repeat = item.repeat;
    row.cache_key = item.key;
    row.request = stored_request(item);
    row.request["runner"] = runner_.identity();
    row.reference = sample.reference;
    row.scores = std::move(scores);
    if (!row.scores.empty()) accuracy_.add(row.scores[0].value);
    if (!completion.ok()) {
      ++outcome_.errors;
      ++outcome_.error_kinds[error_kind_name(completion.error)];
      // The runner's message names the request; the task and sample id find it in the
      // store (`yardstick show`).
      if (outcome_.first_error.empty()) {
        outcome_.first_error = task.name() + " sample " + sample.id +
                               (item.repeat > 0 ? " repeat " + std::to_string(item.repeat) : "") +
                               ": " + completion.error_message;
      }
    }
    if (!completion.scorable()) ++outcome_.unscored;
    row.completion = std::move(completion);
    store_.write(std::move(row));
    ++done_;
    auto& wall = task_wall_[task.name()];
    if (wall.first == Clock::time_point{}) wall.first = Clock::now();
    wall.second = Clock::now();
    update_progress();
  }

  // The progress line; accuracy is "-" until a sample has a score.
  void update_progress() {
    progress_->update(done_, outcome_.errors, accuracy_.count() ? accuracy_.mean() : -1);
  }

  Runner& runner_;
  const std::vector<EvalTask>& tasks_;
  Store& store_;
  const EvalOptions& options_;
  EvalOutcome outcome_;
  std::vector<WorkItem> items_;
  std::vector<size_t> pending_;  // items with no cached answer, in plan order
  Progress* progress_ = nullptr;
  size_t done_ = 0;
  MeanAccumulator accuracy_;
  std::map<std::string, std::pair<Clock::time_point, Clock::time_point>> task_wall_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  size_t scoring_ = 0;                 // completions out with scoring workers
  std::vector<double> latencies_;      // of the answers received, seconds
  std::vector<double> ttfts_;          // of the streamed answers received, seconds
  std::unique_ptr<ScoringPool> pool_;  // last: its workers stop before the rest goes
};

}  // namespace

std::vector<MetricInfo> declared_metrics(const EvalTask& t, int repeats) {
  std::vector<MetricInfo> metrics = t.scorers.metrics();
  const auto& dataset = t.task.spec().dataset;
  const bool grouped = dataset && dataset->group_by_file;
  const bool voted = !grouped && repeats > 1 && !t.task.spec().multiple_choice;
  for (auto& m : metrics) {
    if (m.aggregation != Aggregation::kMean) continue;
    if (grouped) m.aggregation = Aggregation::kGroupMean;
    if (voted && m.votes) m.aggregation = Aggregation::kMajority;
  }
  return metrics;
}

nlohmann::json run_fingerprint_parts(const Runner& runner, const std::vector<EvalTask>& tasks,
                                     const EvalOptions& options) {
  nlohmann::json j = {{"runner", runner.identity()},
                      {"limit", options.limit},
                      {"repeats", options.repeats},
                      {"seed", options.seed ? nlohmann::json(*options.seed) : nlohmann::json()}};
  for (const auto& t : tasks) {
    j["tasks"].push_back({{"name", t.task.name()},
                          {"spec", t.task.spec().content_hash},
                          {"data", t.task.data_hash()}});
  }
  return j;
}

std::string run_fingerprint(const nlohmann::json& parts, const std::optional<Shard>& shard) {
  if (!shard) return hash_hex(parts.dump());  // what unsharded runs always had: they resume
  nlohmann::json j = parts;
  j["shard"] = shard->text();
  return hash_hex(j.dump());
}

std::string run_fingerprint(const Runner& runner, const std::vector<EvalTask>& tasks,
                            const EvalOptions& options) {
  return run_fingerprint(run_fingerprint_parts(runner, tasks, options), options.shard);
}

EvalOutcome run_evaluation(Runner& runner, const std::vector<EvalTask>& tasks, Store& store,
                           const EvalOptions& options) {
  return Evaluation(runner, tasks, store, options).run();
}

EvalTask load_eval_task(const TaskSpec& spec, const DataLocation& where,
                        ScoringResources& resources) {
  Task task = Task::load(spec, where);
  ScorerSet scorers;
  try {
    scorers = make_scorers(spec.metrics, &resources);
  } catch (const OptionError& e) {  // a sandbox that cannot start is not the spec's fault
    throw InputError(spec.file.string() + ": " + e.what());
  }
  return {std::move(task), std::move(scorers)};
}

}  // namespace ys
