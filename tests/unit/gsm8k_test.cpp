// GSM8K as lm-evaluation-harness renders and scores it (tasks/specs/gsm8k.yaml).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "scoring/scorer.h"
#include "tasks/registry.h"
#include "tasks/task.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

Task load_gsm8k(const std::string& name = "gsm8k") {
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  DataLocation where;
  where.roots = {test::shared_dir() / "datasets"};
  return Task::load(reg.tasks().at(name), where);
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// The whole prompt (one user message: lm-eval's context without a chat template).
std::string prompt_of(const Task& t, size_t index) {
  Request r = t.build_request(index, 0);
  EXPECT_EQ(r.messages.size(), 1u);
  return r.messages.at(0).content;
}

// The upstream prompts of the first two test documents, written out from lm-eval's rules
// (lm_eval/api/task.py fewshot_context and build_qa_turn at 4e7e0d47): for each example
// doc_to_text "Question: {{question}}\nAnswer:", target_delimiter " ", doc_to_target
// "{{answer}}", fewshot_delimiter "\n\n"; then the document's doc_to_text with nothing
// after it. The examples are train records 6374, 3610, 957, 61, 742 for document 0 and
// 7462, 6610, 4769, 286, 5501 for document 1: the first two calls of
// random.Random(1234).sample(train, 5) in CPython 3.11.
const char* const kPrompt0 =
    R"PROMPT(Question: Jen and Tyler are gymnasts practicing flips. Jen is practicing the triple-flip while Tyler is practicing the double-flip. Jen did sixteen triple-flips during practice. Tyler flipped in the air half the number of times Jen did. How many double-flips did Tyler do?
Answer: Jen did 16 triple-flips, so she did 16 * 3 = <<16*3=48>>48 flips.
Tyler did half the number of flips, so he did 48 / 2 = <<48/2=24>>24 flips.
A double flip has two flips, so Tyler did 24 / 2 = <<24/2=12>>12 double-flips.
#### 12

Question: Four people in a law firm are planning a party. Mary will buy a platter of pasta for $20 and a loaf of bread for $2. Elle and Andrea will split the cost for buying 4 cans of soda which cost $1.50 each, and chicken wings for $10. Joe will buy a cake that costs $5. How much more will Mary spend than the rest of the firm put together?
Answer: Mary will spend $20 + $2 = $<<20+2=22>>22.
Elle and Andrea will spend $1.5 x 4 = $<<1.5*4=6>>6 for the soda.
Elle and Andrea will spend $6 + $10 = $<<6+10=16>>16 for the soda and chicken wings.
Elle, Andrea, and Joe together will spend $16 + $5 = $<<16+5=21>>21.
So, Mary will spend $22 - $21 = $<<22-21=1>>1 more than all of them combined.
#### 1

Question: A charcoal grill burns fifteen coals to ash every twenty minutes of grilling. The grill ran for long enough to burn three bags of coals. Each bag of coal contains 60 coals. How long did the grill run?
Answer: The grill burned 3 * 60 = <<3*60=180>>180 coals.
It takes 20 minutes to burn 15 coals, so the grill ran for 180 / 15 * 20 = <<180/15*20=240>>240 minutes.
#### 240

Question: A bear is preparing to hibernate for the winter and needs to gain 1000 pounds. At the end of summer, the bear feasts on berries and small woodland animals. During autumn, it devours acorns and salmon. It gained a fifth of the weight it needed from berries during summer, and during autumn, it gained twice that amount from acorns. Salmon made up half of the remaining weight it had needed to gain. How many pounds did it gain eating small animals?
Answer: The bear gained 1 / 5 * 1000 = <<1/5*1000=200>>200 pounds from berries.
It gained 2 * 200 = <<2*200=400>>400 pounds from acorns.
It still needed 1000 - 200 - 400 = <<1000-200-400=400>>400 pounds.
Thus, it gained 400 / 2 = <<400/2=200>>200 pounds from salmon.
Therefore, the bear gained 400 - 200 = <<400-200=200>>200 pounds from small animals.
#### 200

Question: Brendan can cut 8 yards of grass per day, he bought a lawnmower and it helped him to cut more yards by Fifty percent per day. How many yards will Brendan be able to cut after a week?
Answer: The additional yard Brendan can cut after buying the lawnmower is 8 x 0.50 = <<8*0.50=4>>4 yards.
So, the total yards he can cut with the lawnmower is 8 + 4 = <<8+4=12>>12.
Therefore, the total number of yards he can cut in a week is 12 x 7 = <<12*7=84>>84 yards.
#### 84

Question: Janet’s ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four. She sells the remainder at the farmers' market daily for $2 per fresh duck egg. How much in dollars does she make every day at the farmers' market?
Answer:)PROMPT";

const char* const kPrompt1 =
    R"PROMPT(Question: Steve finds 100 gold bars while visiting Oregon. He wants to distribute his gold bars evenly to his 4 friends. If 20 gold bars were lost on the way back to San Diego, how many gold bars will each of his 4 friends get when he returns?
Answer: He only has 100 - 20 = <<100-20=80>>80 gold bars after losing 20 of them.
He then gives each of his friends 80 ÷ 4 = <<80/4=20>>20 gold bars.
#### 20

Question: In a week, Mortdecai collects 8 dozen  eggs every Tuesday and Thursday, and he delivers 3 dozen  eggs to the market and 5 dozen eggs to the mall. He then uses 4 dozen eggs to make a pie every Saturday. Mortdecai donates the remaining eggs to the charity by Sunday. How many  eggs does he donate to the charity?
Answer: Mortdecai collects a total of 8x2 = <<8*2=16>>16 dozens of eggs.
He sells a total of 3 + 5 = <<3+5=8>>8 dozens of eggs.
So, 16 - 8 = <<16-8=8>>8 dozens of eggs are left.
After using 4 dozens of eggs to make a pie, 8 - 4 = <<8-4=4>>4 dozens of eggs are left.
Since there are 12 in 1 dozen, then Mortdecai donates 4 x 12 = <<4*12=48>>48 pieces of eggs to the charity.
#### 48

Question: Corey downloaded two movie series from his Netflix account with 12 and 14 seasons per series, respectively. However, in the week, his computer got a mechanical failure, and he lost two episodes from each season for both series. If each season in the movie series that Corey downloaded had 16 episodes, how many episodes remained after the computer's mechanical failure?
Answer: In the first movie series with 12 seasons, after the mechanical failure, the number of episodes that Corey lost is 2*12 = <<2*12=24>>24
Originally, the movie series with 12 seasons had 12*16 = <<12*16=192>>192 episodes.
After the mechanical failure, Corey had 192-24 = <<192-24=168>>168 episodes remaining in the first movie series.
Similarly, the 14 season movie series also had 14*2 = <<14*2=28>>28 lost after the computer's mechanical failure.
Originally, the movie series with 14 seasons has 14*16 = <<14*16=224>>224 episodes.
The mechanical failure of the computer reduced the number of episodes in the 14 season movie series to 224-28 = <<224-28=196>>196
After the loss, Corey had 196+168 = <<196+168=364>>364 episodes remaining from the two movie series he had downloaded.
#### 364

Question: There were 18 students assigned in a minibus for a field trip. Eight of these students were boys. On the day of the field trip, the number of girls and boys was the same since some of the girls were not able to join the trip. How many girls were not able to join the field trip?
Answer: 8 boys + 8 girls = <<8+8=16>>16 students joined the field trip.
Thus, 18 - 16 = <<18-16=2>>2 girls were not able to join the field trip.
#### 2

Question: There are 200 more red apples than green apples in a grocery store. A truck arrives and delivers another 340 green apples. If there were originally 32 green apples, how many more green apples than red apples are there in the store now?
Answer: There are 200 + 32 = <<200+32=232>>232 red apples.
After the delivery there are 340 + 32 = <<340+32=372>>372 green apples
There are now 372 - 232 = <<372-232=140>>140 more green apples than red apples now.
#### 140

Question: A robe takes 2 bolts of blue fiber and half that much white fiber.  How many bolts in total does it take?
Answer:)PROMPT";

TEST(Gsm8kUpstream, FirstTwoPromptsAreByteIdenticalToTheUpstreams) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k/train.jsonl")) GTEST_SKIP();
  Task t = load_gsm8k();
  EXPECT_EQ(prompt_of(t, 0), kPrompt0);
  EXPECT_EQ(prompt_of(t, 1), kPrompt1);
}

TEST(Gsm8kUpstream, FirstFivePromptsFollowTheUpstreamRule) {
  const auto dir = test::shared_dir() / "datasets/gsm8k";
  if (!test::require_shared(dir / "train.jsonl")) GTEST_SKIP();
  const auto train = read_jsonl(dir / "train.jsonl");
  const auto tests = read_jsonl(dir / "test.jsonl");
  ASSERT_EQ(train.size(), 7473u);
  ASSERT_EQ(tests.size(), 1319u);
  // [r.sample(range(7473), 5) for _ in range(5)] with r = random.Random(1234), CPython 3.11.
  const std::vector<std::vector<size_t>> picks = {{6374, 3610, 957, 61, 742},
                                                  {7462, 6610, 4769, 286, 5501},
                                                  {5677, 687, 806, 6279, 2905},
                                                  {1939, 142, 252, 6461, 129},
                                                  {2835, 5311, 5105, 3966, 5044}};
  Task t = load_gsm8k();
  for (size_t doc = 0; doc < picks.size(); ++doc) {
    std::string want;
    for (size_t i : picks[doc]) {
      want += "Question: " + train[i]["question"].get<std::string>() + "\nAnswer:" + " " +
              train[i]["answer"].get<std::string>() + "\n\n";
    }
    want += "Question: " + tests[doc]["question"].get<std::string>() + "\nAnswer:";
    EXPECT_EQ(prompt_of(t, doc), want) << "document " << doc;
  }
}

TEST(Gsm8kUpstream, OracleScoresOneOnEveryMetric) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k/train.jsonl")) GTEST_SKIP();
  Task t = load_gsm8k();
  ASSERT_EQ(t.samples().size(), 1319u);
  ScorerSet scorers = make_scorers(t.spec().metrics, nullptr);
  for (size_t i = 0; i < t.samples().size(); ++i) {
    Completion oracle;
    oracle.text = t.build_request(i, 0).oracle_text;
    for (const Score& s : scorers.score(t.samples()[i], oracle)) {
      ASSERT_EQ(s.value, 1.0) << i << " " << s.metric << ": " << s.reason;
    }
  }
}

// Upstream's exact_match compares strings: "160.0" is not "160"; numeric_match compares
// values. A reply that matches nothing is "[invalid]".
TEST(Gsm8kUpstream, ExactMatchIsUpstreamsAndNumericMatchComparesValues) {
  if (!test::require_shared(test::shared_dir() / "datasets/gsm8k/train.jsonl")) GTEST_SKIP();
  Task t = load_gsm8k();
  const Sample& janet = t.samples().at(0);  // reference 18
  ScorerSet scorers = make_scorers(t.spec().metrics, nullptr);
  auto scores = [&](const std::string& text) {
    Completion c;
    c.text = text;
    std::map<std::string, double> out;
    for (const Score& s : scorers.score(janet, c)) out[s.metric] = s.value;
    return out;
  };
  using M = std::map<std::string, double>;
  EXPECT_EQ(scores("She makes $18.00 a day.\n#### 18.00"), (M{{"exact_match/strict", 0},
                                                              {"exact_match/flexible", 0},
                                                              {"numeric_match/strict", 1},
                                                              {"numeric_match/flexible", 1}}));
  EXPECT_EQ(scores("So $18.\n#### $18"),  // strict needs a digit right after "#### "
            (M{{"exact_match/strict", 0},
               {"exact_match/flexible", 1},
               {"numeric_match/strict", 0},
               {"numeric_match/flexible", 1}}));
  EXPECT_EQ(scores("#### 18."),  // the trailing period goes on both sides
            (M{{"exact_match/strict", 1},
               {"exact_match/flexible", 1},
               {"numeric_match/strict", 1},
               {"numeric_match/flexible", 1}}));
  Completion none;
  none.text = "I do not know";
  auto s = scorers.score(janet, none);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].extracted, "[invalid]");
  EXPECT_EQ(s[0].value, 0.0);
}

}  // namespace
}  // namespace ys

namespace ys {
namespace {

TEST(SamplingPreset, R1SetsDeepSeekR1SamplingAndChangesTheHash) {
  TaskRegistry reg = TaskRegistry::load(std::filesystem::path(YS_SOURCE_DIR) / "tasks/specs");
  TaskSpec spec = reg.tasks().at("gsm8k");
  const std::string before = spec.content_hash;
  apply_sampling_preset(spec, "r1");
  EXPECT_EQ(spec.generation.temperature, 0.6);
  EXPECT_EQ(spec.generation.top_p, 0.95);
  EXPECT_EQ(spec.generation.max_tokens, 32768);
  EXPECT_NE(spec.content_hash, before);
  apply_sampling_preset(spec, "greedy");
  EXPECT_EQ(spec.generation.temperature, 0.0);
  EXPECT_FALSE(spec.generation.top_p.has_value());
  EXPECT_THROW(apply_sampling_preset(spec, "hot"), InputError);
}

}  // namespace
}  // namespace ys
