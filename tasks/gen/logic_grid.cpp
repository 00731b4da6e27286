// gen_logic_grid: ordering puzzles and logic grids with exactly one solution
// (tasks/gen/gen.h). Clues are drawn true in a hidden arrangement and kept only when they
// rule out an arrangement still possible; drawing stops when one arrangement is left.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "tasks/gen/common.h"
#include "tasks/gen/gen.h"

namespace ys {
namespace {

using gen::uniform;

constexpr const char* kName = "gen_logic_grid";
constexpr const char* kVersion = "gen_logic_grid/1";
const std::vector<std::string> kPets = {"cat", "dog", "fish", "parrot", "rabbit"};
const std::vector<std::string> kCounts = {"", "one", "two", "three", "four", "five"};

// One arrangement: seat[p] (0-based, left to right) and pet[p] of each person p.
struct Arrangement {
  std::vector<int> seat, pet;
};

// Who a clue is about: a person, or the owner of a pet.
struct Subject {
  bool by_pet = false;
  int index = 0;  // person, or pet when by_pet
};

struct Clue {
  enum Kind { kSeat, kNotSeat, kLeftOf, kDirectlyLeftOf, kAtEnd, kOwns, kNotOwns } kind;
  Subject a, b;   // b: the second subject of kLeftOf / kDirectlyLeftOf
  int value = 0;  // a seat (kSeat, kNotSeat) or a pet (kOwns, kNotOwns)
};

int person_of(const Arrangement& x, const Subject& s) {
  if (!s.by_pet) return s.index;
  return static_cast<int>(std::find(x.pet.begin(), x.pet.end(), s.index) - x.pet.begin());
}

bool holds(const Clue& c, const Arrangement& x, int n) {
  const int sa = x.seat[static_cast<size_t>(person_of(x, c.a))];
  switch (c.kind) {
    case Clue::kSeat:
      return sa == c.value;
    case Clue::kNotSeat:
      return sa != c.value;
    case Clue::kLeftOf:
      return sa < x.seat[static_cast<size_t>(person_of(x, c.b))];
    case Clue::kDirectlyLeftOf:
      return sa + 1 == x.seat[static_cast<size_t>(person_of(x, c.b))];
    case Clue::kAtEnd:
      return sa == 0 || sa == n - 1;
    case Clue::kOwns:
      return x.pet[static_cast<size_t>(c.a.index)] == c.value;
    case Clue::kNotOwns:
      return x.pet[static_cast<size_t>(c.a.index)] != c.value;
  }
  return false;
}

std::string subject_text(const Subject& s, const std::vector<std::string>& names, bool first) {
  if (!s.by_pet) return names[static_cast<size_t>(s.index)];
  return std::string(first ? "The" : "the") + " owner of the " +
         kPets[static_cast<size_t>(s.index)];
}

std::string clue_text(const Clue& c, const std::vector<std::string>& names) {
  const std::string a = subject_text(c.a, names, true);
  switch (c.kind) {
    case Clue::kSeat:
      return a + " sits in seat " + std::to_string(c.value + 1) + ".";
    case Clue::kNotSeat:
      return a + " does not sit in seat " + std::to_string(c.value + 1) + ".";
    case Clue::kLeftOf:
      return a + " sits somewhere to the left of " + subject_text(c.b, names, false) + ".";
    case Clue::kDirectlyLeftOf:
      return a + " sits directly to the left of " + subject_text(c.b, names, false) + ".";
    case Clue::kAtEnd:
      return a + " sits at one end of the row.";
    case Clue::kOwns:
      return a + " owns the " + kPets[static_cast<size_t>(c.value)] + ".";
    case Clue::kNotOwns:
      return a + " does not own the " + kPets[static_cast<size_t>(c.value)] + ".";
  }
  return "";
}

// Every arrangement of n people (with pets when `pets`).
std::vector<Arrangement> all_arrangements(int n, bool pets) {
  std::vector<int> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<std::vector<int>> perms;
  do perms.push_back(perm);
  while (std::next_permutation(perm.begin(), perm.end()));
  std::vector<Arrangement> out;
  for (const auto& s : perms) {
    if (!pets) {
      out.push_back({s, perm});
      continue;
    }
    for (const auto& p : perms) out.push_back({s, p});
  }
  return out;
}

// A clue true of `truth`, drawn at random. Direct clues (a seat, a pet) only when `direct`.
Clue draw_clue(PythonRandom& rng, const Arrangement& truth, int n, bool pets, bool direct) {
  auto subject = [&]() {
    Subject s;
    s.by_pet = pets && uniform(rng, 0, 2) == 0;
    s.index = uniform(rng, 0, n - 1);
    return s;
  };
  while (true) {
    Clue c{static_cast<Clue::Kind>(uniform(rng, 0, pets ? 6 : 4)), subject(), subject(), 0};
    if (!direct && (c.kind == Clue::kSeat || c.kind == Clue::kOwns)) continue;
    if (c.kind == Clue::kOwns || c.kind == Clue::kNotOwns) c.a.by_pet = false;
    if (c.kind == Clue::kSeat || c.kind == Clue::kNotSeat) c.value = uniform(rng, 0, n - 1);
    if (c.kind == Clue::kOwns || c.kind == Clue::kNotOwns) c.value = uniform(rng, 0, n - 1);
    if ((c.kind == Clue::kLeftOf || c.kind == Clue::kDirectlyLeftOf) &&
        person_of(truth, c.a) == person_of(truth, c.b))
      continue;  // "X sits left of X" says nothing
    if (holds(c, truth, n)) return c;
  }
}

}  // namespace

std::vector<nlohmann::json> generate_logic_grids(int count, uint64_t seed,
                                                 const std::map<std::string, int>& params) {
  const int level = gen::difficulty(kName, params);
  const int n = level == 3 ? 5 : 4;
  const bool pets = level >= 2;
  const std::vector<Arrangement> every = all_arrangements(n, pets);
  std::vector<nlohmann::json> out;
  for (int i = 0; i < count; ++i) {
    PythonRandom rng = gen::sample_rng(kName, seed, i);
    const auto names = gen::pick_distinct(rng, gen::given_names(), static_cast<size_t>(n));
    Arrangement truth =
        every[static_cast<size_t>(uniform(rng, 0, static_cast<int>(every.size()) - 1))];
    std::vector<const Arrangement*> left;
    for (const auto& a : every) left.push_back(&a);
    std::vector<Clue> clues;
    for (int tries = 0; left.size() > 1; ++tries) {
      // Indirect clues first; a direct one may come after many draws (level 1 at once).
      const Clue c = draw_clue(rng, truth, n, pets, level == 1 || tries > 60);
      std::vector<const Arrangement*> kept;
      for (const Arrangement* a : left)
        if (holds(c, *a, n)) kept.push_back(a);
      if (kept.size() == left.size()) continue;  // rules nothing out: not a clue worth giving
      left = std::move(kept);
      clues.push_back(c);
    }
    // The question: a seat's person, or (with pets) a pet's owner.
    const bool ask_pet = pets && uniform(rng, 0, 1) == 1;
    const int asked = uniform(rng, 0, n - 1);
    std::string ask, answer;
    for (int p = 0; p < n; ++p) {
      const auto pi = static_cast<size_t>(p);
      if ((ask_pet ? truth.pet[pi] : truth.seat[pi]) == asked) answer = names[pi];
    }
    ask = ask_pet ? "Who owns the " + kPets[static_cast<size_t>(asked)] + "?"
                  : "Who sits in seat " + std::to_string(asked + 1) + "?";

    std::string list;
    for (int p = 0; p < n; ++p)
      list += (p == 0 ? "" : p == n - 1 ? " and " : ", ") + names[static_cast<size_t>(p)];
    std::string question = std::string(n == 4 ? "Four" : "Five") + " friends, " + list +
                           ", sit in a row of " + kCounts[static_cast<size_t>(n)] +
                           " seats numbered 1 to " + std::to_string(n) +
                           " from left to right, one per seat.";
    if (pets) {
      std::string petlist;
      for (int k = 0; k < n; ++k)
        petlist += (k == 0       ? "a "
                    : k == n - 1 ? " and a "
                                 : ", a ") +
                   kPets[static_cast<size_t>(k)];
      question += " Each of them owns a different pet: " + petlist + ".";
    }
    question += "\nClues:";
    nlohmann::json clue_list = nlohmann::json::array();
    for (size_t k = 0; k < clues.size(); ++k) {
      const std::string text = clue_text(clues[k], names);
      question += "\n" + std::to_string(k + 1) + ". " + text;
      clue_list.push_back(text);
    }
    question += "\n" + ask;

    std::string solution = "Only one arrangement fits every clue:";
    for (int s = 0; s < n; ++s) {
      for (int p = 0; p < n; ++p) {
        const auto pi = static_cast<size_t>(p);
        if (truth.seat[pi] != s) continue;
        solution += std::string(s == 0 ? " " : "; ") + "seat " + std::to_string(s + 1) + ": " +
                    names[pi] +
                    (pets ? " (" + kPets[static_cast<size_t>(truth.pet[pi])] + ")" : "");
      }
    }
    solution += ".";
    nlohmann::json r = gen::record(question, solution, answer, level, kVersion);
    r["people"] = names;
    r["clues"] = clue_list;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ys
