#include "tests/support/fake_openai_server.h"

#include <httplib.h>

#include <chrono>

#include "datasets/reader.h"
#include "util/hash.h"

namespace ys::test {

FakeOpenAIServer::FakeOpenAIServer(Options options)
    : options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [threads = options_.threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server_->set_tcp_nodelay(true);  // no Nagle delay on the split header/body writes
  server_->set_keep_alive_max_count(100000);
  server_->Post("/v1/chat/completions", [this](const httplib::Request& req,
                                               httplib::Response& res) {
    ++requests_;
    int attempt;
    {
      std::lock_guard lock(mutex_);
      attempt = ++attempts_by_body_[req.body];
      last_authorization_ = req.get_header_value("Authorization");
      remote_ports_.insert(req.remote_port);
    }
    auto body = nlohmann::json::parse(req.body);
    {
      std::lock_guard lock(mutex_);
      last_body_ = body;
    }
    std::optional<RawReply> raw;
    if (options_.raw) raw = options_.raw(body, attempt);
    if (!raw && options_.reject_like_reasoning_model) raw = reasoning_model_rejection(body);
    if (raw) {
      res.status = raw->status;
      res.set_content(raw->body, raw->content_type);
      if (raw->status == 200) ++successes_;
      return;
    }
    if (options_.latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
    }
    if (options_.fixed_status != 0) {
      res.status = options_.fixed_status;
      res.set_content(R"({"error":{"message":"fixed failure for tests"}})", "application/json");
      return;
    }
    if (options_.fail_rate > 0 && attempt <= options_.max_failures_per_body &&
        hash_unit(req.body + "#" + std::to_string(attempt), options_.seed) < options_.fail_rate) {
      res.status = options_.failure_status != 0                         ? options_.failure_status
                   : hash64(req.body, options_.seed + attempt) % 2 == 0 ? 429
                                                                        : 500;
      if (res.status == 429 && !options_.retry_after.empty()) {
        res.set_header("Retry-After", options_.retry_after);
      }
      res.set_content(R"({"error":{"message":"injected failure"}})", "application/json");
      return;
    }
    if (options_.garbage) {
      res.status = 200;
      res.set_content("<html>502 Bad Gateway</html>", "text/html");
      ++successes_;
      return;
    }
    std::string content = options_.answer ? options_.answer(body) : "";
    nlohmann::json reply =
        chat_reply({{"role", "assistant"}, {"content", content}}, body.value("model", ""));
    res.set_content(reply.dump(), "application/json");
    ++successes_;
  });
  server_->Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    if (!options_.completions) {
      res.status = 404;
      res.set_content(R"({"error":{"message":"no /v1/completions here"}})", "application/json");
      return;
    }
    res.set_content(options_.completions(nlohmann::json::parse(req.body)).dump(),
                    "application/json");
    ++successes_;
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeOpenAIServer::~FakeOpenAIServer() {
  server_->stop();
  thread_.join();
}

std::string FakeOpenAIServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeOpenAIServer::reset_counts() {
  requests_ = 0;
  successes_ = 0;
  std::lock_guard lock(mutex_);
  remote_ports_.clear();
}

int FakeOpenAIServer::connections() {
  std::lock_guard lock(mutex_);
  return static_cast<int>(remote_ports_.size());
}

std::string FakeOpenAIServer::last_authorization() {
  std::lock_guard lock(mutex_);
  return last_authorization_;
}

nlohmann::json FakeOpenAIServer::last_body() {
  std::lock_guard lock(mutex_);
  return last_body_;
}

std::optional<FakeOpenAIServer::RawReply> reasoning_model_rejection(const nlohmann::json& body) {
  std::string param, message;
  if (body.contains("max_tokens")) {
    param = "max_tokens";
    message =
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
        "'max_completion_tokens' instead.";
  } else if (body.contains("stop")) {
    param = "stop";
    message = "Unsupported parameter: 'stop' is not supported with this model.";
  } else if (body.contains("temperature") && body["temperature"] != 1) {
    param = "temperature";
    message = "Unsupported value: 'temperature' does not support " + body["temperature"].dump() +
              " with this model. Only the default (1) value is supported.";
  } else {
    return std::nullopt;
  }
  nlohmann::json error = {{"error",
                           {{"message", message},
                            {"type", "invalid_request_error"},
                            {"param", param},
                            {"code", "unsupported_parameter"}}}};
  return FakeOpenAIServer::RawReply{400, error.dump()};
}

nlohmann::json chat_reply(const nlohmann::json& message, const std::string& model) {
  return {{"id", "chatcmpl-test"},
          {"object", "chat.completion"},
          {"model", model},
          {"choices", {{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}}},
          {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 10}, {"total_tokens", 110}}}};
}

std::string gsm8k_final_answer(const std::string& answer_field) {
  auto pos = answer_field.rfind("#### ");
  return pos == std::string::npos ? "" : answer_field.substr(pos + 5);
}

std::map<std::string, std::string> gsm8k_answers_by_question(const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& r : read_records(path, {})) {
    out[r["question"].get<std::string>()] = gsm8k_final_answer(r["answer"].get<std::string>());
  }
  return out;
}

std::string last_question(const nlohmann::json& body) {
  std::string content = body["messages"].back()["content"].get<std::string>();
  const std::string prefix = "Question: ", suffix = "\nAnswer:";
  auto start = content.rfind(prefix);
  auto end = content.rfind(suffix);
  if (start == std::string::npos || end == std::string::npos || end < start) return content;
  return content.substr(start + prefix.size(), end - start - prefix.size());
}

}  // namespace ys::test
