// gen_arith_word: GSM-Symbolic-style templates (tasks/gen/gen.h). The templates, names and
// irrelevant sentences were written for this project.
#include <string>
#include <vector>

#include "tasks/gen/common.h"
#include "tasks/gen/gen.h"

namespace ys {
namespace {

using gen::pick;
using gen::uniform;

constexpr const char* kName = "gen_arith_word";
constexpr const char* kVersion = "gen_arith_word/1";

// The drawn problem before irrelevant sentences are added.
struct Drawn {
  std::string id;
  std::vector<std::string> sentences;  // the statement, one sentence each
  std::string ask;                     // the question sentence, last
  std::string solution;
  long answer = 0;
};

struct Context {
  PythonRandom& rng;
  int difficulty;
  std::string a, b;  // two distinct names
  // A number for a quantity of this problem: the range widens with difficulty.
  int n(int lo1, int hi1) {
    const int scale = difficulty == 1 ? 1 : difficulty == 2 ? 4 : 10;
    return uniform(rng, lo1, hi1 * scale);
  }
  bool extra() const { return difficulty == 3; }  // the extra step of difficulty 3
};

std::string str(long v) {
  return std::to_string(v);
}

Drawn packs(Context& c) {
  const std::string item = pick(
      c.rng, std::vector<std::string>{"stickers", "marbles", "pencils", "postcards", "batteries"});
  const int packs = c.n(2, 9), each = c.n(3, 12);
  const int total = packs * each;
  const int given = uniform(c.rng, 1, total - 1);
  Drawn d{"packs", {}, "", "", 0};
  d.sentences = {c.a + " buys " + str(packs) + " packs of " + item + ".",
                 "Each pack holds " + str(each) + " " + item + ".",
                 c.a + " gives " + str(given) + " " + item + " to " + c.b + "."};
  d.solution = c.a + " buys " + str(packs) + " * " + str(each) + " = " + str(total) + " " + item +
               ".\nAfter giving " + str(given) + " away, " + c.a + " has " + str(total) + " - " +
               str(given) + " = " + str(total - given) + ".";
  d.answer = total - given;
  if (c.extra()) {
    const int more = c.n(2, 20);
    d.sentences.push_back("Then " + c.a + " buys " + str(more) + " more " + item + ".");
    d.solution += "\nBuying " + str(more) + " more gives " + str(d.answer) + " + " + str(more) +
                  " = " + str(d.answer + more) + ".";
    d.answer += more;
  }
  d.ask = "How many " + item + " does " + c.a + " have now?";
  return d;
}

Drawn savings(Context& c) {
  const std::string thing =
      pick(c.rng, std::vector<std::string>{"bicycle", "guitar", "jacket", "board game", "lamp"});
  const int weekly = c.n(3, 15), weeks = c.n(2, 8);
  const int saved = weekly * weeks;
  const int spent = uniform(c.rng, 1, saved - 1);
  Drawn d{"savings", {}, "", "", 0};
  d.sentences = {c.a + " saves $" + str(weekly) + " every week for " + str(weeks) + " weeks.",
                 "Then " + c.a + " spends $" + str(spent) + " on a " + thing + "."};
  d.solution = c.a + " saves " + str(weekly) + " * " + str(weeks) + " = " + str(saved) +
               " dollars.\nAfter the " + thing + ", " + str(saved) + " - " + str(spent) + " = " +
               str(saved - spent) + " dollars are left.";
  d.answer = saved - spent;
  if (c.extra()) {
    const int earned = c.n(2, 30);
    d.sentences.push_back("After that, " + c.a + " earns $" + str(earned) + " for doing chores.");
    d.solution += "\nWith the chores: " + str(d.answer) + " + " + str(earned) + " = " +
                  str(d.answer + earned) + ".";
    d.answer += earned;
  }
  d.ask = "How many dollars does " + c.a + " have left?";
  return d;
}

Drawn garden(Context& c) {
  const std::string plant =
      pick(c.rng, std::vector<std::string>{"tulips", "tomatoes", "carrots", "sunflowers"});
  const int rows = c.n(2, 8), per_row = c.n(3, 10);
  const int first = rows * per_row;
  const int fewer = uniform(c.rng, 1, first - 1);
  Drawn d{"garden", {}, "", "", 0};
  d.sentences = {c.a + " plants " + str(rows) + " rows of " + plant + " with " + str(per_row) +
                     " plants in each row.",
                 c.b + " plants " + str(fewer) + " fewer " + plant + " than " + c.a + "."};
  const int second = first - fewer;
  d.solution = c.a + " plants " + str(rows) + " * " + str(per_row) + " = " + str(first) + ".\n" +
               c.b + " plants " + str(first) + " - " + str(fewer) + " = " + str(second) +
               ".\nTogether: " + str(first) + " + " + str(second) + " = " + str(first + second) +
               ".";
  d.answer = first + second;
  if (c.extra()) {
    const int lost = uniform(c.rng, 1, second);
    d.sentences.push_back("A storm destroys " + str(lost) + " of " + c.b + "'s plants.");
    d.solution += "\nAfter the storm: " + str(d.answer) + " - " + str(lost) + " = " +
                  str(d.answer - lost) + ".";
    d.answer -= lost;
  }
  d.ask = "How many plants do " + c.a + " and " + c.b + " have in total?";
  return d;
}

Drawn travel(Context& c) {
  const int v = c.n(20, 30), h = uniform(c.rng, 1, 2 + c.difficulty);
  const int u = c.n(20, 30), g = uniform(c.rng, 1, 2 + c.difficulty);
  Drawn d{"travel", {}, "", "", 0};
  d.sentences = {
      c.a + " drives at " + str(v) + " kilometers per hour for " + str(h) + " hours.",
      "Then " + c.a + " drives at " + str(u) + " kilometers per hour for " + str(g) + " hours."};
  d.solution = "First part: " + str(v) + " * " + str(h) + " = " + str(v * h) +
               " km.\nSecond part: " + str(u) + " * " + str(g) + " = " + str(u * g) +
               " km.\nTotal: " + str(v * h + u * g) + " km.";
  d.answer = v * h + u * g;
  if (c.extra()) {
    const int more = c.n(3, 20);
    d.sentences.push_back("Finally " + c.a + " drives " + str(more) + " more kilometers.");
    d.solution += "\nWith the last stretch: " + str(d.answer) + " + " + str(more) + " = " +
                  str(d.answer + more) + " km.";
    d.answer += more;
  }
  d.ask = "How many kilometers does " + c.a + " drive in total?";
  return d;
}

Drawn boxes(Context& c) {
  const std::string food =
      pick(c.rng, std::vector<std::string>{"cookies", "muffins", "dumplings", "pretzels"});
  const int boxes = c.n(2, 8), per_box = c.n(2, 12);
  const int baked = boxes * per_box;
  const int taken = uniform(c.rng, 1, boxes);
  Drawn d{"boxes", {}, "", "", 0};
  d.sentences = {c.a + " bakes " + str(baked) + " " + food + " and packs them equally into " +
                 str(boxes) + " boxes."};
  d.solution = "Each box holds " + str(baked) + " / " + str(boxes) + " = " + str(per_box) + ".";
  long each = per_box;
  if (c.extra()) {
    const int added = c.n(1, 5);
    d.sentences.push_back(c.a + " adds " + str(added) + " more " + food + " to each box.");
    d.solution += "\nWith the additions each box holds " + str(per_box) + " + " + str(added) +
                  " = " + str(per_box + added) + ".";
    each += added;
  }
  d.sentences.push_back(c.b + " takes " + str(taken) + " boxes.");
  d.solution +=
      "\n" + c.b + " takes " + str(taken) + " * " + str(each) + " = " + str(taken * each) + ".";
  d.answer = taken * each;
  d.ask = "How many " + food + " does " + c.b + " take?";
  return d;
}

Drawn sale(Context& c) {
  const std::string thing =
      pick(c.rng, std::vector<std::string>{"notebook", "scarf", "mug", "puzzle", "backpack"});
  const int off = pick(c.rng, std::vector<int>{10, 20, 25, 50});
  // A price whose discount is a whole number of dollars: a multiple of 100 / gcd(100, off).
  const int step = off == 25 ? 4 : off == 50 ? 2 : off == 20 ? 5 : 10;
  const int price = step * c.n(1, 8);
  const int count = c.n(2, 5);
  const int each = price * (100 - off) / 100;
  Drawn d{"sale", {}, "", "", 0};
  d.sentences = {"A " + thing + " costs $" + str(price) + ".",
                 "This week it is sold at " + str(off) + "% off.",
                 c.a + " buys " + str(count) + " of them."};
  d.solution = "The discount is " + str(price) + " * " + str(off) +
               " / 100 = " + str(price - each) + " dollars, so one costs " + str(each) + ".\n" +
               str(count) + " cost " + str(count) + " * " + str(each) + " = " + str(count * each) +
               ".";
  d.answer = static_cast<long>(count) * each;
  if (c.extra()) {
    const int shipping = c.n(2, 9);
    d.sentences.push_back(c.a + " also pays $" + str(shipping) + " for shipping.");
    d.solution += "\nWith shipping: " + str(d.answer) + " + " + str(shipping) + " = " +
                  str(d.answer + shipping) + ".";
    d.answer += shipping;
  }
  d.ask = "How many dollars does " + c.a + " pay in total?";
  return d;
}

// Irrelevant sentences with a number (GSM-NoOp style): none of them changes the answer.
std::string irrelevant(PythonRandom& rng, const std::string& who) {
  switch (uniform(rng, 0, 4)) {
    case 0:
      return who + " is " + str(uniform(rng, 8, 70)) + " years old.";
    case 1:
      return "The town library opened " + str(uniform(rng, 3, 90)) + " years ago.";
    case 2:
      return "It rained on " + str(uniform(rng, 2, 20)) + " days last month.";
    case 3:
      return who + "'s house has " + str(uniform(rng, 4, 30)) + " windows.";
    default:
      return who + " walks " + str(uniform(rng, 2, 9)) + " blocks to school each morning.";
  }
}

}  // namespace

std::vector<nlohmann::json> generate_word_problems(int count, uint64_t seed,
                                                   const std::map<std::string, int>& params) {
  const int level = gen::difficulty(kName, params);
  std::vector<nlohmann::json> out;
  for (int i = 0; i < count; ++i) {
    PythonRandom rng = gen::sample_rng(kName, seed, i);
    const auto names = gen::pick_distinct(rng, gen::given_names(), 3);
    Context c{rng, level, names[0], names[1]};
    Drawn d;
    switch (uniform(rng, 0, 5)) {
      case 0:
        d = packs(c);
        break;
      case 1:
        d = savings(c);
        break;
      case 2:
        d = garden(c);
        break;
      case 3:
        d = travel(c);
        break;
      case 4:
        d = boxes(c);
        break;
      default:
        d = sale(c);
        break;
    }
    // Irrelevant sentences go after a random sentence of the statement (never first).
    for (int k = 0; k < level - 1; ++k) {
      const int at = uniform(rng, 1, static_cast<int>(d.sentences.size()));
      d.sentences.insert(d.sentences.begin() + at, irrelevant(rng, names[2]));
    }
    std::string question;
    for (const auto& s : d.sentences) question += s + " ";
    question += d.ask;
    nlohmann::json r = gen::record(question, d.solution, str(d.answer), level, kVersion);
    r["template"] = d.id;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ys
