#include "tasks/gen/common.h"

#include "util/error.h"
#include "util/hash.h"

namespace ys::gen {

PythonRandom sample_rng(const std::string& name, uint64_t seed, int index) {
  return PythonRandom(hash64(name + ":" + std::to_string(index), seed));
}

int uniform(PythonRandom& rng, int lo, int hi) {
  return lo + static_cast<int>(rng.randbelow(static_cast<uint64_t>(hi - lo) + 1));
}

int difficulty(const std::string& generator, const std::map<std::string, int>& params) {
  for (const auto& [key, value] : params) {
    if (key != "difficulty") {
      throw InputError("generator '" + generator + "' has no parameter '" + key +
                       "' (it takes difficulty)");
    }
  }
  auto it = params.find("difficulty");
  const int d = it == params.end() ? 1 : it->second;
  if (d < 1 || d > 3) {
    throw InputError("generator '" + generator + "': difficulty must be 1, 2 or 3, not " +
                     std::to_string(d));
  }
  return d;
}

nlohmann::json record(const std::string& question, const std::string& solution,
                      const std::string& answer, int difficulty, const std::string& version) {
  return {{"question", question},
          {"solution", solution + "\nThe answer is " + answer + "."},
          {"answer", answer},
          {"difficulty", difficulty},
          {"generator_version", version}};
}

const std::vector<std::string>& given_names() {
  static const std::vector<std::string> names = {
      "Amara", "Bruno", "Chen", "Dalia",  "Emeka", "Farah", "Goran", "Hana",  "Ivan",  "Jia",
      "Kemal", "Lucia", "Mads", "Nadia",  "Oskar", "Paula", "Quinn", "Rania", "Sven",  "Talia",
      "Umar",  "Vera",  "Wen",  "Ximena", "Yusuf", "Zora",  "Arjun", "Bea",   "Cyrus", "Dana"};
  return names;
}

}  // namespace ys::gen
