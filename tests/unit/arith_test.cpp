#include "tasks/arith.h"

#include <gtest/gtest.h>

#include <sstream>

namespace ys {
namespace {

// Checks every "a op b [op c] = r." line of a worked solution, returns the final result.
long check_solution(const std::string& solution) {
  std::istringstream in(solution);
  std::string line;
  std::getline(in, line);  // "X starts with N items."
  long start = std::stol(line.substr(line.find("with ") + 5));
  long value = start;
  long final_answer = -1;
  while (std::getline(in, line)) {
    if (line.rfind("#### ", 0) == 0) {
      final_answer = std::stol(line.substr(5));
      break;
    }
    long a, b, c = 0, r;
    char op, op2 = 0, eq;
    std::istringstream ls(line);
    ls >> a >> op >> b;
    if (line.find(" * ") != std::string::npos && op == '+') ls >> op2 >> c;
    ls >> eq >> r;
    EXPECT_EQ(a, value) << line;
    long expect = op == '+'   ? (op2 ? a + b * c : a + b)
                  : op == '-' ? a - b
                  : op == '*' ? a * b
                              : a / b;
    if (op == '/') {
      EXPECT_EQ(a % b, 0) << line;
    }
    EXPECT_EQ(r, expect) << line;
    EXPECT_GT(r, 0) << line;
    value = r;
  }
  EXPECT_EQ(final_answer, value);
  return final_answer;
}

TEST(Arith, SolutionsAreArithmeticallyCorrect) {
  auto records = generate_arith(300, 2026, {});
  ASSERT_EQ(records.size(), 300u);
  for (const auto& r : records) {
    int steps = r["steps"];
    EXPECT_GE(steps, 2);
    EXPECT_LE(steps, 5);
    check_solution(r["answer"].get<std::string>());
    EXPECT_NE(r["question"].get<std::string>().find("How many"), std::string::npos);
  }
}

TEST(Arith, SameSeedSameProblemsWhateverTheCount) {
  auto a = generate_arith(50, 7, {});
  auto b = generate_arith(80, 7, {});
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
}

TEST(Arith, DifferentSeedsGiveDifferentProblems) {
  auto a = generate_arith(20, 1, {}), b = generate_arith(20, 2, {});
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, 2);
}

TEST(Arith, StepParamsAreHonoured) {
  for (const auto& r : generate_arith(40, 3, {{"min_steps", 4}, {"max_steps", 4}})) {
    EXPECT_EQ(r["steps"], 4);
  }
}

}  // namespace
}  // namespace ys
