#include "reports/gate.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "reports/table.h"
#include "util/error.h"
#include "util/strings.h"

namespace ys {
namespace {

// "FILE:LINE: message" for a problem at `node` of a rules file.
[[noreturn]] void rules_error(const std::filesystem::path& path, const YAML::Node& node,
                              const std::string& message) {
  throw InputError(path.string() + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
}

GateRule read_rule(const YAML::Node& node, const std::string& where,
                   const std::filesystem::path& path) {
  if (!node.IsMap()) rules_error(path, node, where + " must be a mapping");
  GateRule r;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    double x = 0;
    if (!kv.second.IsScalar() || !YAML::convert<double>::decode(kv.second, x))
      rules_error(path, kv.second, where + "." + key + " must be a number");
    if (key == "max_drop") {
      r.max_drop = x;
    } else if (key == "alpha") {
      if (!(x > 0 && x < 1)) rules_error(path, kv.second, where + ".alpha must be in (0, 1)");
      r.alpha = x;
    } else if (key == "floor") {
      r.floor = x;
    } else {
      rules_error(path, kv.first,
                  where + "." + key + ": unknown rule (expected max_drop, alpha, floor)");
    }
  }
  return r;
}

std::string number(double v, const char* fmt = "%g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

// Escapes text for XML element content and attribute values. html_escape covers & < > "
// and '; XML 1.0 also forbids most control characters, which become spaces.
std::string xml_escape(const std::string& s) {
  std::string clean = s;
  for (char& ch : clean) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 && u != '\t' && u != '\n' && u != '\r') ch = ' ';
  }
  return html_escape(clean);
}

const char* status_word(GateStatus s) {
  return s == GateStatus::kPass ? "pass" : s == GateStatus::kFail ? "REGRESSION" : "ERROR";
}

std::string rules_text(const GateRule& r) {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (r.max_drop) add("drop <= " + number(*r.max_drop) + " pts");
  if (r.alpha) add("no significant drop at alpha " + number(*r.alpha));
  if (r.floor) add(">= " + number(*r.floor) + " pts");
  return out;
}

std::string figures(const GateTask& t) {
  if (!t.comparison) return "";
  const auto& c = *t.comparison;
  return c.metric + ": baseline " + points(c.stats.mean_a) + ", candidate " +
         points(c.stats.mean_b) + ", difference " + signed_points(c.stats.difference) + " [" +
         signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "], p " +
         number(c.stats.p_value, "%.4g") + " (Holm " + number(c.p_holm, "%.4g") + "), n " +
         std::to_string(c.stats.n);
}

}  // namespace

GateRule GateRules::for_task(const std::string& task) const {
  GateRule r = defaults;
  if (auto it = tasks.find(task); it != tasks.end()) {
    if (it->second.max_drop) r.max_drop = it->second.max_drop;
    if (it->second.alpha) r.alpha = it->second.alpha;
    if (it->second.floor) r.floor = it->second.floor;
  }
  if (!r.max_drop && !r.alpha && !r.floor) r.alpha = 0.05;
  return r;
}

GateRules read_gate_rules(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path.string() + ": cannot read the rules file");
  YAML::Node root;
  try {
    root = YAML::Load(f);  // JSON files parse too: JSON is YAML's flow style
  } catch (const YAML::Exception& e) {
    throw InputError(path.string() + ":" + std::to_string(e.mark.line + 1) +
                     ": invalid YAML: " + e.msg);
  }
  if (!root.IsMap()) rules_error(path, root, "the rules must be a mapping (default, tasks)");
  GateRules rules;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key == "default") {
      rules.defaults = read_rule(kv.second, "default", path);
    } else if (key == "tasks") {
      if (!kv.second.IsMap()) rules_error(path, kv.second, "tasks must be a mapping");
      for (const auto& t : kv.second)
        rules.tasks[t.first.Scalar()] = read_rule(t.second, "tasks." + t.first.Scalar(), path);
    } else {
      rules_error(path, kv.first, key + ": unknown field (expected default, tasks)");
    }
  }
  return rules;
}

GateStatus GateResult::status() const {
  GateStatus worst = GateStatus::kPass;
  for (const auto& t : tasks) {
    if (t.status == GateStatus::kError) return GateStatus::kError;
    if (t.status == GateStatus::kFail) worst = GateStatus::kFail;
  }
  return worst;
}

GateResult run_gate(const ScoreSet& baseline, const ScoreSet& candidate, const GateRules& rules,
                    const BootstrapOptions& options) {
  GateResult out;
  out.comparison = compare_scores(baseline, candidate, options);
  for (const auto& [task, scores] : baseline.tasks) {
    GateTask g;
    g.task = task;
    g.rule = rules.for_task(task);
    for (const auto& c : out.comparison.tasks) {
      if (c.task == task) g.comparison = &c;
    }
    if (!g.comparison) {
      g.status = GateStatus::kError;
      g.failures.push_back("the candidate has no results for this task");
    } else if (g.comparison->stats.n == 0) {
      g.status = GateStatus::kError;
      g.failures.push_back("no question scored in both the baseline and the candidate");
      g.comparison = nullptr;
    } else {
      const auto& c = *g.comparison;
      const double drop = -100 * c.stats.difference;  // points lost
      if (g.rule.max_drop && drop > *g.rule.max_drop + 1e-9) {
        g.failures.push_back("dropped " + number(drop, "%.1f") + " points (allowed " +
                             number(*g.rule.max_drop) + ")");
      }
      if (g.rule.alpha && c.stats.difference < 0 && c.p_holm < *g.rule.alpha) {
        g.failures.push_back("significant drop: Holm-adjusted p " + number(c.p_holm, "%.4g") +
                             " < alpha " + number(*g.rule.alpha));
      }
      if (g.rule.floor && 100 * c.mean_b_all < *g.rule.floor - 1e-9) {
        g.failures.push_back("scored " + points(c.mean_b_all) + " points, below the floor " +
                             number(*g.rule.floor));
      }
      if (!g.failures.empty()) g.status = GateStatus::kFail;
    }
    out.tasks.push_back(std::move(g));
  }
  return out;
}

std::string gate_junit_xml(const GateResult& r) {
  size_t failures = 0, errors = 0;
  for (const auto& t : r.tasks) {
    failures += t.status == GateStatus::kFail;
    errors += t.status == GateStatus::kError;
  }
  const std::string counts = " tests=\"" + std::to_string(r.tasks.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"yardstick gate\"" + counts + ">\n";
  out += "  <testsuite name=\"yardstick gate\"" + counts + ">\n";
  for (const auto& t : r.tasks) {
    out += "    <testcase classname=\"yardstick.gate\" name=\"" + xml_escape(t.task) + "\"";
    std::string body;
    std::string message;
    for (const auto& f : t.failures) message += (message.empty() ? "" : "; ") + f;
    if (t.status == GateStatus::kFail) {
      body += "      <failure message=\"" + xml_escape(message) + "\" type=\"regression\">" +
              xml_escape(figures(t) + "\nrules: " + rules_text(t.rule)) + "</failure>\n";
    } else if (t.status == GateStatus::kError) {
      body += "      <error message=\"" + xml_escape(message) + "\" type=\"data\"/>\n";
    }
    const std::string fig = figures(t);
    if (!fig.empty()) body += "      <system-out>" + xml_escape(fig) + "</system-out>\n";
    out += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string gate_markdown(const GateResult& r) {
  const GateStatus s = r.status();
  std::string out = "### yardstick gate: ";
  out += s == GateStatus::kPass   ? "✅ pass"
         : s == GateStatus::kFail ? "❌ regression"
                                  : "⚠️ error";
  out += "\n\n**Baseline:** " + r.comparison.a_label + "  \n**Candidate:** " +
         r.comparison.b_label + "\n\n";
  out += "| task | metric | baseline | candidate | Δ (95% CI) | p (Holm) | rules | result |\n";
  out += "|---|---|---:|---:|---|---:|---|---|\n";
  for (const auto& t : r.tasks) {
    std::string result = t.status == GateStatus::kPass ? "✅ pass" : "❌ ";
    for (size_t i = 0; i < t.failures.size(); ++i) result += (i ? "; " : "") + t.failures[i];
    if (t.comparison) {
      const auto& c = *t.comparison;
      out += "| " + t.task + " | " + c.metric + " | " + points(c.stats.mean_a) + " | " +
             points(c.stats.mean_b) + " | " + signed_points(c.stats.difference) + " [" +
             signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "] | " +
             number(c.p_holm, "%.4g") + " | " + rules_text(t.rule) + " | " + result + " |\n";
    } else {
      out += "| " + t.task + " | | | | | | " + rules_text(t.rule) + " | " + result + " |\n";
    }
  }
  std::string flips;
  for (const auto& t : r.tasks) {
    if (t.comparison && !t.comparison->right_to_wrong.empty()) {
      flips += "- " + t.task + ": " + std::to_string(t.comparison->right_to_wrong.size()) +
               " right→wrong, " + std::to_string(t.comparison->wrong_to_right.size()) +
               " wrong→right\n";
    }
  }
  if (!flips.empty())
    out += "\n<details><summary>Flipped samples</summary>\n\n" + flips + "\n</details>\n";
  out += "\nScores in points; CI from a paired bootstrap (B=" +
         std::to_string(r.comparison.options.replicates) + ", seed " +
         std::to_string(r.comparison.options.seed) + ").\n";
  return out;
}

std::string gate_text(const GateResult& r) {
  std::vector<std::vector<std::string>> rows = {
      {"task", "baseline", "candidate", "B-A", "95% CI", "p (Holm)", "result"}};
  for (const auto& t : r.tasks) {
    std::string result = status_word(t.status);
    for (const auto& f : t.failures) result += ": " + f;
    if (t.comparison) {
      const auto& c = *t.comparison;
      rows.push_back(
          {t.task, points(c.stats.mean_a), points(c.stats.mean_b),
           signed_points(c.stats.difference),
           "[" + signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "]",
           number(c.p_holm, "%.4g"), result});
    } else {
      rows.push_back({t.task, "", "", "", "", "", result});
    }
  }
  return "baseline:  " + r.comparison.a_label + "\ncandidate: " + r.comparison.b_label + "\n\n" +
         render_columns(rows) + "\ngate: " + status_word(r.status()) + "\n";
}

}  // namespace ys
