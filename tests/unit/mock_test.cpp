#include "runners/mock.h"

#include <gtest/gtest.h>

#include <future>

#include "runners/factory.h"
#include "util/error.h"
#include "util/hash.h"

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

// The noisy model's seed changes which requests it answers rightly, so it is in the
// identity (the cache key); so is P, exactly. The deterministic models ignore the seed.
TEST(Mock, IdentityHoldsWhatChangesAnswers) {
  using B = MockRunner::Behavior;
  MockRunner a(B::kNoisy, 0.5, 1), b(B::kNoisy, 0.5, 2);
  int differ = 0;
  for (int i = 0; i < 200; ++i) differ += a.answer(request(i)) != b.answer(request(i));
  ASSERT_GT(differ, 0);
  EXPECT_NE(a.identity(), b.identity());
  EXPECT_NE(cache_key(request(0), a.identity()), cache_key(request(0), b.identity()));
  EXPECT_EQ(a.identity(), MockRunner(B::kNoisy, 0.5, 1).identity());
  EXPECT_EQ(MockRunner(B::kNoisy, 0.5, 0).identity(), "mock:noisy:0.5");
  EXPECT_NE(MockRunner(B::kNoisy, 0.1234567, 0).identity(),
            MockRunner(B::kNoisy, 0.12345671, 0).identity());
  EXPECT_EQ(MockRunner(B::kNoisy, 0.1, 0).identity(), "mock:noisy:0.1");
  EXPECT_EQ(MockRunner(B::kOracle, 1, 7).identity(), "mock:oracle");
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

Completion submitted(Runner& runner, const Request& r) {
  std::promise<Completion> done;
  runner.submit(r, [&](Completion c) { done.set_value(std::move(c)); });
  return done.get_future().get();
}

// A message made of text parts is read as its text (text_of), as a plain one is; one
// holding an image is refused (the mocks read text only) with a typed error naming the
// request, never answered as if its prompt were empty.
TEST(Mock, ReadsTextPartsAndRefusesImagesNamingTheRequest) {
  auto truncate = make_runner("mock:truncate:1", {});
  Request parts;
  parts.messages = {
      {"user",
       "",
       {ContentPart::text_part("first line\n"), ContentPart::text_part("second line")}}};
  parts.oracle_text = "first line\nsecond line";
  Request plain = parts;
  plain.messages[0] = {"user", "first line\nsecond line"};
  const Completion from_parts = submitted(*truncate, parts);
  ASSERT_TRUE(from_parts.ok()) << from_parts.error_message;
  EXPECT_EQ(from_parts.text, "first line\nsecond line");  // the whole prompt was seen
  EXPECT_EQ(from_parts.usage.prompt_tokens, submitted(*truncate, plain).usage.prompt_tokens);

  auto oracle = make_runner("mock:oracle", {});
  Request image = request(4);
  image.messages.push_back(
      {"user",
       "",
       {ContentPart::text_part("What is shown?"), ContentPart::image("PNG", "image/png")}});
  const Completion c = submitted(*oracle, image);
  EXPECT_EQ(c.error, ErrorKind::kInvalid);
  EXPECT_TRUE(c.text.empty());
  const std::string id = hash_hex(canonical_json(image).dump()).substr(0, 12);
  EXPECT_NE(c.error_message.find("request " + id), std::string::npos) << c.error_message;
  EXPECT_NE(c.error_message.find("message 2 (user) holds 1 image part"), std::string::npos)
      << c.error_message;
  EXPECT_NE(c.error_message.find("mock:oracle reads text only"), std::string::npos)
      << c.error_message;
  EXPECT_TRUE(submitted(*oracle, request(4)).ok());  // the same runner goes on answering
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
