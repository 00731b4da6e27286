// "arith": multi-step arithmetic word problems generated from a seed.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

// Records with "question", "answer" (a worked solution ending "#### N", the GSM8K format),
// "steps" and "generator_version" ("arith/2"). Params: min_steps (default 2), max_steps
// (default 5). Problem i draws from its own SplitMix64 (util/random.h) seeded with
// hash64("arith:i", seed): byte-identical on every platform, and a larger count keeps the
// earlier problems.
std::vector<nlohmann::json> generate_arith(int count, uint64_t seed,
                                           const std::map<std::string, int>& params);

}  // namespace ys
