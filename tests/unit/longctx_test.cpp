// The generated long-context tasks (tasks/longctx.h, docs/LONG_CONTEXT.md): determinism,
// needle depth in bytes and tokens, token budgets, distractors, the estimator's bound,
// oracle and truncated-context runs, the context check, effective length and report data,
// and a 1M-token prompt through the store's compact form.
#include "reports/longctx.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "harness/longctx.h"
#include "harness/store/effective_context.h"
#include "harness/store/reader.h"
#include "harness/store/store.h"
#include "runners/engine/format/gguf.h"
#include "runners/engine/format/tokenizer.h"
#include "runners/mock.h"
#include "tasks/longctx.h"
#include "tasks/registry.h"
#include "tasks/spec.h"
#include "tasks/task.h"
#include "tasks/token_estimate.h"
#include "tests/support/child.h"
#include "tests/support/test_paths.h"
#include "util/hash.h"

namespace ys {
namespace {

using test::ChildResult;
using test::ScratchDir;

nlohmann::json describe(const std::string& task, int64_t length, int64_t index = 0, int depth = -1,
                        uint64_t seed = 42) {
  return {{"generator", "longctx"},
          {"version", kLongContextVersion},
          {"task", task},
          {"seed", seed},
          {"index", index},
          {"context_length", length},
          {"depth", depth >= 0 ? nlohmann::json(depth) : nlohmann::json()}};
}

int64_t chars4(const std::string& text) {
  return static_cast<int64_t>((text.size() + 3) / 4);
}

nlohmann::json sized_chars4(const nlohmann::json& d, int64_t max_tokens = 128) {
  return size_prompt(d, chars4, {d["context_length"].get<int64_t>(), max_tokens, 0, "chars4"});
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

ChildResult yardstick(std::vector<std::string> args) {
  args.insert(args.begin(), test::yardstick_bin().string());
  return test::run_child(args);
}

// The stories260K tokenizer (SentencePiece, 512 tokens), for exact token counts.
class StoriesTokenizer {
 public:
  explicit StoriesTokenizer(const std::string& path) : file_(path), tok_(file_) {}
  int64_t count(const std::string& text) const {
    return static_cast<int64_t>(tok_.encode(text, false, false).size());
  }

 private:
  engine::GgufFile file_;
  engine::Tokenizer tok_;
};

TEST(LongContext, SameSeedSameBytesOtherSeedOthers) {
  for (const std::string& task : long_context_tasks()) {
    auto d = describe(task, 8192, 3, task == "niah" ? 30 : -1);
    auto a = sized_chars4(d), b = sized_chars4(d);
    EXPECT_EQ(a, b) << task;
    const std::string text = materialize_prompt(a).text;
    EXPECT_EQ(text, materialize_prompt(b).text) << task;
    EXPECT_EQ(hash_hex(text), a["hash"]) << task;
    auto other = describe(task, 8192, 3, task == "niah" ? 30 : -1, 43);
    other["size"] = a["size"];
    EXPECT_NE(materialize_prompt(other).text, text) << task;
  }
}

TEST(LongContext, StoredHashMismatchIsRefused) {
  auto d = sized_chars4(describe("niah_single_2", 4096));
  d["hash"] = "00000000000000000000000000000000";
  EXPECT_THROW(materialize_prompt(d), InputError);
  auto v = sized_chars4(describe("niah_single_2", 4096));
  v["version"] = kLongContextVersion + 1;
  EXPECT_THROW(materialize_prompt(v), InputError);
}

TEST(LongContext, NeedleAtTheAskedDepthInBytesAndTokens) {
  const auto path = test::shared_dir() / "models" / "stories260K.gguf";
  if (!test::require_shared(path)) return;
  StoriesTokenizer tok(path.string());
  for (int depth : grid_depths()) {
    auto d = sized_chars4(describe("niah", 16384, 0, depth), 300);
    GeneratedPrompt g = materialize_prompt(d);
    ASSERT_EQ(g.needle_offsets.size(), 1u);
    const std::string haystack = g.text.substr(g.haystack_begin, g.haystack_end - g.haystack_begin);
    const size_t at = g.needle_offsets[0] - g.haystack_begin;
    const double bytes = static_cast<double>(at) / static_cast<double>(haystack.size());
    // Within one sentence (under 200 bytes) of the asked depth.
    EXPECT_NEAR(bytes, depth / 100.0, 200.0 / static_cast<double>(haystack.size())) << depth;
    const double tokens = static_cast<double>(tok.count(haystack.substr(0, at))) /
                          static_cast<double>(tok.count(haystack));
    EXPECT_NEAR(tokens, depth / 100.0, 0.01) << depth;
    EXPECT_NEAR(d["needle_depths"][0].get<double>(), depth, 0.5) << depth;
    EXPECT_EQ(g.text.compare(g.needle_offsets[0], 26, "One of the special magic n"), 0);
  }
}

// A message given as text parts is counted as its text (text_of), by the mock models' rule
// and by the estimators alike; before, its parts were skipped and it counted as empty.
TEST(LongContext, TextPartsAreCountedAsTheirText) {
  const std::string text(400, 'x');
  Request plain;
  plain.messages = {{"system", "Answer briefly."}, {"user", text}};
  Request parts = plain;
  parts.messages[1] = {
      "user",
      "",
      {ContentPart::text_part(text.substr(0, 150)), ContentPart::text_part(text.substr(150))}};
  MockRunner mock(MockRunner::Behavior::kOracle, 1, 0);
  const TokenCounting chars4 = token_counting_for(mock, LongContextOptions{});
  EXPECT_GE(chars4.count(plain), 100);
  EXPECT_EQ(chars4.count(parts), chars4.count(plain));
  for (TokenFamily f : {TokenFamily::kSentencePiece, TokenFamily::kBytePairs}) {
    const TokenCounting estimate = estimator_counting(f);
    EXPECT_GT(estimate.count(plain), 50);
    EXPECT_EQ(estimate.count(parts), estimate.count(plain)) << token_family_name(f);
  }
}

TEST(LongContext, ExactTokenBudgetWithTheLocalTokenizer) {
  const auto path = test::shared_dir() / "models" / "stories260K.gguf";
  if (!test::require_shared(path)) return;
  StoriesTokenizer tok(path.string());
  auto count = [&](const std::string& t) { return tok.count(t); };
  for (const std::string& task : long_context_tasks()) {
    // 16K: cwe's solved example alone is over 4K tokens of this 512-token vocabulary.
    auto d = describe(task, 16384, 1, task == "niah" ? 70 : -1);
    auto sized = size_prompt(d, count, {16384, 128, 0, "stories"});
    const int64_t tokens = tok.count(materialize_prompt(sized).text);
    EXPECT_EQ(tokens, sized["prompt_tokens"].get<int64_t>()) << task;
    EXPECT_LE(tokens, 16384 - 128) << task;
    // The slack is below one size step: a sentence, line, document or 3 list entries.
    EXPECT_GE(tokens, 16384 - 128 - 120) << task;
  }
}

TEST(LongContext, EstimatorWithinItsBoundOnUnseenSamples) {
  const auto dir = test::shared_dir() / "testdata" / "tokenizer";
  const std::vector<std::pair<std::string, TokenFamily>> vocabs = {
      {"ggml-vocab-llama-spm.gguf", TokenFamily::kSentencePiece},
      {"ggml-vocab-phi-3.gguf", TokenFamily::kSentencePiece},
      {"ggml-vocab-gpt-2.gguf", TokenFamily::kBytePairs},
      {"ggml-vocab-mpt.gguf", TokenFamily::kBytePairs}};
  for (const auto& [name, family] : vocabs) {
    if (!test::require_shared(dir / name)) return;
    StoriesTokenizer tok((dir / name).string());
    for (const std::string& task : long_context_tasks()) {
      // Index 9: not among the calibration samples (indexes 0-2).
      for (int64_t length : {8192, 16384}) {
        auto g =
            materialize_prompt(sized_chars4(describe(task, length, 9, task == "niah" ? 20 : -1)));
        const double truth = static_cast<double>(tok.count(g.text));
        const double est = static_cast<double>(estimate_tokens(g.text, family)) *
                           estimator_calibration(family, task);
        EXPECT_LE(std::abs(est - truth) / truth, estimator_bound(family))
            << name << " " << task << " " << length;
      }
    }
  }
}

TEST(LongContext, DistractorsNeverEqualTheAnswer) {
  for (const std::string& task : long_context_tasks()) {
    if (task == "cwe" || task == "fwe") continue;  // no distractor facts: frequencies
    for (int64_t index = 0; index < 3; ++index) {
      auto g =
          materialize_prompt(sized_chars4(describe(task, 16384, index, task == "niah" ? 50 : -1)));
      ASSERT_FALSE(g.answers.empty());
      for (const auto& a : g.answers) {
        const std::string hay = g.text.substr(g.haystack_begin, g.haystack_end - g.haystack_begin);
        if (task == "vt") {
          // Each name is assigned exactly once, and only in the chain.
          EXPECT_EQ(occurrences(hay, "VAR " + a + " ="), 1u) << task << " " << a;
        } else {
          EXPECT_EQ(occurrences(hay, a), 1u) << task << " " << a;
        }
      }
    }
  }
  // The needle haystack: many lines of the needle's form, none with the asked key or value.
  auto g = materialize_prompt(sized_chars4(describe("niah_multikey_2", 16384)));
  EXPECT_GT(occurrences(g.text, "One of the special magic numbers for "), 300u);
}

TEST(LongContext, CountsFollowRulerAndContextLengthsParse) {
  auto cwe = materialize_prompt(sized_chars4(describe("cwe", 8192)));
  ASSERT_EQ(cwe.answers.size(), 10u);
  const std::string list =
      cwe.text.substr(cwe.haystack_begin, cwe.haystack_end - cwe.haystack_begin);
  for (const auto& w : cwe.answers) EXPECT_EQ(occurrences(list, ". " + w + " "), 30u) << w;
  auto fwe = materialize_prompt(sized_chars4(describe("fwe", 8192)));
  ASSERT_EQ(fwe.answers.size(), 3u);
  EXPECT_GT(occurrences(fwe.text, fwe.answers[0]), occurrences(fwe.text, fwe.answers[1]));
  EXPECT_GT(occurrences(fwe.text, fwe.answers[1]), occurrences(fwe.text, fwe.answers[2]));
  EXPECT_EQ(parse_context_lengths("4096, 8k,1M"), (std::vector<int64_t>{4096, 8192, 1048576}));
  EXPECT_THROW(parse_context_lengths("4q"), InputError);
}

TEST(LongContext, TooSmallAContextIsATypedError) {
  EXPECT_THROW(size_prompt(describe("niah_single_1", 160), chars4, {160, 128, 0, "chars4"}),
               ContextLengthError);
  EXPECT_NO_THROW(size_prompt(describe("niah_single_1", 512), chars4, {512, 128, 0, "chars4"}));
}

TEST(LongContext, MillionTokenPromptRoundTripsThroughTheStore) {
  ScratchDir dir;
  auto sized = sized_chars4(describe("niah", 1048576, 0, 40), 300);
  const std::string text = materialize_prompt(sized).text;
  ASSERT_GE(chars4(text), 1048576 - 300 - 64);
  {
    Store store(dir / "y.db");
    RunRecord run;
    run.fingerprint = "f";
    run.model = "mock:oracle";
    const int64_t id = store.create_run(run);
    SampleRecord row;
    row.run_id = id;
    row.task = "niah";
    row.sample_id = "1048576/d40/0";
    row.request = {{"messages", {{{"role", "user"}, {"content", {{"generated", sized}}}}}}};
    row.reference = "x";
    store.write(row);
    store.flush();
  }
  EXPECT_LT(test::query_number(dir / "y.db", "SELECT max(length(request)) FROM samples"), 2000);
  StoreReader reader(dir / "y.db");
  auto samples = reader.samples(1);
  ASSERT_EQ(samples.size(), 1u);
  auto expanded = expand_generated(samples[0].request);
  EXPECT_EQ(expanded["messages"][0]["content"].get<std::string>(), text);
}

TEST(LongContext, SpecOptionsAreChecked) {
  GeneratorSpec g;
  g.name = "longctx";
  g.count = 1;
  g.options = {{"task", "niah_single_1"}, {"lenghts", {4096}}};
  EXPECT_THROW(describe_samples(g), InputError);
  g.options = {{"task", "nosuch"}};
  EXPECT_THROW(describe_samples(g), InputError);
  g.options = {{"task", "niah_multikey_2"}, {"haystack", "essay"}};
  EXPECT_THROW(describe_samples(g), InputError);
  g.options = {{"task", "niah"}, {"context_lengths", {"4k", 8192}}, {"depths", {0, 100}}};
  auto samples = describe_samples(g);
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_EQ(samples[1]["context_length"], 4096);
  EXPECT_EQ(samples[1]["depth"], 100);
  EXPECT_EQ(samples[2]["context_length"], 8192);
}

class LongContextRun : public ::testing::Test {
 protected:
  std::string db() const { return (dir_ / "y.db").string(); }
  ScratchDir dir_;
};

TEST_F(LongContextRun, OracleScoresEverythingAndEffectiveLengthIsTheLongest) {
  ChildResult r = yardstick({"run", "-m", "mock:oracle", "-s", "ruler", "--context-lengths",
                             "4k,8k", "--limit", "4", "--db", db()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StoreReader reader(db());
  auto results = reader.task_results(1);
  ASSERT_EQ(results.size(), 12u);
  for (const auto& t : results) {
    EXPECT_EQ(t.samples, 4u) << t.task;
    EXPECT_DOUBLE_EQ(t.metrics.at(0).mean, 1.0) << t.task;
  }
  auto e = read_effective_context(db(), 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->effective_length, 8192);
  EXPECT_EQ(e->per_length.size(), 2u);
  EXPECT_EQ(e->tasks.size(), 12u);
  EXPECT_NE(r.out.find("effective context length (suite average > 85.6): 8192"), std::string::npos)
      << r.out;
  // Rows hold the description, not the prompt.
  EXPECT_LT(test::query_number(db(), "SELECT max(length(request)) FROM samples"), 2000);
}

TEST_F(LongContextRun, ShowPrintsTheRebuiltPromptAndExportsKeepTheDescription) {
  ChildResult r = yardstick({"run", "-m", "mock:oracle", "-t", "niah_single_1", "--context-lengths",
                             "4k", "--limit", "1", "--db", db()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StoredSample s = StoreReader(db()).samples(1).at(0);
  const nlohmann::json& d = s.request["messages"].back()["content"]["generated"];
  const std::string prompt = materialize_prompt(d).text;
  ASSERT_GT(prompt.size(), 8000u);

  ChildResult show = yardstick({"show", "1", s.sample_id, "--db", db()});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find(prompt), std::string::npos);           // the whole prompt, as sent
  EXPECT_EQ(show.out.find("\"generated\""), std::string::npos);  // not the description

  for (const char* format : {"csv", "jsonl"}) {  // exports stay compact: the description
    ChildResult e = yardstick({"export", "1", "--format", format, "--db", db()});
    ASSERT_EQ(e.exit_code, 0) << format << ": " << e.err;
    EXPECT_NE(e.out.find("generated"), std::string::npos) << format;
    EXPECT_LT(e.out.size(), 4000u) << format;
  }
}

TEST_F(LongContextRun, HalfContextModelScoresAsPredictedByDepth) {
  ChildResult r = yardstick({"run", "-m", "mock:truncate:0.5", "-t", "niah", "--context-lengths",
                             "4k,16k", "--db", db(), "--effective-threshold", "40"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StoreReader reader(db());
  auto samples = reader.samples(1, "niah");
  ASSERT_EQ(samples.size(), 22u);
  for (const auto& s : samples) {
    // Predicted from the regenerated prompt: found iff the needle's value (which ends at
    // the needle's period) lies in the first half of what the model sees (system prompt,
    // blank line, user message).
    const auto& d = s.request["messages"][1]["content"]["generated"];
    GeneratedPrompt g = materialize_prompt(d);
    const std::string system = s.request["messages"][0]["content"].get<std::string>();
    const size_t seen = (system.size() + 2 + g.text.size()) / 2;
    const size_t value_end =
        system.size() + 2 + g.needle_offsets[0] + g.text.substr(g.needle_offsets[0]).find('.');
    const double predicted = value_end <= seen ? 1.0 : 0.0;
    EXPECT_EQ(s.scores.at("needle_found"), predicted) << s.sample_id;
    const int depth = d["depth"].get<int>();
    if (depth <= 40) {
      EXPECT_EQ(predicted, 1.0) << s.sample_id;
    }
    if (depth >= 60) {
      EXPECT_EQ(predicted, 0.0) << s.sample_id;
    }
  }
  // The report data: one matrix, depths x lengths, holding the same cells.
  auto matrices = depth_length_matrices(reader, 1);
  ASSERT_EQ(matrices.size(), 1u);
  const auto& m = matrices[0];
  EXPECT_EQ(m.task, "niah");
  EXPECT_EQ(m.depths, grid_depths());
  EXPECT_EQ(m.context_lengths, (std::vector<int64_t>{4096, 16384}));
  EXPECT_EQ(m.score[0][0], 1.0);   // depth 0
  EXPECT_EQ(m.score[10][1], 0.0);  // depth 100
  EXPECT_GT(m.cells[0].prompt_tokens, 3500);
  // Half the depths are seen at each length: 6/11 > 40%, so both lengths pass.
  auto e = read_effective_context(db(), 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->effective_length, 16384);
}

TEST_F(LongContextRun, LongerThanTheModelIsRefusedBeforeAnyRequest) {
  ChildResult r = yardstick({"run", "-m", "mock:oracle", "-t", "niah_single_1", "--context-lengths",
                             "4k,16k", "--max-context", "8192", "--db", db()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("16384 tokens is longer than the 8192 tokens of model mock:oracle"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(LongContextRun, LocalModelContextFromTheEngineAndExactCounts) {
  const auto model = test::shared_dir() / "models" / "stories260K.gguf";
  if (!test::require_shared(model)) return;
  const std::string spec = "local:" + model.string();
  // The default context of stories260K is its training context, 512 tokens.
  ChildResult refused = yardstick({"run", "-m", spec, "-t", "niah_single_1", "--context-lengths",
                                   "1024", "--limit", "1", "--db", db()});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("longer than the 512 tokens"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(db()));
  ChildResult r = yardstick({"run", "-m", spec, "--ctx", "1024", "-t", "niah_single_1",
                             "--context-lengths", "1024", "--limit", "1", "--db", db()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  StoreReader reader(db());
  auto samples = reader.samples(1);
  ASSERT_EQ(samples.size(), 1u);
  const auto& d = samples[0].request["messages"][0]["content"]["generated"];
  // The engine's own count of the prompt it evaluated is the one the prompt was sized by.
  EXPECT_EQ(samples[0].completion.usage.prompt_tokens, d["prompt_tokens"].get<int64_t>());
  EXPECT_LE(d["prompt_tokens"].get<int64_t>(), 1024 - 128);
  EXPECT_GE(d["prompt_tokens"].get<int64_t>(), 1024 - 128 - 60);
}

TEST(LongContextSpecs, EveryTaskIsListedWithItsMetric) {
  TaskRegistry reg = TaskRegistry::load(default_specs_dir());
  for (const std::string& task : long_context_tasks()) {
    ASSERT_TRUE(reg.tasks().count(task)) << task;
    const TaskSpec& spec = reg.tasks().at(task);
    EXPECT_EQ(spec.metrics.at(0).kind, "contains_fraction") << task;
    Task t = Task::load(spec, default_data_location(""));
    EXPECT_TRUE(t.long_context());
    EXPECT_FALSE(t.samples().empty());
  }
}

}  // namespace
}  // namespace ys
