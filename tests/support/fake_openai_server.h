// An OpenAI-compatible chat completions server on loopback, for tests: the test decides
// what it answers, how slowly, and how often it fails.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace ys::test {

class FakeOpenAIServer {
 public:
  // Gets the parsed request body, returns the assistant's content.
  using Answer = std::function<std::string(const nlohmann::json& body)>;
  // Gets the parsed body of a POST /v1/completions, returns the whole reply.
  using CompletionsAnswer = std::function<nlohmann::json(const nlohmann::json& body)>;

  // A whole reply, bytes as given (for bodies no JSON library would write).
  struct RawReply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
  };
  // Gets the parsed chat request body and which attempt of that body this is (1 = first);
  // returns a reply to send instead of the normal answer, or nullopt.
  using Raw = std::function<std::optional<RawReply>(const nlohmann::json& body, int attempt)>;

  struct Options {
    Answer answer;
    Raw raw;                        // consulted first for every chat request when set
    CompletionsAnswer completions;  // unset: /v1/completions answers 404
    int latency_ms = 0;
    // Transient failures: an attempt fails with 429 or 500 (alternating) when a hash of
    // (body, attempt number, seed) falls below fail_rate, for at most max_failures_per_body
    // attempts of the same body.
    double fail_rate = 0;
    int max_failures_per_body = 3;
    uint64_t seed = 1;
    int failure_status = 0;   // status of injected failures; 0 alternates 429 and 500
    std::string retry_after;  // sent with 429s when non-empty
    int fixed_status = 0;     // when non-zero, every request gets this status
    bool garbage = false;     // answer 200 with a body that is not JSON
    // Answer like OpenAI's reasoning models: 400 with OpenAI's message to a chat request
    // that has max_tokens, stop, or a temperature other than 1.
    bool reject_like_reasoning_model = false;
    // Server threads. httplib parks one on each kept-alive connection: keep it above the
    // number of connections a client opens.
    int threads = 64;
  };

  explicit FakeOpenAIServer(Options options);
  ~FakeOpenAIServer();

  // e.g. "http://127.0.0.1:43121/v1"
  std::string base_url() const;
  // Requests received (every attempt), and of those answered with 200.
  int requests() const { return requests_; }
  int successes() const { return successes_; }
  // Distinct client connections seen (by remote port).
  int connections();
  void reset_counts();
  // The Authorization header of the last request ("" when absent).
  std::string last_authorization();
  // The parsed body of the last chat request (null before the first).
  nlohmann::json last_body();

 private:
  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0}, successes_{0};
  std::mutex mutex_;
  std::map<std::string, int> attempts_by_body_;
  std::set<int> remote_ports_;
  std::string last_authorization_;
  nlohmann::json last_body_;
};

// The 400 OpenAI answers a reasoning model's request with when it carries a parameter
// those models reject (max_tokens, stop, a temperature other than 1), else nullopt.
std::optional<FakeOpenAIServer::RawReply> reasoning_model_rejection(const nlohmann::json& body);

// A chat completion reply whose choices[0].message is `message`.
nlohmann::json chat_reply(const nlohmann::json& message, const std::string& model = "m");

// The final answer of a GSM8K record ("#### N" of its answer field).
std::string gsm8k_final_answer(const std::string& answer_field);

// Maps each GSM8K question to its final answer, from a test.jsonl file.
std::map<std::string, std::string> gsm8k_answers_by_question(const std::string& path);

// The question text of the last user message ("Question: Q\nAnswer:").
std::string last_question(const nlohmann::json& body);

}  // namespace ys::test
