// The model registry: the bundled models.yaml, a user file extending it, errors naming
// FILE:LINE, and the runners it builds (docs/MODELS.md).
#include "runners/registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <fstream>

#include "runners/anthropic.h"
#include "runners/factory.h"
#include "runners/http_pool.h"
#include "runners/openai.h"
#include "tests/support/test_paths.h"
#include "util/error.h"

namespace ys {
namespace {

std::filesystem::path bundled() {
  return std::filesystem::path(YS_SOURCE_DIR) / "runners" / "models.yaml";
}

TEST(ModelRegistry, BundledFileHasThePresetsAndReasoningModelsRefuseTemperature) {
  ModelRegistry r = ModelRegistry::load({bundled()});
  const std::tuple<const char*, const char*, const char*, bool> presets[] = {
      {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", true},
      {"anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY", true},
      {"deepseek", "https://api.deepseek.com", "DEEPSEEK_API_KEY", true},
      {"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", true},
      {"together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", true},
      {"vllm", "http://127.0.0.1:8000/v1", "VLLM_API_KEY", false},
      {"sglang", "http://127.0.0.1:30000/v1", "SGLANG_API_KEY", false},
      {"llamacpp", "http://127.0.0.1:8080/v1", "LLAMA_API_KEY", false}};
  for (const auto& [name, url, key, required] : presets) {
    const ProviderEntry* p = r.provider(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->base_url, url);
    EXPECT_EQ(p->key_env, key);
    EXPECT_EQ(p->key_required, required) << name;
  }
  EXPECT_EQ(r.provider("anthropic")->api, "anthropic");
  for (const char* alias : {"o3", "o4-mini", "gpt-5", "gpt-5-mini", "deepseek-reasoner"}) {
    auto m = r.resolve(alias);
    ASSERT_TRUE(m && m->accepts) << alias;
    EXPECT_EQ(std::count(m->accepts->begin(), m->accepts->end(), "temperature"), 0) << alias;
  }
  for (const auto& [alias, m] : r.models()) {
    ASSERT_TRUE(m.price.has_value()) << alias;
    EXPECT_GT(m.price->output, 0) << alias;
    EXPECT_LE(m.price->cached_input, m.price->input) << alias;
    EXPECT_GT(m.limits.context, 0) << alias;
  }
}

// Every bundled price says where and when it was checked, and whether the provider's
// page confirmed it (docs/MODELS.md, "Prices"); a user file may leave the provenance out.
TEST(ModelRegistry, EveryBundledPriceNamesItsSourceDateAndWhetherItWasConfirmed) {
  ModelRegistry r = ModelRegistry::load({bundled()});
  for (const auto& [alias, m] : r.models()) {
    ASSERT_TRUE(m.price) << alias;
    const PriceSource& source = m.price_source;
    EXPECT_EQ(source.url.rfind("https://", 0), 0u) << alias << ": " << source.url;
    ASSERT_EQ(source.read.size(), 10u) << alias;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(source.read[0])) && source.read[4] == '-' &&
                source.read[7] == '-')
        << alias << ": " << source.read;
  }
  EXPECT_TRUE(r.resolve("claude-opus-4-5")->price_source.confirmed);
  EXPECT_EQ(r.resolve("claude-opus-4-5")->price->cached_input, 0.50);
  for (const char* alias : {"gpt-5", "deepseek-chat", "claude-haiku-4-5"}) {
    EXPECT_FALSE(r.resolve(alias)->price_source.confirmed) << alias;
  }

  test::ScratchDir dir;
  test::write_file(dir / "mine.yaml",
                   "models:\n  m:\n    provider: openai\n    price: {input: 1, output: 2}\n");
  const auto mine = ModelRegistry::load({bundled(), dir / "mine.yaml"}).resolve("m");
  ASSERT_TRUE(mine && mine->price);
  EXPECT_TRUE(mine->price_source.confirmed);
  EXPECT_EQ(mine->price_source.url, "");
  test::write_file(
      dir / "bad.yaml",
      "models:\n  m:\n    provider: openai\n    price: {input: 1, confirmed: maybe}\n");
  try {
    ModelRegistry::load({bundled(), dir / "bad.yaml"});
    ADD_FAILURE() << "accepted confirmed: maybe";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:4: 'confirmed' has the wrong type"),
              std::string::npos)
        << e.what();
  }
}

TEST(ModelRegistry, AUserFileExtendsAndReplacesAndProviderIdFindsTheAlias) {
  test::ScratchDir dir;
  test::write_file(dir / "mine.yaml", R"(providers:
  lab: {api: openai, base_url: "http://10.0.0.5:8000/v1", key_env: LAB_KEY}
models:
  qwen:
    provider: lab
    id: Qwen/Qwen3-8B
    base_urls: ["http://10.0.0.5:8000/v1", "http://10.0.0.6:8000/v1"]
    accepts: [max_tokens, temperature, stop]
    defaults: {top_p: 0.95, chat_template_kwargs: {enable_thinking: false}}
    limits: {requests_per_min: 600, tokens_per_min: 1000000, max_in_flight: 128, context: 32768}
    price: {input: 0.1, output: 0.2}
  gpt-4o:
    provider: openai
    price: {input: 1, cached_input: 0.5, output: 2}
)");
  ModelRegistry r = ModelRegistry::load({bundled(), dir / "mine.yaml"});
  auto q = r.resolve("qwen");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->id, "Qwen/Qwen3-8B");
  EXPECT_EQ(q->base_urls.size(), 2u);
  EXPECT_EQ(q->limits.requests_per_min, 600);
  EXPECT_EQ(q->limits.tokens_per_min, 1000000);
  EXPECT_EQ(q->limits.max_in_flight, 128);
  EXPECT_EQ(q->defaults["chat_template_kwargs"]["enable_thinking"], false);
  EXPECT_DOUBLE_EQ(q->defaults["top_p"].get<double>(), 0.95);
  EXPECT_DOUBLE_EQ(q->price->cached_input, 0.1);           // defaults to the input price
  EXPECT_DOUBLE_EQ(r.resolve("gpt-4o")->price->input, 1);  // replaced
  EXPECT_TRUE(r.resolve("gpt-4o-mini"));                   // kept
  auto by_id = r.resolve("lab:Qwen/Qwen3-8B");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->alias, "qwen");
  auto unknown_id = r.resolve("deepseek:deepseek-v9");
  ASSERT_TRUE(unknown_id);
  EXPECT_EQ(unknown_id->id, "deepseek-v9");
  EXPECT_FALSE(unknown_id->price);
  EXPECT_FALSE(r.resolve("nosuch"));
  EXPECT_FALSE(r.resolve("acme:big"));
}

TEST(ModelRegistry, MalformedEntriesNameFileAndLine) {
  test::ScratchDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {"models:\n  m:\n    provider: openai\n    prize: {input: 1}\n", ":4: unknown key 'prize'"},
      {"models:\n  m:\n    provider: acme\n", ":3: model 'm': unknown provider 'acme'"},
      {"models:\n  m:\n    provider: openai\n    accepts: [temprature]\n",
       ":4: unknown parameter 'temprature'"},
      {"providers:\n  p: {api: grpc, base_url: x}\n", ":2: api 'grpc' is not openai or anthropic"},
      {"models:\n  m:\n    provider: openai\n    limits: {context: lots}\n",
       ":4: 'context' has the wrong type"},
      {"providers:\n  p: {api: openai, base_url: 'htp://h/v1'}\n", ":2: base URL 'htp://h/v1'"},
      {"models:\n  m:\n    provider: openai\n    base_urls: [http://a/v1, 'http://b:99999/v1']\n",
       ":3: base URL 'http://b:99999/v1'"},
  };
  for (const auto& [text, needle] : cases) {
    test::write_file(dir / "bad.yaml", text);
    try {
      ModelRegistry::load({bundled(), dir / "bad.yaml"});
      ADD_FAILURE() << "accepted: " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.yaml" + std::string(needle)), std::string::npos)
          << e.what();
    }
  }
  EXPECT_THROW(ModelRegistry::load({dir / "missing.yaml"}), InputError);
}

TEST(BaseUrlProblem, OnlyHttpUrlsWithAHostAndAPortRequestsCanUse) {
  for (const char* ok : {"http://127.0.0.1:8000/v1", "https://api.openai.com/v1", "http://h/v1",
                         "http://[::1]:8080/v1"}) {
    EXPECT_EQ(base_url_problem(ok), "") << ok;
  }
  for (const char* bad : {"", "htp://h/v1", "ftp://h/v1", "http://h:99999/v1", "http://h:0/v1",
                          "h:8000/v1", "http://:80/v1"}) {
    EXPECT_NE(base_url_problem(bad), "") << bad;
  }
}

template <typename T>
T& as(const std::unique_ptr<Runner>& r) {
  auto* p = dynamic_cast<T*>(r.get());
  if (!p) throw std::runtime_error("not the expected runner");
  return *p;
}

TEST(ModelRegistry, BuildsTheRunnerItsEntrySaysWithTheParametersTheModelAccepts) {
  ModelRegistry reg = ModelRegistry::load({bundled()});
  RunnerOptions o;
  o.registry = &reg;
  o.base_url = "http://127.0.0.1:9/v1";
  Request req;
  req.messages = {{"user", "hi"}};
  req.sampling.temperature = 0.5;
  req.sampling.stop = {"Q:"};
  req.sampling.seed = 3;
  // DeepSeek's reasoner: budget and stop strings only.
  auto reasoner = make_runner("deepseek-reasoner", o);
  auto body = as<OpenAIRunner>(reasoner).request_body(req);
  EXPECT_EQ(body["model"], "deepseek-reasoner");
  EXPECT_EQ(body["max_tokens"], 256);
  EXPECT_EQ(body["stop"][0], "Q:");
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_NE(reasoner->identity().find(";accepts=max_tokens,stop"), std::string::npos);
  // provider:ID of a known alias is the same model.
  EXPECT_EQ(make_runner("deepseek:deepseek-reasoner", o)->identity(), reasoner->identity());
  // An OpenAI reasoning model with reasoning_effort.
  o.reasoning_effort = "high";
  auto gpt5 = make_runner("gpt-5", o);
  auto b5 = as<OpenAIRunner>(gpt5).request_body(req);
  EXPECT_EQ(b5["max_completion_tokens"], 256);
  EXPECT_EQ(b5["reasoning_effort"], "high");
  EXPECT_FALSE(b5.contains("temperature"));
  EXPECT_FALSE(b5.contains("max_tokens"));
  o.reasoning_effort.clear();
  // A classic model keeps the identity it had before the registry.
  EXPECT_EQ(make_runner("openai:gpt-4o-mini", o)->identity(),
            "openai:gpt-4o-mini@http://127.0.0.1:9/v1/chat/completions");
  // Anthropic, with a thinking budget.
  o.thinking_budget = 1024;
  auto claude = make_runner("claude-opus-4-5", o);
  EXPECT_EQ(claude->identity(),
            "anthropic:claude-opus-4-5@http://127.0.0.1:9/v1/messages;thinking=1024");
  o.thinking_budget = 100;
  EXPECT_THROW(make_runner("anthropic:claude-x", o), InputError);
  o.thinking_budget = 2048;
  EXPECT_THROW(make_runner("gpt-4o", o), InputError);  // thinking is Anthropic's
}

// Replicas (--base-url given more than once, or a registry entry's base_urls) serve the
// same model: their order leaves the identity, and so cache keys and run fingerprints,
// as they are, so that shards started with the URLs in different orders merge and share
// the cache. The identity names the first URL of the sorted set.
TEST(ModelRegistry, ReplicaOrderLeavesTheIdentity) {
  ModelRegistry reg = ModelRegistry::load({bundled()});
  const std::string a = "http://10.0.0.5:8000/v1", b = "http://10.0.0.6:8000/v1";
  auto with = [&](const std::string& spec, const std::string& first, const std::string& second) {
    RunnerOptions o;
    o.registry = &reg;
    o.base_url = first;
    o.extra_base_urls = {second};
    return make_runner(spec, o);
  };
  for (const std::string spec : {"openai:m", "anthropic:claude-x"}) {
    auto ab = with(spec, a, b), ba = with(spec, b, a);
    EXPECT_EQ(ab->identity(), ba->identity()) << spec;
    EXPECT_NE(ab->identity().find("@" + a + "/"), std::string::npos) << ab->identity();
    EXPECT_EQ(ab->config()["url"], ba->config()["url"]) << spec;
    Request req;
    req.messages = {{"user", "hi"}};
    EXPECT_EQ(cache_key(req, ab->identity()), cache_key(req, ba->identity())) << spec;
  }
  // A registry entry's base_urls likewise.
  auto entry = [&](const std::string& urls) {
    const auto file = std::filesystem::temp_directory_path() /
                      ("ys_replicas_" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(file) << "providers:\n  lab: {api: openai, base_url: \"http://127.0.0.1:1/v1\"}\n"
                           "models:\n  pair: {provider: lab, id: m, base_urls: ["
                        << urls << "]}\n";
    ModelRegistry r = ModelRegistry::load({bundled(), file});
    std::filesystem::remove(file);
    RunnerOptions o;
    o.registry = &r;
    return make_runner("pair", o)->identity();
  };
  EXPECT_EQ(entry("\"" + b + "\", \"" + a + "\""), entry("\"" + a + "\", \"" + b + "\""));
  EXPECT_EQ(entry("\"" + b + "\", \"" + a + "\""), "openai:m@" + a + "/chat/completions");
}

TEST(ModelRegistry, AMissingRequiredKeyNamesItsVariable) {
  ModelRegistry reg = ModelRegistry::load({bundled()});
  RunnerOptions o;
  o.registry = &reg;
  o.api_key_env = "YS_TEST_SURELY_UNSET_KEY";
  try {
    make_runner("deepseek:deepseek-chat", o);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("YS_TEST_SURELY_UNSET_KEY is not set"), std::string::npos)
        << e.what();
  }
  o.api_key_env.clear();
  EXPECT_NO_THROW(make_runner("vllm:Qwen/Qwen3-8B", o));  // local presets need no key
  EXPECT_THROW(make_runner("nosuch-alias", o), InputError);
}

}  // namespace
}  // namespace ys
