#include "harness/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "datasets/catalogue.h"
#include "datasets/locate.h"
#include "harness/cli_checks.h"
#include "harness/commands/compare.h"
#include "harness/commands/data.h"
#include "harness/commands/export.h"
#include "harness/commands/gate.h"
#include "harness/commands/longctx.h"
#include "harness/commands/merge.h"
#include "harness/commands/models.h"
#include "harness/evaluation.h"
#include "harness/gen_options.h"
#include "harness/longctx.h"
#include "harness/store/reader.h"
#include "harness/store/store.h"
#include "reports/html.h"
#include "reports/table.h"
#include "runners/engine/bundled.h"
#include "runners/engine/commands.h"
#include "runners/factory.h"
#include "runners/http_pool.h"
#include "runners/registry.h"
#include "scoring/sandbox/sandbox.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "util/error.h"
#include "util/strings.h"
#include "util/version.h"

namespace ys {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    for (auto& part : split(v, ',')) {
      std::string t(trim(part));
      if (!t.empty()) out.push_back(t);
    }
  }
  return out;
}

struct CommonOptions {
  std::string db = "results/yardstick.db";
  std::string specs_dir;
};

TaskRegistry load_registry(const CommonOptions& common) {
  return TaskRegistry::load(common.specs_dir.empty() ? default_specs_dir()
                                                     : std::filesystem::path(common.specs_dir));
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out += (i ? " " : "") + std::string(argv[i]);
  return out;
}

// ---- yardstick run ----------------------------------------------------------------------

struct RunArgs {
  std::vector<std::string> models, tasks, suites;
  int limit = -1, repeats = 1, concurrency = 8, max_retries = 8;
  std::optional<uint64_t> seed;
  std::string data, api_key_env, reasoning_effort;
  std::vector<std::string> base_urls;
  std::optional<double> rpm, tpm;  // override the registry's limits
  double request_timeout_s = 0, time_budget_s = 0;
  bool fixed_concurrency = false;
  int thinking_budget = 0;
  double timeout_s = 300, retry_base_s = 1.0, read_timeout_s = 120;
  bool no_cache = false, stream = false;
  std::string sandbox_mode = "default", python = "/usr/bin/python3";
  int threads = 1, ctx = 0, batch = 4;
  std::string device = "cpu";
  std::optional<int> fewshot;  // overrides the specs' few-shot count
  std::string preset;          // a sampling preset (apply_sampling_preset)
  std::string shard;           // "i/N" (harness/shard.h)
  int scoring_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  LongContextOptions long_context;
  GeneratedTaskOptions generated;
};

void add_run_command(CLI::App& app, RunArgs& a) {
  auto* run =
      app.add_subcommand("run", "Evaluate models on tasks; rerun the same command to resume");
  run->add_option("--model,-m", a.models,
                  std::string("Model(s), comma-separated: ") + model_spec_help())
      ->required();
  run->add_option("--tasks,-t", a.tasks, "Task or suite names, comma-separated");
  run->add_option("--suite,-s", a.suites, "Suite names, comma-separated");
  run->add_option("--limit,-n", a.limit,
                  "Only N samples of each task: the first N in dataset order, or for a task "
                  "grouped by file (bbh) N spread evenly over its groups (docs/TASKS.md)")
      ->check(kNonNegative);
  run->add_option("--repeats,-k", a.repeats, "Answers per sample")->check(kPositive);
  run->add_option("--fewshot", a.fewshot, "Few-shot examples per prompt, overriding the task specs")
      ->check(kNonNegative);
  run->add_option("--preset", a.preset, "Sampling preset of every generating task: r1, greedy")
      ->check(CLI::IsMember({"r1", "greedy"}));
  run->add_option("--seed", a.seed, "Sampling seed sent with each request (plus the repeat index)");
  run->add_option("--shard", a.shard,
                  "Only shard i of N (i/N, 0 <= i < N): a deterministic split of the samples; "
                  "`yardstick merge` combines the shards' stores (docs/SCALING.md)");
  run->add_option("--concurrency,-c", a.concurrency, "Requests in flight")->check(kPositive);
  run->add_option("--data", a.data,
                  "A task's dataset file, or a folder searched first for datasets");
  run->add_option("--base-url", a.base_urls,
                  "Base URL of the model's server (…/v1), overriding the model registry's; "
                  "give it again for replicas, spread by least outstanding requests")
      ->check(CLI::Validator(
          [](std::string& url) {
            const std::string why = base_url_problem(url);
            return why.empty() ? why : "'" + url + "': " + why;
          },
          "URL", "BASE_URL"));
  run->add_option("--rpm", a.rpm,
                  "Requests per minute at most, paced client-side (default: the model "
                  "registry's limit; 0: none)")
      ->check(kNonNegative);
  run->add_option("--tpm", a.tpm,
                  "Tokens per minute at most, estimated before sending and corrected from the "
                  "reported usage (default: the model registry's limit; 0: none)")
      ->check(kNonNegative);
  run->add_flag("--fixed-concurrency", a.fixed_concurrency,
                "Keep --concurrency requests in flight: no halving on 429/529 (AIMD off)");
  run->add_option("--request-timeout", a.request_timeout_s,
                  "Seconds one request may take from its first send, retries and waits "
                  "included (0: no limit beyond --timeout per attempt)")
      ->check(kNonNegative);
  run->add_option(
         "--time-budget", a.time_budget_s,
         "Seconds each run may send requests; then in-flight requests are cancelled, "
         "answers stored and the run left incomplete (exit 4; rerun to resume); 0: no limit")
      ->check(kNonNegative);
  run->add_option("--api-key-env", a.api_key_env,
                  "Environment variable holding the API key (default: the provider's, see "
                  "`yardstick models`)");
  run->add_option("--thinking-budget", a.thinking_budget,
                  "anthropic: models: extended thinking with this many tokens (>= 1024)")
      ->check(kNonNegative);
  run->add_option("--reasoning-effort", a.reasoning_effort,
                  "OpenAI reasoning models: reasoning_effort (e.g. low, medium, high)");
  run->add_option("--timeout", a.timeout_s, "Seconds per request attempt")->check(kPositive);
  run->add_flag("--stream", a.stream,
                "Stream answers (SSE) from remote models and store time to first token and "
                "inter-token latency");
  run->add_option("--read-timeout", a.read_timeout_s,
                  "Seconds without a byte after which an attempt counts as stalled (a stream "
                  "from its connection on, a whole answer once its first byte came)")
      ->check(kPositive);
  run->add_option("--max-retries", a.max_retries, "Retries of a failed request")
      ->check(kNonNegative);
  run->add_option("--retry-base-delay", a.retry_base_s, "First retry delay in seconds (doubles)")
      ->check(kNonNegative);
  run->add_flag("--no-cache", a.no_cache, "Do not reuse stored responses to identical requests");
  run->add_option("--sandbox", a.sandbox_mode,
                  "Code sandbox: 'default' uses every protection available, 'strict' refuses to "
                  "run code without network isolation")
      ->check(CLI::IsMember({"default", "strict"}));
  run->add_option("--python", a.python, "Python interpreter for generated code");
  run->add_option("--scoring-threads", a.scoring_threads, "Workers running generated code")
      ->check(kPositive);
  run->add_option("--threads", a.threads, "CPU threads of a local: model")->check(kPositive);
  run->add_option("--ctx", a.ctx,
                  "Context positions per sequence of a local: model (0: the model's)")
      ->check(kNonNegative);
  run->add_option("--batch", a.batch,
                  "Requests a local: model evaluates together (continuous batching)")
      ->check(CLI::Range(1, 256));
  run->add_option("--device", a.device,
                  "Where a local: model runs: cpu, cuda (exit 2 without a GPU) or auto (the GPU "
                  "when there is one)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  add_long_context_options(run, a.long_context);
  add_generated_task_options(run, a.generated);
}

// ---- yardstick engine info|generate|bench --------------------------------------------------

struct EngineArgs {
  std::string file;
  engine::GenerateOptions generate;
  std::vector<int> bench_threads = {1};
  engine::BenchOptions bench;
};

CLI::App* add_engine_command(CLI::App& app, EngineArgs& a) {
  auto* eng =
      app.add_subcommand("engine", "The local engine: inspect, run and benchmark GGUF models");
  eng->require_subcommand(1);
  auto* info = eng->add_subcommand("info", "Metadata, tensors and memory needed");
  info->add_option("file", a.file, "GGUF file, or a bundled model name")->required();
  info->add_option("--ctx", a.generate.n_ctx, "Context positions for the memory estimate");
  auto* gen = eng->add_subcommand("generate", "Generate text from a prompt");
  gen->add_option("file", a.file, "GGUF file, or a bundled model name")->required();
  gen->add_option("--prompt,-p", a.generate.prompt, "Prompt text")->required();
  gen->add_flag("--chat", a.generate.chat, "Apply the model's chat template");
  gen->add_option("--max-tokens,-n", a.generate.max_tokens, "Tokens to generate")->check(kPositive);
  gen->add_option("--threads", a.generate.threads, "CPU threads")->check(kPositive);
  gen->add_option("--ctx", a.generate.n_ctx, "Context positions");
  gen->add_option("--temperature", a.generate.sampling.temperature, "0: greedy");
  gen->add_option("--top-k", a.generate.sampling.top_k, "Keep the k most likely tokens");
  gen->add_option("--top-p", a.generate.sampling.top_p, "Nucleus sampling");
  gen->add_option("--min-p", a.generate.sampling.min_p, "Drop tokens below min-p x the best");
  gen->add_option("--repeat-penalty", a.generate.sampling.repeat_penalty,
                  "> 1 discourages repeats");
  gen->add_option("--seed", a.generate.sampling.seed, "Sampling seed");
  gen->add_option("--device", a.generate.device, "cpu, cuda or auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  auto* bench = eng->add_subcommand("bench", "Prompt and generation tokens/s");
  bench->add_option("file", a.file, "GGUF file, or a bundled model name")->required();
  bench->add_option("--threads", a.bench_threads, "Thread counts to measure")->delimiter(',');
  bench->add_option("--prompt-tokens", a.bench.prompt_tokens, "Prompt length");
  bench->add_option("--gen-tokens", a.bench.gen_tokens, "Generated tokens");
  bench->add_option("--repeats", a.bench.repeats, "Best of this many runs");
  bench
      ->add_option("--device", a.bench.device,
                   "cpu (a row per thread count), cuda or auto (prompt, decode at each "
                   "--batches size, and the bandwidth roofline)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  bench->add_option("--batches", a.bench.batches, "GPU decode batch sizes")->delimiter(',');
  return eng;
}

int do_engine(CLI::App* eng, const EngineArgs& a) {
  const std::string file = engine::resolve_model_file(a.file);
  if (eng->got_subcommand("info")) {
    std::cout << engine::model_info(file, a.generate.n_ctx);
  } else if (eng->got_subcommand("generate")) {
    std::cout << engine::generate_text(file, a.generate) << "\n";
  } else {
    std::cout << engine::bench_table(file, a.bench_threads, a.bench);
  }
  return kExitOk;
}

// One usage line of run `run_id`, labelled `scope` (docs/RUNNERS.md, "Usage and cost").
void print_usage_line(int64_t run_id, const char* scope, const Usage& t,
                      std::optional<double> cost_usd, size_t answers, double p50, double p90,
                      double p99, size_t streamed, double ttft_p50, double ttft_p90) {
  std::string cost = "no price known";
  if (cost_usd) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "$%.4f", *cost_usd);
    cost = buf;
  }
  std::fprintf(stderr,
               "run %lld usage, %s: %lld input tokens (%lld cached), %lld output tokens (%lld "
               "reasoning), cost %s; latency p50 %.3f s, p90 %.3f s, p99 %.3f s over %zu "
               "answers",
               static_cast<long long>(run_id), scope, static_cast<long long>(t.prompt_tokens),
               static_cast<long long>(t.cached_tokens), static_cast<long long>(t.completion_tokens),
               static_cast<long long>(t.reasoning_tokens), cost.c_str(), p50, p90, p99, answers);
  if (streamed > 0) {
    std::fprintf(stderr, "; time to first token p50 %.3f s, p90 %.3f s over %zu streamed", ttft_p50,
                 ttft_p90, streamed);
  }
  std::fprintf(stderr, "\n");
}

// What the answers used: this invocation's (RunUsage), and, when the run was resumed or
// reused cached answers, the whole run's as stored (StoredRunUsage, what `yardstick runs`
// shows), each labelled so the two are never taken for one another.
void print_usage(const EvalOutcome& out) {
  const RunUsage& u = out.usage;
  const Usage& t = u.tokens;
  const bool priced_or_timed = t.prompt_tokens != 0 || u.latency_p99_s != 0;  // not mocks
  if (u.answers > 0 && priced_or_timed) {
    print_usage_line(out.run_id, "this invocation", t,
                     u.cost_usd < 0 ? std::nullopt : std::optional<double>(u.cost_usd), u.answers,
                     u.latency_p50_s, u.latency_p90_s, u.latency_p99_s, u.streamed, u.ttft_p50_s,
                     u.ttft_p90_s);
  }
  if (!out.run_usage || !(out.resumed || out.cache_hits > 0)) return;
  const StoredRunUsage& w = *out.run_usage;
  if (w.answers == 0 || (w.input_tokens == 0 && w.latency_p99_s == 0)) return;
  Usage whole;
  whole.prompt_tokens = w.input_tokens;
  whole.cached_tokens = w.cached_input_tokens;
  whole.completion_tokens = w.output_tokens;
  whole.reasoning_tokens = w.reasoning_tokens;
  print_usage_line(out.run_id, "whole run (every invocation, cache hits included)", whole,
                   w.cost_usd, static_cast<size_t>(w.answers), w.latency_p50_s, w.latency_p90_s,
                   w.latency_p99_s, static_cast<size_t>(w.streamed), w.ttft_p50_s.value_or(0),
                   w.ttft_p90_s.value_or(0));
}

int do_run(const RunArgs& a, const CommonOptions& common, const std::string& command) {
  // Everything that can be wrong with the input is checked before the store is touched.
  std::optional<Shard> shard;
  if (!a.shard.empty()) shard = parse_shard(a.shard);
  std::vector<std::string> names = split_list(a.tasks);
  for (const auto& s : split_list(a.suites)) names.push_back(s);
  if (names.empty())
    throw InputError("no tasks given: use --tasks or --suite (see `yardstick tasks`)");
  TaskRegistry registry = load_registry(common);
  std::vector<const TaskSpec*> specs = registry.resolve(names);
  DataLocation where = default_data_location(a.data);
  std::error_code ec;
  size_t dataset_tasks = 0;
  for (const auto* spec : specs) dataset_tasks += spec->dataset ? 1 : 0;
  if (!a.data.empty() && std::filesystem::is_regular_file(a.data, ec) && dataset_tasks > 1) {
    throw InputError("--data " + a.data + " is a file but " + std::to_string(dataset_tasks) +
                     " tasks read datasets; give a folder, or run one task");
  }
  if (!a.data.empty() && !std::filesystem::exists(a.data, ec)) {
    throw InputError("--data " + a.data + ": no such file or folder");
  }
  // Tasks that run code start the sandbox here, before anything is stored (strict mode
  // refuses to start when the machine cannot isolate the network).
  ScoringResources resources({a.sandbox_mode == "strict", a.python});
  std::vector<EvalTask> tasks;
  tasks.reserve(specs.size());
  for (const auto* spec : specs) {
    TaskSpec s = *spec;
    if (a.fewshot) override_fewshot(s, *a.fewshot);
    apply_long_context_options(s, a.long_context);
    apply_generated_task_options(s, a.generated);
    if (!a.preset.empty()) apply_sampling_preset(s, a.preset);
    tasks.push_back(load_eval_task(s, where, resources));
  }

  RunnerOptions ro;
  if (!a.base_urls.empty()) {
    ro.base_url = a.base_urls.front();
    ro.extra_base_urls.assign(a.base_urls.begin() + 1, a.base_urls.end());
  }
  ro.requests_per_min = a.rpm;
  ro.tokens_per_min = a.tpm;
  ro.http.adaptive = !a.fixed_concurrency;
  ro.http.request_budget_s = a.request_timeout_s;
  ro.api_key_env = a.api_key_env;
  ro.thinking_budget = a.thinking_budget;
  ro.reasoning_effort = a.reasoning_effort;
  ro.http.max_in_flight = a.concurrency;
  ro.http.timeout_s = a.timeout_s;
  ro.stream = a.stream;
  ro.http.read_timeout_s = a.read_timeout_s;
  ro.http.retry.max_retries = a.max_retries;
  ro.http.retry.base_delay_s = a.retry_base_s;
  ro.seed = a.seed.value_or(0);
  ro.threads = a.threads;
  ro.ctx = a.ctx;
  ro.batch = a.batch;
  ro.device = a.device;
  // Remote models come from the model registry, read once (docs/MODELS.md).
  std::optional<ModelRegistry> models;
  std::map<std::string, std::optional<ModelPrice>> prices;
  std::vector<std::pair<std::string, std::unique_ptr<Runner>>> runners;
  for (const auto& m : split_list(a.models)) {
    if (m.rfind("mock:", 0) != 0 && m.rfind("local:", 0) != 0) {
      if (!models) models = ModelRegistry::load(ModelRegistry::default_files());
      ro.registry = &*models;
      if (auto entry = models->resolve(m)) prices[m] = entry->price;
    }
    runners.emplace_back(m, make_runner(m, ro));
  }
  for (const auto& [m, runner] : runners)
    check_context_lengths(tasks, token_counting_for(*runner, a.long_context), m);

  Store store(common.db);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  EvalOptions eo;
  eo.limit = a.limit;
  eo.repeats = a.repeats;
  eo.seed = a.seed;
  eo.concurrency = a.concurrency;
  eo.use_cache = !a.no_cache;
  eo.command = command;
  eo.interactive = isatty(STDERR_FILENO);
  eo.stop = &g_stop;
  eo.scoring_threads = a.scoring_threads;
  eo.long_context = a.long_context;
  eo.time_budget_s = a.time_budget_s;
  eo.shard = shard;

  std::vector<TaskResult> all;
  std::vector<std::string> effective;  // long-context summaries
  const bool any_long_context = std::any_of(
      tasks.begin(), tasks.end(), [](const EvalTask& t) { return t.task.long_context(); });
  int exit_code = kExitOk;
  bool failed = false;  // a run stopped: exit kExitRunFailed once every model ran
  for (size_t i = 0; i < runners.size(); ++i) {
    auto& [spec, runner] = runners[i];
    eo.model_spec = spec;
    eo.price = prices[spec];
    EvalOutcome out = run_evaluation(*runner, tasks, store, eo);
    print_usage(out);
    if (const std::string flow = runner->flow_summary(); !flow.empty()) {
      std::fprintf(stderr, "run %lld flow control: %s\n", static_cast<long long>(out.run_id),
                   flow.c_str());
    }
    std::fprintf(stderr,
                 "run %lld (%s): %s%s, %zu samples: %zu answered before, %zu from cache, "
                 "%zu requests sent, %zu errors, %s\n",
                 static_cast<long long>(out.run_id), spec.c_str(), out.status.c_str(),
                 out.resumed ? " (resumed)" : "", out.planned, out.already_done, out.cache_hits,
                 out.sent, out.errors, format_duration(out.wall_s).c_str());
    if (out.inline_reasoning > 0) {
      std::fprintf(stderr,
                   "run %lld: %zu answers began with inline reasoning (<think>), split off "
                   "before scoring; %zu never closed it and have no answer\n",
                   static_cast<long long>(out.run_id), out.inline_reasoning,
                   out.unclosed_reasoning);
    }
    if (out.errors > 0) {
      std::string kinds;
      for (const auto& [kind, n] : out.error_kinds) {
        kinds += (kinds.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
      }
      std::fprintf(stderr, "run %lld: errors by kind: %s; first: %s\n",
                   static_cast<long long>(out.run_id), kinds.c_str(), out.first_error.c_str());
    }
    if (out.budget_spent) {
      std::fprintf(stderr,
                   "run %lld stopped: time budget of %g s spent; what was answered is stored, "
                   "rerun the same command to send the rest\n",
                   static_cast<long long>(out.run_id), a.time_budget_s);
      if (exit_code != kExitIncomplete) exit_code = kExitBudgetSpent;
    }
    if (out.status == "incomplete" && out.unscored > 0) {
      std::fprintf(stderr,
                   "run %lld is incomplete: %s stored with errors and no score; "
                   "rerun the same command to send %s again\n",
                   static_cast<long long>(out.run_id),
                   count_of(out.unscored, "sample is", "samples are").c_str(),
                   out.unscored == 1 ? "it" : "them");
      exit_code = kExitIncomplete;
    }
    if (out.planned == 0) {
      const std::string why = shard ? "--shard " + a.shard + " holds none of these tasks' samples"
                                    : "the tasks have none, or --limit 0";
      std::fprintf(stderr, "run %lld: no sample to evaluate: %s\n",
                   static_cast<long long>(out.run_id), why.c_str());
    }
    for (auto& r : out.results) all.push_back(std::move(r));
    // Only runs with long-context tasks have one (the computation reads every sample).
    if (auto line = any_long_context
                        ? record_effective_context(common.db, out.run_id, a.long_context.threshold)
                        : std::string();
        !line.empty()) {
      effective.push_back(line);
    }
    if (out.status == "failed") {
      // The other models' runs still go ahead (one provider's outage says nothing of
      // another's); the exit code says a run failed.
      std::fprintf(stderr, "error: run %lld stopped: %s\n", static_cast<long long>(out.run_id),
                   out.failure.c_str());
      failed = true;
    }
    if (out.status == "interrupted") {
      std::string not_run;
      for (size_t j = i + 1; j < runners.size(); ++j) {
        not_run += (not_run.empty() ? "" : ", ") + runners[j].first;
      }
      std::fprintf(stderr, "interrupted: rerun the same command to resume run %lld%s%s\n",
                   static_cast<long long>(out.run_id), not_run.empty() ? "" : " and to run ",
                   not_run.c_str());
      std::cout << render_results_table(all);
      return kExitInterrupted;
    }
  }
  if (failed) {
    std::cout << render_results_table(all);
    return kExitRunFailed;
  }
  std::cout << render_results_table(all);
  for (const auto& line : effective) std::cout << line << "\n";
  std::fprintf(
      stderr,
      "\nStored in %s. Next: `yardstick report --db %s` writes an HTML report.\n"
      "To evaluate a real model: yardstick run --model openai:MODEL --base-url "
      "http://HOST:PORT/v1 --tasks %s (key from $OPENAI_API_KEY, if the server needs one)\n",
      common.db.c_str(), common.db.c_str(), names.front().c_str());
  return exit_code;
}

// ---- yardstick sandbox doctor -------------------------------------------------------------

int do_sandbox_doctor(bool strict) {
  sandbox::Protections p = sandbox::probe();
  std::cout << sandbox::describe(p, strict);
  if (strict && !p.network_isolated()) {
    std::fprintf(stderr, "error: strict mode would refuse to run code on this machine\n");
    return kExitRunFailed;
  }
  return kExitOk;
}

// ---- yardstick tasks / runs / report -----------------------------------------------------

// The dataset file(s) `spec` reads under `where`, or why there are none (and, for a
// dataset of the catalogue `cat`, which `data pull` fetches it).
std::string data_source(const TaskSpec& spec, const DataLocation& where, const Catalogue* cat) {
  if (spec.generator) return "generated (" + spec.generator->name + ")";
  try {
    auto files = resolve_data_files(spec.dataset->path, spec.name, where);
    std::string out = files.front().path.string();
    if (files.size() > 1) out += " (+" + std::to_string(files.size() - 1) + " files)";
    return out;
  } catch (const InputError&) {
    if (auto m = cat ? missing_data(*cat, spec.name, spec.dataset->path, where) : std::nullopt)
      return "missing: " + spec.dataset->path + " (" + m->brief + ")";
    return "missing: " + spec.dataset->path + " (see --data, $YARDSTICK_DATA)";
  }
}

int do_tasks(const CommonOptions& common, const std::string& data) {
  TaskRegistry registry = load_registry(common);
  DataLocation where = default_data_location(data);
  std::optional<Catalogue> cat;
  try {
    if (auto file = default_catalogue_file()) cat = load_catalogue(*file);
  } catch (const InputError& e) {
    std::fprintf(stderr, "warning: %s\n", e.what());
  }
  std::vector<std::vector<std::string>> rows = {{"task", "samples", "data", "description"}};
  for (const auto& [name, spec] : registry.tasks()) {
    std::string count;
    std::map<std::string, size_t> groups;  // a task grouped by file: samples per group
    try {
      const Task task = Task::load(spec, where);
      count = std::to_string(task.samples().size());
      if (spec.dataset && spec.dataset->group_by_file) {
        for (const auto& s : task.samples())
          ++groups[s.fields.value(spec.dataset->file_field, std::string())];
      }
    } catch (const InputError&) {
      count = "-";
    }
    rows.push_back(
        {name, count, data_source(spec, where, cat ? &*cat : nullptr), spec.description});
    for (const auto& [group, n] : groups)  // named as its figures are, e.g. bbh[navigate]
      rows.push_back({name + "[" + group + "]", std::to_string(n), "", "subtask of " + name});
  }
  std::cout << render_columns(rows) << "\n";
  std::vector<std::vector<std::string>> suites = {{"suite", "tasks", "description"}};
  for (const auto& s : registry.suites()) {
    std::string list;
    for (const auto& t : s.tasks) list += (list.empty() ? "" : ",") + t;
    suites.push_back({s.name, list, s.description});
  }
  std::cout << render_columns(suites);
  return kExitOk;
}

int do_runs(const CommonOptions& common) {
  if (!std::filesystem::exists(common.db)) throw InputError(common.db + ": no such store");
  StoreReader store(common.db);
  std::cout << render_runs_table(store);
  return kExitOk;
}

int do_report(const CommonOptions& common, const std::string& out_path, bool no_samples) {
  if (!std::filesystem::exists(common.db)) throw InputError(common.db + ": no such store");
  StoreReader store(common.db);
  ReportInfo info;
  info.generated_at = utc_now_iso();
  info.version = std::string(kVersion) + " (" + kGitDescribe + ")";
  info.include_samples = !no_samples;
  try {
    const TaskRegistry registry = load_registry(common);
    for (const auto& s : registry.suites()) info.suites.emplace_back(s.name, s.tasks);
  } catch (const InputError& e) {
    std::fprintf(stderr, "warning: no suite averages: %s\n", e.what());
  }
  std::filesystem::path out(out_path);
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  std::ofstream f(out, std::ios::binary);
  if (!f) throw InputError(out_path + ": cannot write the report");
  write_html_report(store, info, f);
  f.close();
  if (!f) throw InputError(out_path + ": cannot write the report");
  std::fprintf(stderr, "wrote %s\n", out_path.c_str());
  return kExitOk;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"yardstick: evaluate language models"};
  app.set_version_flag("--version", std::string(kVersion) + " (" + kGitDescribe + ")");
  app.require_subcommand(1);
  CommonOptions common;
  app.add_option("--db", common.db, "SQLite store")->capture_default_str();
  app.add_option("--specs", common.specs_dir,
                 "Task specs folder (default: tasks/specs, or $YARDSTICK_TASKS)");

  RunArgs run_args;
  add_run_command(app, run_args);
  std::string tasks_data;
  auto* tasks_cmd = app.add_subcommand("tasks", "List tasks and suites with their sample counts");
  tasks_cmd->add_option("--data", tasks_data, "Folder searched first for datasets");
  auto* runs_cmd = app.add_subcommand("runs", "List stored runs");
  std::string report_out = "results/report.html";
  auto* report_cmd = app.add_subcommand("report", "Write a self-contained HTML report");
  report_cmd->add_option("--out,-o", report_out, "Output file")->capture_default_str();
  bool report_no_samples = false;
  report_cmd->add_flag("--no-samples", report_no_samples,
                       "Leave the sample browser out (figures and charts only)");
  EngineArgs engine_args;
  auto* engine_cmd = add_engine_command(app, engine_args);
  LongctxArgs longctx_args;
  auto* longctx_cmd = add_longctx_command(app, longctx_args);
  ModelsArgs models_args;
  auto* models_cmd = add_models_command(app, models_args);
  DataArgs data_args;
  auto* data_cmd = add_data_command(app, data_args);
  auto* sandbox_cmd = app.add_subcommand("sandbox", "The code sandbox");
  sandbox_cmd->require_subcommand(1);
  bool doctor_strict = false;
  auto* doctor_cmd =
      sandbox_cmd->add_subcommand("doctor", "Print which protections are active here");
  doctor_cmd->add_flag("--strict", doctor_strict, "Fail unless strict mode could run code");
  CompareArgs compare_args;
  GateArgs gate_args;
  TagArgs tag_args;
  ExportArgs export_args;
  ShowArgs show_args;
  auto* compare_cmd = add_compare_command(app, compare_args);
  auto* gate_cmd = add_gate_command(app, gate_args);
  auto* tag_cmd = add_tag_command(app, tag_args);
  auto* export_cmd = add_export_command(app, export_args);
  auto* show_cmd = add_show_command(app, show_args);
  MergeArgs merge_args;
  auto* merge_cmd = add_merge_command(app, merge_args);
  for (auto* sub : {app.get_subcommand("run"), tasks_cmd, runs_cmd, report_cmd, compare_cmd,
                    gate_cmd, tag_cmd, export_cmd, show_cmd}) {
    sub->add_option("--db", common.db, "SQLite store")->capture_default_str();
    sub->add_option("--specs", common.specs_dir, "Task specs folder");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One line, like every other input error (scripts grep for "error: ").
    std::fprintf(stderr, "error: %s (see --help)\n", e.what());
    return kExitBadInput;
  }
  try {
    if (app.got_subcommand("run")) return do_run(run_args, common, command_line(argc, argv));
    if (app.got_subcommand(tasks_cmd)) return do_tasks(common, tasks_data);
    if (app.got_subcommand(runs_cmd)) return do_runs(common);
    if (app.got_subcommand(report_cmd)) return do_report(common, report_out, report_no_samples);
    if (app.got_subcommand(compare_cmd)) return run_compare_command(compare_args, common.db);
    if (app.got_subcommand(gate_cmd)) return run_gate_command(gate_args, common.db);
    if (app.got_subcommand(tag_cmd)) return run_tag_command(tag_args, common.db);
    if (app.got_subcommand(export_cmd)) return run_export_command(export_args, common.db);
    if (app.got_subcommand(show_cmd)) return run_show_command(show_args, common.db);
    if (app.got_subcommand(merge_cmd))
      return run_merge_command(merge_args, command_line(argc, argv));
    if (app.got_subcommand(sandbox_cmd)) return do_sandbox_doctor(doctor_strict);
    if (app.got_subcommand(engine_cmd)) return do_engine(engine_cmd, engine_args);
    if (app.got_subcommand(longctx_cmd)) return run_longctx_command(longctx_cmd, longctx_args);
    if (app.got_subcommand(models_cmd)) return run_models_command(models_args);
    if (app.got_subcommand(data_cmd)) return run_data_command(data_args);
  } catch (const InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitBadInput;
  } catch (const StoreError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitRunFailed;
  }
  return kExitOk;
}

}  // namespace ys
