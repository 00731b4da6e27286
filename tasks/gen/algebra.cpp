// gen_algebra: linear and quadratic equations with integer roots, and integer expressions
// to evaluate (tasks/gen/gen.h).
#include <cstdlib>
#include <memory>
#include <string>

#include "tasks/gen/common.h"
#include "tasks/gen/gen.h"

namespace ys {
namespace {

using gen::uniform;

constexpr const char* kName = "gen_algebra";
constexpr const char* kVersion = "gen_algebra/1";

std::string str(long v) {
  return std::to_string(v);
}

// A nonzero integer in [-hi, hi].
int nonzero(PythonRandom& rng, int hi) {
  const int v = uniform(rng, 1, hi);
  return uniform(rng, 0, 1) ? v : -v;
}

// "c·var" as written: 3x, -x, x; "" for 0.
std::string term(long c, const std::string& var) {
  if (c == 0) return "";
  if (c == 1) return var;
  if (c == -1) return "-" + var;
  return str(c) + var;
}

// `head` followed by " + v" / " - v" (v != 0), or v alone when head is empty.
std::string plus(const std::string& head, long v) {
  if (head.empty()) return str(v);
  if (v == 0) return head;
  return head + (v < 0 ? " - " : " + ") + str(std::labs(v));
}

nlohmann::json linear(PythonRandom& rng, int level) {
  const int range = 6 * level + 4;
  const long x = uniform(rng, -range, range);
  long a = nonzero(rng, 3 * level + 6), c = level == 1 ? 0 : nonzero(rng, 3 * level + 6);
  if (a == c) a += a > 0 ? 1 : -1;
  std::string lhs, rhs, solution;
  long d;
  if (level < 3) {
    const long b = uniform(rng, -5 * range, 5 * range);
    d = a * x + b - c * x;
    lhs = plus(term(a, "x"), b);
    rhs = plus(term(c, "x"), d);
    solution = "Collect the x terms: " + str(a - c) + "x = " + str(d - b) +
               ", so x = " + str(d - b) + " / " + str(a - c) + " = " + str(x) + ".";
  } else {  // a(x + p) = cx + d
    const long p = nonzero(rng, 9);
    d = a * (x + p) - c * x;
    lhs = (a == 1 ? "" : a == -1 ? "-" : str(a)) + "(" + plus("x", p) + ")";
    rhs = plus(term(c, "x"), d);
    solution = "Expand: " + plus(term(a, "x"), a * p) + " = " + rhs +
               ". Collect the x terms: " + str(a - c) + "x = " + str(d - a * p) +
               ", so x = " + str(x) + ".";
  }
  nlohmann::json r =
      gen::record("Solve for x: " + lhs + " = " + rhs + ".", solution, str(x), level, kVersion);
  r["kind"] = "linear";
  return r;
}

nlohmann::json quadratic(PythonRandom& rng, int level) {
  const int range = level == 1 ? 9 : level == 2 ? 15 : 20;
  const long r1 = uniform(rng, -range, range);
  long r2 = uniform(rng, -range, range - 1);
  if (r2 >= r1) ++r2;  // distinct roots
  const long k = level == 3 ? nonzero(rng, 4) : 1;
  const long b = -k * (r1 + r2), c = k * r1 * r2;
  std::string expanded = term(k, "x^2");
  if (b != 0) expanded += (b < 0 ? " - " : " + ") + term(std::labs(b), "x");
  if (c != 0) expanded += (c < 0 ? " - " : " + ") + str(std::labs(c));
  const bool larger = level < 3 || uniform(rng, 0, 1) == 0;
  const long answer = larger ? std::max(r1, r2) : std::min(r1, r2);
  const std::string which = larger ? "larger" : "smaller";
  auto factor = [](long r) { return "(" + plus("x", -r) + ")"; };
  const std::string solution = expanded + " = " +
                               (k == 1    ? ""
                                : k == -1 ? "-"
                                          : str(k)) +
                               factor(r1) + factor(r2) + ", so x = " + str(r1) +
                               " or x = " + str(r2) + "; the " + which + " is " + str(answer) + ".";
  nlohmann::json r = gen::record(
      "The equation " + expanded + " = 0 has two integer solutions. What is the " + which + " one?",
      solution, str(answer), level, kVersion);
  r["kind"] = "quadratic";
  return r;
}

// An integer expression: its text (a binary operation's operands parenthesized unless
// they are numbers) and value.
struct Expr {
  std::string text;
  long value = 0;
  bool atom = true;
};

constexpr long kMaxMagnitude = 100000;

Expr parenthesized(const Expr& e) {
  return e.atom ? e : Expr{"(" + e.text + ")", e.value, true};
}

Expr draw_expr(PythonRandom& rng, int ops, int level) {
  if (ops == 0) {
    const long v = uniform(rng, 1, level == 1 ? 12 : 25);
    return {str(v), v, true};
  }
  const int left_ops = uniform(rng, 0, ops - 1);
  while (true) {
    const Expr l = draw_expr(rng, left_ops, level), r = draw_expr(rng, ops - 1 - left_ops, level);
    const Expr pl = parenthesized(l), pr = parenthesized(r);
    Expr e{"", 0, false};
    switch (uniform(rng, 0, level == 3 ? 4 : 3)) {
      case 0:
        e = {pl.text + " + " + pr.text, l.value + r.value, false};
        break;
      case 1:
        e = {pl.text + " - " + pr.text, l.value - r.value, false};
        break;
      case 2:
        e = {pl.text + " * " + pr.text, l.value * r.value, false};
        break;
      case 3:
        if (r.value == 0 || l.value % r.value != 0) continue;  // exact division only
        e = {pl.text + " / " + pr.text, l.value / r.value, false};
        break;
      default: {  // a small power of the left operand
        const int power = uniform(rng, 2, 3);
        long v = 1;
        for (int i = 0; i < power; ++i) v *= l.value;
        e = {pl.text + "^" + str(power), v, false};
        break;
      }
    }
    if (std::labs(e.value) <= kMaxMagnitude) return e;
  }
}

nlohmann::json evaluate(PythonRandom& rng, int level) {
  const int ops = level == 1 ? 2 : level == 2 ? uniform(rng, 3, 4) : uniform(rng, 4, 5);
  const Expr e = draw_expr(rng, ops, level);
  nlohmann::json r = gen::record("Evaluate " + e.text + ".", e.text + " = " + str(e.value) + ".",
                                 str(e.value), level, kVersion);
  r["kind"] = "evaluate";
  return r;
}

}  // namespace

std::vector<nlohmann::json> generate_algebra(int count, uint64_t seed,
                                             const std::map<std::string, int>& params) {
  const int level = gen::difficulty(kName, params);
  std::vector<nlohmann::json> out;
  for (int i = 0; i < count; ++i) {
    PythonRandom rng = gen::sample_rng(kName, seed, i);
    switch (uniform(rng, 0, 2)) {
      case 0:
        out.push_back(linear(rng, level));
        break;
      case 1:
        out.push_back(quadratic(rng, level));
        break;
      default:
        out.push_back(evaluate(rng, level));
        break;
    }
  }
  return out;
}

}  // namespace ys
