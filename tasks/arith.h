// "arith": multi-step arithmetic word problems generated from a seed.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

// Records with "question", "answer" (a worked solution ending "#### N", the GSM8K format)
// and "steps". Params: min_steps (default 2), max_steps (default 5).
std::vector<nlohmann::json> generate_arith(int count, uint64_t seed,
                                           const std::map<std::string, int>& params);

}  // namespace ys
