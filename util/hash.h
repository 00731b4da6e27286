// Stable content hashes for cache keys and run fingerprints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ys {

// 128-bit XXH3 of `data` as 32 lowercase hex digits. Stable across platforms and releases.
std::string hash_hex(std::string_view data);

// 64-bit XXH3 of `data` with `seed`; for deterministic pseudo-random decisions.
uint64_t hash64(std::string_view data, uint64_t seed = 0);

// Maps hash64(data, seed) to a double in [0, 1).
double hash_unit(std::string_view data, uint64_t seed);

}  // namespace ys
