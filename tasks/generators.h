// Procedural task generators: tasks made from a seed, with no dataset to download.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ys {

// Makes `count` records (JSON objects) from `seed`; equal inputs give equal records.
using Generator = std::vector<nlohmann::json> (*)(int count, uint64_t seed,
                                                  const std::map<std::string, int>& params);

// The generator registered under `name`, or nullptr.
Generator find_generator(const std::string& name);

}  // namespace ys
