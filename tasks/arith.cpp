#include "tasks/arith.h"

#include <array>

#include "util/hash.h"
#include "util/random.h"

namespace ys {
namespace {

struct Person {
  const char* name;
  const char* pronoun;  // subject
};

constexpr std::array<Person, 10> kPeople = {{{"Maya", "she"},
                                             {"Omar", "he"},
                                             {"Lena", "she"},
                                             {"Tariq", "he"},
                                             {"Ines", "she"},
                                             {"Kofi", "he"},
                                             {"Priya", "she"},
                                             {"Jonas", "he"},
                                             {"Yuki", "she"},
                                             {"Mateo", "he"}}};
constexpr std::array<const char*, 10> kItems = {"marbles", "stickers", "stamps",  "shells",
                                                "pencils", "coins",    "cookies", "beads",
                                                "cards",   "buttons"};
constexpr long kMaxValue = 100000;
// "arith/V": V changes whenever the same seed would draw other problems (2: util/random.h's
// SplitMix64 replaced std::mt19937_64 with std::uniform_int_distribution, whose draws
// differ between standard libraries).
constexpr const char* kArithVersion = "arith/2";

std::string cap(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

class ProblemBuilder {
 public:
  ProblemBuilder(SplitMix64& rng, const Person& who, const char* item)
      : rng_(rng), who_(who), item_(item) {}

  int uniform(int lo, int hi) { return static_cast<int>(rng_.between(lo, hi)); }

  void start() {
    value_ = uniform(12, 90);
    question_ = std::string(who_.name) + " has " + std::to_string(value_) + " " + item_ + ".";
    solution_ =
        std::string(who_.name) + " starts with " + std::to_string(value_) + " " + item_ + ".";
  }

  // Applies one random operation that keeps the value a positive integer below kMaxValue.
  void step() {
    for (int tries = 0; tries < 20; ++tries) {
      switch (uniform(0, 4)) {
        case 0: {  // buy more
          int k = uniform(3, 60);
          say(cap(who_.pronoun) + " buys " + std::to_string(k) + " more.",
              std::to_string(value_) + " + " + std::to_string(k), value_ + k);
          return;
        }
        case 1: {  // buy packs
          int packs = uniform(2, 9), each = uniform(2, 15);
          say(cap(who_.pronoun) + " then buys " + std::to_string(packs) + " packs with " +
                  std::to_string(each) + " " + item_ + " in each pack.",
              std::to_string(value_) + " + " + std::to_string(packs) + " * " + std::to_string(each),
              value_ + static_cast<long>(packs) * each);
          return;
        }
        case 2: {  // give away
          if (value_ < 4) break;
          int k = uniform(1, static_cast<int>(std::min<long>(value_ - 1, 200)));
          say(cap(who_.pronoun) + " gives " + std::to_string(k) + " of them to a friend.",
              std::to_string(value_) + " - " + std::to_string(k), value_ - k);
          return;
        }
        case 3: {  // multiply
          int f = uniform(2, 4);
          if (value_ * f >= kMaxValue) break;
          const char* word = f == 2 ? "doubles" : f == 3 ? "triples" : "quadruples";
          say(std::string("The number of ") + item_ + " " + who_.name + " has " + word + ".",
              std::to_string(value_) + " * " + std::to_string(f), value_ * f);
          return;
        }
        case 4: {  // share equally, keep one share
          int d = uniform(2, 6);
          if (value_ % d != 0 || value_ / d < 1) break;
          say(cap(who_.pronoun) + " shares them equally among " + std::to_string(d) +
                  " boxes and keeps only one box.",
              std::to_string(value_) + " / " + std::to_string(d), value_ / d);
          return;
        }
      }
    }
    int k = uniform(3, 60);  // always possible
    say(cap(who_.pronoun) + " finds " + std::to_string(k) + " more.",
        std::to_string(value_) + " + " + std::to_string(k), value_ + k);
  }

  nlohmann::json finish(int steps) {
    question_ += " How many " + std::string(item_) + " does " + who_.name + " have now?";
    solution_ += "\n#### " + std::to_string(value_);
    return {{"question", question_},
            {"answer", solution_},
            {"steps", steps},
            {"generator_version", kArithVersion}};
  }

 private:
  void say(const std::string& sentence, const std::string& expr, long result) {
    question_ += " " + sentence;
    solution_ += "\n" + expr + " = " + std::to_string(result) + ".";
    value_ = result;
  }

  SplitMix64& rng_;
  const Person& who_;
  const char* item_;
  long value_ = 0;
  std::string question_, solution_;
};

int param(const std::map<std::string, int>& params, const char* key, int fallback) {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

}  // namespace

std::vector<nlohmann::json> generate_arith(int count, uint64_t seed,
                                           const std::map<std::string, int>& params) {
  int min_steps = std::max(1, param(params, "min_steps", 2));
  int max_steps = std::max(min_steps, param(params, "max_steps", 5));
  std::vector<nlohmann::json> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    // One stream per problem: problem i is the same whatever the count.
    SplitMix64 rng(hash64("arith:" + std::to_string(i), seed));
    const Person& who = kPeople[rng.below(kPeople.size())];
    const char* item = kItems[rng.below(kItems.size())];
    ProblemBuilder b(rng, who, item);
    int steps = b.uniform(min_steps, max_steps);
    b.start();
    for (int s = 0; s < steps; ++s) b.step();
    out.push_back(b.finish(steps));
  }
  return out;
}

}  // namespace ys
