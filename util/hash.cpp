#include "util/hash.h"

#include <xxhash.h>

#include <cstdio>

namespace ys {

std::string hash_hex(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

uint64_t hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

double hash_unit(std::string_view data, uint64_t seed) {
  return static_cast<double>(hash64(data, seed) >> 11) * 0x1.0p-53;
}

}  // namespace ys
