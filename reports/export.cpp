#include "reports/export.h"

#include <algorithm>
#include <vector>

#include "runners/completion.h"
#include "tasks/longctx.h"
#include "util/error.h"

namespace ys {
namespace {

RunRecord require_run(StoreReader& store, int64_t run_id) {
  auto run = store.run(run_id);
  if (!run) throw InputError("no run " + std::to_string(run_id) + " in the store");
  return *run;
}

std::string error_kind_text(const Completion& c) {
  return c.error == ErrorKind::kNone ? "" : error_kind_name(c.error);
}

// The request's messages as "role: content" blocks; a loglikelihood request's
// continuations follow as "continuation: TEXT" lines.
std::string prompt_text(const nlohmann::json& request) {
  std::string out;
  if (request.contains("messages") && request["messages"].is_array()) {
    for (const auto& m : request["messages"]) {
      if (!out.empty()) out += "\n\n";
      // Content that is not text (a generated prompt's description) is shown as its JSON.
      const nlohmann::json content = m.value("content", nlohmann::json(""));
      out += m.value("role", "") + ": " +
             (content.is_string() ? content.get<std::string>() : content.dump());
    }
  }
  if (request.contains("continuations") && request["continuations"].is_array()) {
    for (const auto& c : request["continuations"]) {
      if (c.is_string()) out += "\ncontinuation: " + c.get<std::string>();
    }
  }
  return out;
}

std::string number_text(double v) {
  nlohmann::json j = v;  // shortest form that reads back exactly
  return j.dump();
}

// The prompt as the model saw it: a generated long-context prompt is rebuilt from the
// description the store keeps (tasks/longctx.h); when it cannot be, the description is
// shown with the reason.
std::string shown_prompt(const nlohmann::json& request) {
  try {
    return prompt_text(expand_generated(request));
  } catch (const std::exception& e) {  // InputError, or a malformed stored description
    return prompt_text(request) + "\n(the generated prompt cannot be rebuilt: " + e.what() + ")";
  }
}

}  // namespace

std::string csv_field(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_jsonl_export(StoreReader& store, int64_t run_id, std::ostream& out) {
  const RunRecord run = require_run(store, run_id);
  for (const auto& s : store.samples(run_id)) {
    nlohmann::json extracted = nlohmann::json::object();
    for (const auto& [m, v] : s.extracted) extracted[m] = v ? nlohmann::json(*v) : nullptr;
    const Completion& c = s.completion;
    nlohmann::json row = {{"run_id", run_id},
                          {"model", run.model},
                          {"task", s.task},
                          {"sample_id", s.sample_id},
                          {"repeat", s.repeat},
                          {"request", s.request},
                          {"response", c.text},
                          {"reasoning", c.reasoning},
                          {"finish_reason", c.finish_reason},
                          {"error_kind", error_kind_text(c)},
                          {"error", c.error_message},
                          {"reference", s.reference},
                          {"extracted", extracted},
                          {"scores", s.scores},
                          {"prompt_tokens", c.usage.prompt_tokens},
                          {"completion_tokens", c.usage.completion_tokens},
                          {"latency_s", c.latency_s}};
    out << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

void write_csv_export(StoreReader& store, int64_t run_id, std::ostream& out) {
  const RunRecord run = require_run(store, run_id);
  const std::vector<StoredSample> samples = store.samples(run_id);
  std::vector<std::string> metrics;
  for (const auto& task : run.tasks) {
    for (const auto& m : store.metrics(run_id, task)) {
      if (std::find(metrics.begin(), metrics.end(), m.name) == metrics.end())
        metrics.push_back(m.name);
    }
  }
  // Metrics scored but not declared (stores older than declarations) still get columns.
  for (const auto& s : samples) {
    for (const auto& [m, v] : s.scores) {
      if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
    }
  }
  std::vector<std::string> header = {"run_id",
                                     "model",
                                     "task",
                                     "sample_id",
                                     "repeat",
                                     "prompt",
                                     "response",
                                     "reasoning",
                                     "reference",
                                     "error_kind",
                                     "error",
                                     "prompt_tokens",
                                     "completion_tokens",
                                     "latency_s"};
  for (const auto& m : metrics) {
    header.push_back("score:" + m);
    header.push_back("extracted:" + m);
  }
  auto write_row = [&](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
    out << "\r\n";
  };
  write_row(header);
  for (const auto& s : samples) {
    const Completion& c = s.completion;
    std::vector<std::string> row = {std::to_string(run_id),
                                    run.model,
                                    s.task,
                                    s.sample_id,
                                    std::to_string(s.repeat),
                                    prompt_text(s.request),
                                    c.text,
                                    c.reasoning,
                                    s.reference,
                                    error_kind_text(c),
                                    c.error_message,
                                    std::to_string(c.usage.prompt_tokens),
                                    std::to_string(c.usage.completion_tokens),
                                    number_text(c.latency_s)};
    for (const auto& m : metrics) {
      auto sc = s.scores.find(m);
      row.push_back(sc == s.scores.end() ? "" : number_text(sc->second));
      auto ex = s.extracted.find(m);
      row.push_back(ex == s.extracted.end() || !ex->second ? "" : *ex->second);
    }
    write_row(row);
  }
}

std::string render_sample(StoreReader& store, int64_t run_id, const std::string& sample_id,
                          const std::string& task, int repeat) {
  const RunRecord run = require_run(store, run_id);
  std::string out;
  size_t shown = 0;
  for (const auto& s : store.samples(run_id, task)) {
    if (s.sample_id != sample_id || (repeat >= 0 && s.repeat != repeat)) continue;
    const Completion& c = s.completion;
    if (shown++) out += "\n" + std::string(72, '=') + "\n\n";
    out += "run " + std::to_string(run_id) + " (" + run.model + ")  task " + s.task + "  sample " +
           s.sample_id + "  repeat " + std::to_string(s.repeat) + "\n";
    out += "\n--- prompt ---\n" + shown_prompt(s.request) + "\n";
    if (!c.reasoning.empty()) out += "\n--- reasoning ---\n" + c.reasoning + "\n";
    out += "\n--- response ---\n" + c.text + "\n";
    if (!c.ok()) out += "\n--- error ---\n" + error_kind_text(c) + ": " + c.error_message + "\n";
    out += "\n--- reference ---\n" + s.reference + "\n";
    out += "\n--- scores ---\n";
    for (const auto& [m, v] : s.scores) {
      auto ex = s.extracted.find(m);
      std::string answer = ex == s.extracted.end() ? "(not recorded)"
                           : ex->second            ? "\"" + *ex->second + "\""
                                                   : "(no answer found)";
      out += m + " = " + number_text(v) + "  extracted: " + answer + "\n";
    }
    if (s.scores.empty()) out += "(unscored)\n";
    out += "\ntokens: " + std::to_string(c.usage.prompt_tokens) + " prompt, " +
           std::to_string(c.usage.completion_tokens) + " completion; latency " +
           number_text(c.latency_s) + " s; finish reason " +
           (c.finish_reason.empty() ? "-" : c.finish_reason) + "\n";
  }
  if (!shown) {
    throw InputError("run " + std::to_string(run_id) + " has no sample '" + sample_id + "'" +
                     (task.empty() ? "" : " in task " + task) +
                     (repeat >= 0 ? " repeat " + std::to_string(repeat) : ""));
  }
  return out;
}

}  // namespace ys
