#include "reports/gate.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <map>
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

// yaml-cpp keeps every entry of a mapping with a repeated key and lookups see only one:
// a repeated key is refused where it repeats, so no rule is silently dropped.
class KeyOnce {
 public:
  KeyOnce(const std::filesystem::path& path, std::string where)
      : path_(path), where_(std::move(where)) {}
  void check(const YAML::Node& key) {
    auto [it, fresh] = lines_.emplace(key.Scalar(), key.Mark().line + 1);
    if (!fresh) {
      rules_error(path_, key,
                  where_ + key.Scalar() + ": duplicate key (first at line " +
                      std::to_string(it->second) + "; YAML would keep only one)");
    }
  }

 private:
  const std::filesystem::path& path_;
  std::string where_;
  std::map<std::string, int> lines_;
};

GateRule read_rule(const YAML::Node& node, const std::string& where,
                   const std::filesystem::path& path) {
  if (!node.IsMap()) rules_error(path, node, where + " must be a mapping");
  GateRule r;
  KeyOnce once(path, where + ".");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    once.check(kv.first);
    double x = 0;
    if (!kv.second.IsScalar() || !YAML::convert<double>::decode(kv.second, x))
      rules_error(path, kv.second, where + "." + key + " must be a number");
    if (key == "max_drop") {
      if (!(x >= 0 && x <= 100))
        rules_error(path, kv.second, where + ".max_drop must be in [0, 100] points");
      r.max_drop = x;
    } else if (key == "alpha") {
      if (!(x > 0 && x < 1)) rules_error(path, kv.second, where + ".alpha must be in (0, 1)");
      r.alpha = x;
    } else if (key == "floor") {
      if (!(x >= 0 && x <= 100))
        rules_error(path, kv.second, where + ".floor must be in [0, 100] points");
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

// "58" when the candidate scored every baseline question, else "8/60": paired questions
// over the baseline's.
std::string paired_text(const TaskComparison& c) {
  std::string n = std::to_string(c.stats.n);
  if (c.only_a > 0) n += "/" + std::to_string(c.stats.n + c.only_a);
  return n;
}

std::string figures(const GateTask& t) {
  if (!t.comparison) return "";
  const auto& c = *t.comparison;
  return c.metric + ": baseline " + points(c.stats.mean_a) + ", candidate " +
         points(c.stats.mean_b) + ", difference " + signed_points(c.stats.difference) + " [" +
         signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "], p " +
         number(c.stats.p_value, "%.4g") + " (Holm " + number(c.p_holm, "%.4g") + "), n " +
         paired_text(c);
}

// The run-level problems ("ERROR: ..."), notes, then each task's notes ("TASK: ..."), a line each.
std::vector<std::string> note_lines(const GateResult& r) {
  std::vector<std::string> lines;
  for (const auto& p : r.problems) lines.push_back("ERROR: " + p);
  for (const auto& n : r.notes) lines.push_back(n);
  for (const auto& t : r.tasks) {
    for (const auto& n : t.notes) lines.push_back(t.task + ": " + n);
  }
  return lines;
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
  KeyOnce root_once(path, "");
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    root_once.check(kv.first);
    if (key == "default") {
      rules.defaults = read_rule(kv.second, "default", path);
    } else if (key == "tasks") {
      if (!kv.second.IsMap()) rules_error(path, kv.second, "tasks must be a mapping");
      KeyOnce tasks_once(path, "tasks.");
      for (const auto& t : kv.second) {
        tasks_once.check(t.first);
        rules.tasks[t.first.Scalar()] = read_rule(t.second, "tasks." + t.first.Scalar(), path);
        rules.task_lines[t.first.Scalar()] =
            path.string() + ":" + std::to_string(t.first.Mark().line + 1);
      }
    } else {
      rules_error(path, kv.first, key + ": unknown field (expected default, tasks)");
    }
  }
  return rules;
}

GateStatus GateResult::status() const {
  if (!problems.empty()) return GateStatus::kError;
  GateStatus worst = GateStatus::kPass;
  for (const auto& t : tasks) {
    if (t.status == GateStatus::kError) return GateStatus::kError;
    if (t.status == GateStatus::kFail) worst = GateStatus::kFail;
  }
  return worst;
}

namespace {

// Why `side` is not a whole run (not completed, or one shard of one); empty when it is.
std::string partial_reason(const ScoreSet& side) {
  std::string why;
  if (!side.status.empty() && side.status != "completed") why = "is " + side.status;
  if (!side.shard.empty())
    why += (why.empty() ? "is" : " and") + std::string(" shard ") + side.shard + " only";
  return why;
}

// A rules file naming a task neither side has is a typo that would gate nothing.
void check_rule_tasks(const GateRules& rules, const ScoreSet& baseline, const ScoreSet& candidate) {
  for (const auto& [task, rule] : rules.tasks) {
    if (baseline.tasks.count(task) || candidate.tasks.count(task)) continue;
    std::string known;
    for (const auto& [name, scores] : baseline.tasks) known += (known.empty() ? "" : ", ") + name;
    auto where = rules.task_lines.find(task);
    throw InputError((where == rules.task_lines.end() ? "" : where->second + ": ") + "tasks." +
                     task + ": no such task in the baseline or the candidate (baseline tasks: " +
                     (known.empty() ? "none" : known) + ")");
  }
}

}  // namespace

GateResult run_gate(const ScoreSet& baseline, const ScoreSet& candidate, const GateRules& rules,
                    const BootstrapOptions& options, bool allow_partial) {
  check_rule_tasks(rules, baseline, candidate);
  GateResult out;
  out.comparison = compare_scores(baseline, candidate, options);
  out.allow_partial = allow_partial;
  if (const std::string why = partial_reason(candidate); !why.empty()) {
    const std::string line = "the candidate, " + candidate.label + ", " + why;
    if (allow_partial) {
      out.notes.push_back(line + " (gated anyway: --allow-partial)");
    } else {
      out.problems.push_back(line +
                             ": a partial run cannot pass the gate; finish it (rerun "
                             "the command, or merge the shards) or pass --allow-partial "
                             "to gate on the questions it scored");
    }
  }
  if (const std::string why = partial_reason(baseline); !why.empty())
    out.notes.push_back("the baseline, " + baseline.label + ", " + why);
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
      const size_t baseline_n = c.stats.n + c.only_a;
      if (c.only_a > 0) {
        const std::string missing = "the candidate did not score " + std::to_string(c.only_a) +
                                    " of the " + std::to_string(baseline_n) + " baseline questions";
        if (allow_partial) {
          g.notes.push_back("gated on the " + std::to_string(c.stats.n) + " of " +
                            std::to_string(baseline_n) + " baseline questions in common (" +
                            std::to_string(c.only_a) +
                            " not scored by the candidate; --allow-partial)");
        } else {
          g.status = GateStatus::kError;
          g.failures.push_back(missing + " (" + std::to_string(c.stats.n) +
                               " in common); --allow-partial gates on those");
          out.tasks.push_back(std::move(g));
          continue;
        }
      }
      if (c.only_b > 0) {
        g.notes.push_back(std::to_string(c.only_b) +
                          " candidate questions are not in the baseline: not compared (the "
                          "floor counts them)");
      }
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
  size_t failures = 0, errors = r.problems.empty() ? 0 : 1;
  for (const auto& t : r.tasks) {
    failures += t.status == GateStatus::kFail;
    errors += t.status == GateStatus::kError;
  }
  const size_t tests = r.tasks.size() + (r.problems.empty() ? 0 : 1);
  const std::string counts = " tests=\"" + std::to_string(tests) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                             "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"yardstick gate\"" + counts + ">\n";
  out += "  <testsuite name=\"yardstick gate\"" + counts + ">\n";
  if (!r.problems.empty()) {  // the candidate as a whole (a partial run)
    std::string message;
    for (const auto& p : r.problems) message += (message.empty() ? "" : "; ") + p;
    out +=
        "    <testcase classname=\"yardstick.gate\" name=\"(candidate run)\">\n"
        "      <error message=\"" +
        xml_escape(message) + "\" type=\"partial\"/>\n    </testcase>\n";
  }
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
    std::string fig = figures(t);
    for (const auto& n : t.notes) fig += (fig.empty() ? "" : "\n") + n;
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
  for (const auto& line : note_lines(r)) {
    if (line.rfind("ERROR: ", 0) == 0) out += "> ⚠️ " + line.substr(7) + "\n>\n";
  }
  out += "| task | metric | baseline | candidate | Δ (" +
         confidence_percent(r.comparison.options.confidence) +
         " CI) | p (Holm) | n | rules | result |\n";
  out += "|---|---|---:|---:|---|---:|---:|---|---|\n";
  for (const auto& t : r.tasks) {
    std::string result = t.status == GateStatus::kPass ? "✅ pass" : "❌ ";
    for (size_t i = 0; i < t.failures.size(); ++i) result += (i ? "; " : "") + t.failures[i];
    if (t.comparison) {
      const auto& c = *t.comparison;
      out += "| " + t.task + " | " + c.metric + " | " + points(c.stats.mean_a) + " | " +
             points(c.stats.mean_b) + " | " + signed_points(c.stats.difference) + " [" +
             signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "] | " +
             number(c.p_holm, "%.4g") + " | " + paired_text(c) + " | " + rules_text(t.rule) +
             " | " + result + " |\n";
    } else {
      out += "| " + t.task + " | | | | | | | " + rules_text(t.rule) + " | " + result + " |\n";
    }
  }
  std::string notes;
  for (const auto& line : note_lines(r)) {
    if (line.rfind("ERROR: ", 0) != 0) notes += "- " + line + "\n";
  }
  if (!notes.empty()) out += "\n" + notes;
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
      {"task", "baseline", "candidate", "B-A",
       confidence_percent(r.comparison.options.confidence) + " CI", "p (Holm)", "n", "result"}};
  for (const auto& t : r.tasks) {
    std::string result = status_word(t.status);
    for (const auto& f : t.failures) result += ": " + f;
    if (t.comparison) {
      const auto& c = *t.comparison;
      rows.push_back(
          {t.task, points(c.stats.mean_a), points(c.stats.mean_b),
           signed_points(c.stats.difference),
           "[" + signed_points(c.stats.ci.low) + ", " + signed_points(c.stats.ci.high) + "]",
           number(c.p_holm, "%.4g"), paired_text(c), result});
    } else {
      rows.push_back({t.task, "", "", "", "", "", "", result});
    }
  }
  std::string notes;
  for (const auto& line : note_lines(r)) notes += line + "\n";
  return "baseline:  " + r.comparison.a_label + "\ncandidate: " + r.comparison.b_label + "\n\n" +
         render_columns(rows) + (notes.empty() ? "" : "\n" + notes) +
         "\ngate: " + status_word(r.status()) + "\n";
}

}  // namespace ys
