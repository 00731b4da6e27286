// Generated reasoning tasks (docs/TASKS.md, "Generated reasoning"): new problems drawn
// from a seed and a difficulty, each with the answer computed from the drawn values.
//
// Every generator has the tasks/generators.h signature. Params: `difficulty` (1, 2 or 3;
// default 1); any other param is an InputError. Sample i draws from its own CPython-
// compatible Mersenne Twister (tasks/python_random.h) seeded with hash64("NAME:i", seed),
// so the same seed gives byte-identical records on every platform, and a larger count
// keeps the earlier records. Each record holds "question", "solution" (a worked answer
// ending "The answer is X."), "answer" (X), "difficulty" and "generator_version"
// ("NAME/V": V changes whenever the same seed would draw different problems).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

// GSM-Symbolic-style word problems (Mirzadeh et al. 2024, "GSM-Symbolic", arXiv
// 2410.05229: fixed templates, new names and numbers) from templates written for this
// project. Difficulty: 1 small numbers; 2 larger numbers and one irrelevant sentence
// with a number (GSM-NoOp style); 3 larger still, an extra step and two irrelevant
// sentences. Extra field "template" (its id). Answers are non-negative integers.
std::vector<nlohmann::json> generate_word_problems(int count, uint64_t seed,
                                                   const std::map<std::string, int>& params);

// Ordering puzzles (difficulty 1: 3-4 people in a row) and logic grids (2: 4 people with
// a pet each; 3: 5 people with a pet and a drink each), with clues added one at a time
// until a brute-force search over every arrangement finds exactly one that fits. The
// question asks one attribute (a position's person, or who owns/drinks something); the
// answer is a name. Extra fields: "people", "clues" (the clue sentences, in the question).
std::vector<nlohmann::json> generate_logic_grids(int count, uint64_t seed,
                                                 const std::map<std::string, int>& params);

// Symbolic algebra: solve a linear equation with an integer root, give the larger
// integer root of a quadratic (written expanded), or evaluate an integer expression
// (+, -, *, exact /, parentheses, powers at difficulty 3). Difficulty widens the
// coefficients and deepens the expressions. Extra field "kind": linear, quadratic or
// evaluate. Answers are integers.
std::vector<nlohmann::json> generate_algebra(int count, uint64_t seed,
                                             const std::map<std::string, int>& params);

}  // namespace ys
