// What the generated reasoning tasks share: the per-sample random source and parameter
// checks (tasks/gen/gen.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tasks/python_random.h"

namespace ys::gen {

// Sample `index`'s random source for generator `name`: PythonRandom seeded with
// hash64(name + ":" + index, seed) (util/hash.h, XXH3: the same on every platform).
PythonRandom sample_rng(const std::string& name, uint64_t seed, int index);

// An integer in [lo, hi] (lo <= hi), drawn with PythonRandom::randbelow.
int uniform(PythonRandom& rng, int lo, int hi);

// One element of `items` (not empty).
template <typename T>
const T& pick(PythonRandom& rng, const std::vector<T>& items) {
  return items[static_cast<size_t>(uniform(rng, 0, static_cast<int>(items.size()) - 1))];
}

// `k` distinct elements of `items`, in draw order (PythonRandom::sample).
template <typename T>
std::vector<T> pick_distinct(PythonRandom& rng, const std::vector<T>& items, size_t k) {
  std::vector<T> out;
  for (size_t i : rng.sample(items.size(), k)) out.push_back(items[i]);
  return out;
}

// The difficulty of `params` (default 1). Throws InputError naming `generator` when a
// param other than difficulty is given or difficulty is not 1, 2 or 3.
int difficulty(const std::string& generator, const std::map<std::string, int>& params);

// A record with the fields every generated sample has (gen.h).
nlohmann::json record(const std::string& question, const std::string& solution,
                      const std::string& answer, int difficulty, const std::string& version);

// Given names used by the generators (distinct, one word each).
const std::vector<std::string>& given_names();

}  // namespace ys::gen
