#include "runners/mock.h"

#include <gtest/gtest.h>

#include <future>

#include "runners/factory.h"
#include "util/error.h"

namespace ys {
namespace {

Request request(int i) {
  Request r;
  r.messages = {{"user", "question " + std::to_string(i)}};
  r.oracle_text = "#### " + std::to_string(i);
  return r;
}

TEST(Mock, OracleAndWrong) {
  MockRunner oracle(MockRunner::Behavior::kOracle, 1, 0), wrong(MockRunner::Behavior::kWrong, 0, 0);
  EXPECT_EQ(oracle.answer(request(3)), "#### 3");
  EXPECT_EQ(wrong.answer(request(3)).find("3"), std::string::npos);
}

TEST(Mock, NoisyIsDeterministicAndNearP) {
  MockRunner noisy(MockRunner::Behavior::kNoisy, 0.3, 42),
      again(MockRunner::Behavior::kNoisy, 0.3, 42);
  int right = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string a = noisy.answer(request(i));
    EXPECT_EQ(a, again.answer(request(i)));
    right += a == request(i).oracle_text;
  }
  EXPECT_NEAR(right / 4000.0, 0.3, 0.03);
}

TEST(Mock, SubmitAnswersAsynchronously) {
  auto runner = make_runner("mock:oracle", {});
  std::promise<Completion> done;
  runner->submit(request(9), [&](Completion c) { done.set_value(std::move(c)); });
  Completion c = done.get_future().get();
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.text, "#### 9");
  EXPECT_GT(c.usage.prompt_tokens, 0);
}

TEST(Factory, RejectsUnknownAndMalformedSpecs) {
  EXPECT_THROW(make_runner("gpt4", {}), InputError);
  EXPECT_THROW(make_runner("foo:bar", {}), InputError);
  EXPECT_THROW(make_runner("mock:noisy:1.5", {}), InputError);
  EXPECT_THROW(make_runner("mock:noisy:x", {}), InputError);
  EXPECT_THROW(make_runner("openai:", {}), InputError);
  EXPECT_EQ(make_runner("mock:noisy:0.25", {})->identity(), "mock:noisy:0.25");
}

TEST(Factory, OfficialEndpointNeedsAKey) {
  RunnerOptions o;
  o.api_key_env = "YS_TEST_SURELY_UNSET_KEY";
  try {
    make_runner("openai:gpt-4o-mini", o);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("YS_TEST_SURELY_UNSET_KEY"), std::string::npos);
  }
  o.base_url = "http://127.0.0.1:9/v1";  // a local server needs none
  EXPECT_NO_THROW(make_runner("openai:local", o));
}

}  // namespace
}  // namespace ys
