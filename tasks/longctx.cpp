#include "tasks/longctx.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "tasks/longctx_text.h"
#include "tasks/spec.h"
#include "util/hash.h"
#include "util/strings.h"

namespace ys {
namespace {

using longctx::Rng;

enum class Family { kNiah, kGrid, kVt, kCwe, kFwe, kQa };
enum class Hay { kEssay, kNoise, kNeedle, kNone };
enum class Kind { kWords, kNumbers, kUuids };

// RULER's task table (benchmark-suites.md C2): haystack, key/value types, #keys/#values/
// #queries. qa_multihop replaces qa_1/qa_2, which need SQuAD/HotpotQA files.
struct Def {
  const char* name;
  Family family;
  Hay hay;
  Kind key, value;
  int k, v, q;
};
constexpr Def kDefs[] = {
    {"niah_single_1", Family::kNiah, Hay::kNoise, Kind::kWords, Kind::kNumbers, 1, 1, 1},
    {"niah_single_2", Family::kNiah, Hay::kEssay, Kind::kWords, Kind::kNumbers, 1, 1, 1},
    {"niah_single_3", Family::kNiah, Hay::kEssay, Kind::kWords, Kind::kUuids, 1, 1, 1},
    {"niah_multikey_1", Family::kNiah, Hay::kEssay, Kind::kWords, Kind::kNumbers, 4, 1, 1},
    {"niah_multikey_2", Family::kNiah, Hay::kNeedle, Kind::kWords, Kind::kNumbers, 1, 1, 1},
    {"niah_multikey_3", Family::kNiah, Hay::kNeedle, Kind::kUuids, Kind::kUuids, 1, 1, 1},
    {"niah_multivalue", Family::kNiah, Hay::kEssay, Kind::kWords, Kind::kNumbers, 1, 4, 1},
    {"niah_multiquery", Family::kNiah, Hay::kEssay, Kind::kWords, Kind::kNumbers, 4, 1, 4},
    {"vt", Family::kVt, Hay::kNoise, Kind::kWords, Kind::kNumbers, 0, 0, 0},
    {"cwe", Family::kCwe, Hay::kNone, Kind::kWords, Kind::kWords, 0, 0, 0},
    {"fwe", Family::kFwe, Hay::kNone, Kind::kWords, Kind::kWords, 0, 0, 0},
    {"qa_multihop", Family::kQa, Hay::kNone, Kind::kWords, Kind::kWords, 0, 0, 0},
    {"niah", Family::kGrid, Hay::kEssay, Kind::kWords, Kind::kNumbers, 1, 1, 1},
};

const Def& find_def(const std::string& name) {
  for (const Def& d : kDefs) {
    if (name == d.name) return d;
  }
  std::string known;
  for (const Def& d : kDefs) known += (known.empty() ? "" : ", ") + std::string(d.name);
  throw InputError("unknown long-context task '" + name + "' (known: " + known + ")");
}

const char* hay_name(Hay h) {
  switch (h) {
    case Hay::kEssay:
      return "essay";
    case Hay::kNoise:
      return "noise";
    case Hay::kNeedle:
      return "needle";
    case Hay::kNone:
      break;
  }
  return "none";
}

Hay parse_hay(const std::string& s) {
  if (s == "essay") return Hay::kEssay;
  if (s == "noise") return Hay::kNoise;
  if (s == "needle") return Hay::kNeedle;
  if (s == "none") return Hay::kNone;
  throw InputError("unknown haystack '" + s + "' (expected essay or noise)");
}

// What a description says, parsed.
struct Desc {
  const Def* def = nullptr;
  Hay hay = Hay::kNone;
  uint64_t seed = 0;
  int64_t index = 0;
  int64_t context_length = 0;
  int depth = -1;  // -1: drawn at random
  int64_t size = -1;
};

Desc parse_desc(const nlohmann::json& j) {
  if (!j.is_object() || j.value("generator", "") != kLongContextGenerator) {
    throw InputError("not a long-context description: " + j.dump().substr(0, 200));
  }
  if (j.value("version", 0) != kLongContextVersion) {
    throw InputError("long-context description of version " +
                     std::to_string(j.value("version", 0)) + "; this yardstick generates version " +
                     std::to_string(kLongContextVersion));
  }
  Desc d;
  try {
    d.def = &find_def(j.at("task").get<std::string>());
    d.hay = parse_hay(j.value("haystack", std::string(hay_name(d.def->hay))));
    d.seed = j.at("seed").get<uint64_t>();
    d.index = j.at("index").get<int64_t>();
    d.context_length = j.at("context_length").get<int64_t>();
    if (j.contains("depth") && !j["depth"].is_null()) d.depth = j["depth"].get<int>();
    if (j.contains("size")) d.size = j["size"].get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError("malformed long-context description: " + std::string(e.what()));
  }
  return d;
}

// Independent streams of one sample: `stream` 1 for its facts (needles, keys, answers),
// 2 for its haystack.
Rng rng_for(const Desc& d, int stream) {
  std::string key = std::string(d.def->name) + "/" + std::to_string(d.index) + "/" +
                    std::to_string(d.context_length) + "/" + std::to_string(d.depth) + "/" +
                    std::to_string(stream);
  return Rng(hash64(key, d.seed));
}

// A needle (fact) and where it goes: a fraction of the haystack's bytes.
struct Placed {
  std::string text;
  double fraction;
};

// Generates `n` haystack units with `unit(buf)`, then writes them to `out` joined by `sep`
// with each needle inserted at the unit boundary nearest its fraction of the haystack's
// bytes (needles sorted by fraction). `numbering` prefixes every item "<numbering><i>:\n".
// Offsets of the needles in `out` are appended to `offsets`.
template <typename UnitFn>
void assemble(std::string& out, int64_t n, UnitFn unit, const std::string& sep,
              const std::vector<Placed>& needles, const char* numbering,
              std::vector<size_t>& offsets) {
  std::string buf;
  std::vector<size_t> starts;
  starts.reserve(static_cast<size_t>(n) + 1);
  for (int64_t k = 0; k < n; ++k) {
    starts.push_back(buf.size());
    unit(buf);
  }
  starts.push_back(buf.size());
  const double total = static_cast<double>(buf.size());
  std::vector<size_t> at;  // boundary index of each needle
  for (const Placed& p : needles) {
    const double target = p.fraction * total;
    auto it =
        std::lower_bound(starts.begin(), starts.end(), static_cast<size_t>(std::ceil(target)));
    size_t b = static_cast<size_t>(it - starts.begin());
    if (b > static_cast<size_t>(n)) b = static_cast<size_t>(n);
    if (b > 0 &&
        target - static_cast<double>(starts[b - 1]) < static_cast<double>(starts[b]) - target) {
      --b;
    }
    at.push_back(b);
  }
  out.reserve(out.size() + buf.size() + static_cast<size_t>(n) * (sep.size() + 16) + 4096);
  bool first = true;
  int64_t item = 0;
  auto emit = [&](std::string_view s, bool needle) {
    if (!first) out += sep;
    first = false;
    if (numbering) {
      out += numbering;
      out += std::to_string(++item);
      out += ":\n";
    }
    if (needle) offsets.push_back(out.size());
    out += s;
  };
  size_t next = 0;
  for (size_t k = 0; k <= static_cast<size_t>(n); ++k) {
    while (next < needles.size() && at[next] == k) emit(needles[next++].text, true);
    if (k < static_cast<size_t>(n))
      emit(std::string_view(buf).substr(starts[k], starts[k + 1] - starts[k]), false);
  }
}

// "a", "a and b" -> RULER joins 2+ keys as "a, b, and c".
std::string join_keys(const std::vector<std::string>& keys) {
  if (keys.size() == 1) return keys[0];
  std::string out;
  for (size_t i = 0; i + 1 < keys.size(); ++i) out += keys[i] + ", ";
  return out + "and " + keys.back();
}

std::string draw(Rng& rng, Kind kind) {
  switch (kind) {
    case Kind::kWords:
      return longctx::word_key(rng);
    case Kind::kNumbers:
      return longctx::number_value(rng);
    case Kind::kUuids:
      return longctx::uuid_value(rng);
  }
  return "";
}

// A value of `kind` not in `taken`, added to it.
std::string draw_new(Rng& rng, Kind kind, std::unordered_set<std::string>& taken) {
  for (int tries = 0;; ++tries) {
    std::string s = draw(rng, kind);
    // Word keys come from a finite list: after many tries take a numbered variant.
    if (tries > 64 && kind == Kind::kWords) s += "-" + std::to_string(tries);
    if (taken.insert(s).second) return s;
  }
}

// RULER's depth grid for random needle depths: round(linspace(0, 100, 40)).
std::vector<double> ruler_depths() {
  std::vector<double> d;
  for (int i = 0; i < 40; ++i) d.push_back(std::round(100.0 * i / 39.0) / 100.0);
  return d;
}

// `count` fractions: the sample's depth for all when it has one, else distinct draws from
// RULER's depth grid, sorted.
std::vector<double> needle_fractions(Rng& rng, const Desc& d, size_t count) {
  std::vector<double> out;
  if (d.depth >= 0) return std::vector<double>(count, d.depth / 100.0);
  std::vector<double> grid = ruler_depths();
  for (size_t i = 0; i < count && i < grid.size(); ++i) {
    std::swap(grid[i], grid[i + rng.below(grid.size() - i)]);
    out.push_back(grid[i]);
  }
  while (out.size() < count) out.push_back(rng.unit());
  std::sort(out.begin(), out.end());
  return out;
}

GeneratedPrompt build_niah(const Desc& d, int64_t size) {
  const Def& def = *d.def;
  Rng meta = rng_for(d, 1), hay = rng_for(d, 2);
  const int num_k = std::max(def.k, def.q);
  std::unordered_set<std::string> keys_taken, values_taken;
  std::vector<std::string> keys;
  std::vector<std::vector<std::string>> values;
  for (int i = 0; i < num_k; ++i) {
    keys.push_back(draw_new(meta, def.key, keys_taken));
    auto& vs = values.emplace_back();
    for (int j = 0; j < def.v; ++j) vs.push_back(draw_new(meta, def.value, values_taken));
  }
  const bool uuid_values = def.value == Kind::kUuids;
  const std::string type_plural = uuid_values ? "uuids" : "numbers";
  const std::string type_single = uuid_values ? "uuid" : "number";
  std::vector<std::string> needle_texts;
  for (int i = 0; i < num_k; ++i) {
    for (const auto& v : values[static_cast<size_t>(i)]) {
      needle_texts.push_back("One of the special magic " + type_plural + " for " +
                             keys[static_cast<size_t>(i)] + " is: " + v + ".");
    }
  }
  shuffle(meta, needle_texts);
  std::vector<int> asked(static_cast<size_t>(num_k));
  for (int i = 0; i < num_k; ++i) asked[static_cast<size_t>(i)] = i;
  shuffle(meta, asked);
  asked.resize(static_cast<size_t>(def.q));
  GeneratedPrompt g;
  std::vector<std::string> query_keys;
  for (int i : asked) {
    query_keys.push_back(keys[static_cast<size_t>(i)]);
    for (const auto& v : values[static_cast<size_t>(i)]) g.answers.push_back(v);
  }
  const std::vector<double> fractions = needle_fractions(meta, d, needle_texts.size());
  std::vector<Placed> needles;
  for (size_t i = 0; i < needle_texts.size(); ++i)
    needles.push_back({needle_texts[i], fractions[i]});

  const std::string query = join_keys(query_keys);
  const bool plural = def.q * def.v > 1;
  std::string& t = g.text;
  if (def.family == Family::kNiah) {
    t = plural ? "Some special magic " + type_plural +
                     " are hidden within the following text. Make sure to memorize it. I will "
                     "quiz you about the " +
                     type_plural + " afterwards.\n"
               : "A special magic " + type_single +
                     " is hidden within the following text. Make sure to memorize it. I will "
                     "quiz you about the " +
                     type_single + " afterwards.\n";
  }
  g.haystack_begin = t.size();
  std::function<void(std::string&)> unit;
  std::string sep = "\n";
  switch (d.hay) {
    case Hay::kEssay:
      unit = [&hay](std::string& buf) { longctx::append_essay_sentence(hay, buf); };
      sep = " ";
      break;
    case Hay::kNoise:
      unit = [](std::string& buf) { buf += longctx::kNoiseSentence; };
      break;
    case Hay::kNeedle:
    case Hay::kNone:
      // Every line a distractor needle: a key never asked, a value never an answer.
      unit = [&](std::string& buf) {
        std::string key = draw(hay, def.key);
        while (keys_taken.count(key)) key = draw(hay, def.key);
        std::string value = draw(hay, def.value);
        while (values_taken.count(value)) value = draw(hay, def.value);
        buf += "One of the special magic " + type_plural + " for " + key + " is: " + value + ".";
      };
      break;
  }
  assemble(t, size, unit, sep, needles, nullptr, g.needle_offsets);
  g.haystack_end = t.size();
  if (def.family == Family::kGrid) {
    t += "\n\nWhat is the special magic " + type_single + " for " + query +
         " mentioned in the provided text? Don't give information outside the document or "
         "repeat your findings.";
  } else if (plural) {
    t += "\nWhat are all the special magic " + type_plural + " for " + query +
         " mentioned in the provided text? The special magic " + type_plural + " for " + query +
         " mentioned in the provided text are";
  } else {
    t += "\nWhat is the special magic " + type_single + " for " + query +
         " mentioned in the provided text? The special magic " + type_single + " for " + query +
         " mentioned in the provided text is";
  }
  return g;
}

// Variable tracking: one chain of 4 hops hidden in noise, after one solved example.
GeneratedPrompt build_vt(const Desc& d, int64_t size) {
  constexpr int kHops = 4;
  Rng meta = rng_for(d, 1);
  std::unordered_set<std::string> taken;
  auto chain = [&](std::vector<std::string>& names, std::string& value) {
    for (int i = 0; i <= kHops; ++i) {
      std::string n = longctx::upper_name(meta, 5);
      while (!taken.insert(n).second) n = longctx::upper_name(meta, 5);
      names.push_back(n);
    }
    value = std::to_string(meta.between(10000, 99999));
    std::vector<std::string> statements = {"VAR " + names[0] + " = " + value};
    for (int i = 1; i <= kHops; ++i) {
      statements.push_back("VAR " + names[static_cast<size_t>(i)] + " = VAR " +
                           names[static_cast<size_t>(i - 1)]);
    }
    return statements;
  };
  auto question = [](const std::string& value) {
    return "\nQuestion: Find all variables that are assigned the value " + value +
           " in the text above. Answer: According to the chain(s) of variable assignment in "
           "the text above, " +
           std::to_string(kHops + 1) + " variables are assigned the value " + value +
           ", they are: ";
  };
  const std::string intro =
      "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n";
  GeneratedPrompt g;
  std::string& t = g.text;
  // The solved example (RULER prepends one): its own names and value, a little noise.
  std::vector<std::string> ex_names;
  std::string ex_value;
  std::vector<std::string> ex = chain(ex_names, ex_value);
  t = intro;
  for (size_t i = 0; i < ex.size(); ++i)
    t += std::string(longctx::kNoiseSentence) + "\n" + ex[i] + "\n";
  t += question(ex_value);
  for (size_t i = 0; i < ex_names.size(); ++i) t += (i ? " " : "") + ex_names[i];
  t += "\n\n" + intro;

  std::vector<std::string> names;
  std::string value;
  std::vector<std::string> statements = chain(names, value);
  std::vector<double> fractions;
  for (size_t i = 0; i < statements.size(); ++i) fractions.push_back(meta.unit());
  std::sort(fractions.begin(), fractions.end());
  std::vector<Placed> needles;
  for (size_t i = 0; i < statements.size(); ++i) needles.push_back({statements[i], fractions[i]});
  g.haystack_begin = t.size();
  assemble(
      t, size, [](std::string& buf) { buf += longctx::kNoiseSentence; }, "\n", needles, nullptr,
      g.needle_offsets);
  g.haystack_end = t.size();
  t += question(value);
  g.answers = names;
  return g;
}

// Common words: a numbered list where 10 words appear often and the rest rarely.
GeneratedPrompt build_cwe(const Desc& d, int64_t size) {
  constexpr int kCommon = 10;
  Rng meta = rng_for(d, 1), hay = rng_for(d, 2);
  std::unordered_set<std::string> taken;
  auto words = [&](size_t n) {
    std::vector<std::string> w;
    for (size_t i = 0; i < n; ++i) {
      std::string s = longctx::pseudo_word(meta);
      while (!taken.insert(s).second) s = longctx::pseudo_word(meta);
      w.push_back(std::move(s));
    }
    return w;
  };
  auto render_list = [](Rng& rng, const std::vector<std::string>& w, int common_freq, int rare_freq,
                        std::string& out) {
    std::vector<uint32_t> entries;
    for (uint32_t i = 0; i < w.size(); ++i) {
      const int f = i < kCommon ? common_freq : rare_freq;
      for (int r = 0; r < f; ++r) entries.push_back(i);
    }
    shuffle(rng, entries);
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out += ' ';
      out += std::to_string(i + 1);
      out += ". ";
      out += w[entries[i]];
    }
  };
  const std::string head =
      "Below is a numbered list of words. In these words, some appear more often than others. "
      "Memorize the ones that appear most often.\n";
  const std::string question =
      "\nQuestion: What are the 10 most common words in the above list? Answer: The top 10 "
      "words that appear most often in the list are:";
  GeneratedPrompt g;
  std::string& t = g.text;
  // The solved example: 40 words, frequencies 10 and 3 (RULER's).
  std::vector<std::string> ex = words(40);
  t = head;
  render_list(meta, ex, 10, 3, t);
  t += question;
  for (int i = 0; i < kCommon; ++i) t += (i ? ", " : " ") + ex[static_cast<size_t>(i)];
  t += ".\n\n" + head;
  std::vector<std::string> w = words(kCommon + static_cast<size_t>(size));
  g.haystack_begin = t.size();
  const bool short_context = d.context_length < 4096;  // RULER: 6/1 below 4K
  render_list(hay, w, short_context ? 6 : 30, short_context ? 1 : 3, t);
  g.haystack_end = t.size();
  t += question;
  g.answers.assign(w.begin(), w.begin() + kCommon);
  return g;
}

// Frequent words: coded words with Zipf counts (alpha 2); the three most frequent after
// the dots are the answer.
GeneratedPrompt build_fwe(const Desc& d, int64_t size) {
  Rng meta = rng_for(d, 1), hay = rng_for(d, 2);
  const size_t vocab_size = static_cast<size_t>(std::max<int64_t>(8, d.context_length / 50));
  std::unordered_set<std::string> taken = {"...."};
  std::vector<std::string> vocab = {"...."};
  while (vocab.size() < vocab_size) {
    std::string s = longctx::lower_word(meta, 6);
    if (taken.insert(s).second) vocab.push_back(std::move(s));
  }
  const double zeta2 = M_PI * M_PI / 6;
  std::vector<uint32_t> entries;
  for (size_t k = 0; k < vocab.size(); ++k) {
    const double rank = static_cast<double>(k + 1);
    const auto count = static_cast<int64_t>(static_cast<double>(size) / (rank * rank) / zeta2);
    for (int64_t r = 0; r < count; ++r) entries.push_back(static_cast<uint32_t>(k));
  }
  shuffle(hay, entries);
  GeneratedPrompt g;
  std::string& t = g.text;
  t = "Read the following coded text and track the frequency of each coded word. Find the "
      "three most frequently appeared coded words. ";
  g.haystack_begin = t.size();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) t += ' ';
    t += vocab[entries[i]];
  }
  g.haystack_end = t.size();
  t += "\nQuestion: Do not provide any explanation. Please ignore the dots '....'. What are the "
       "three most frequently appeared words in the above coded text? Answer: According to the "
       "coded text above, the three most frequently appeared words are:";
  g.answers.assign(vocab.begin() + 1, vocab.begin() + 4);
  return g;
}

bool overlaps(const std::string& a, const std::string& b) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(c | 0x20);
    return s;
  };
  std::string x = lower(a), y = lower(b);
  return x.find(y) != std::string::npos || y.find(x) != std::string::npos;
}

// Two-hop questions over generated documents: "P works in city C", "C lies in country K";
// the question asks for P's country. Distractor documents never name P, C or K.
GeneratedPrompt build_qa(const Desc& d, int64_t size) {
  Rng meta = rng_for(d, 1), hay = rng_for(d, 2);
  const std::string person = longctx::proper_name(meta);
  std::string city = longctx::proper_name(meta);
  while (overlaps(city, person)) city = longctx::proper_name(meta);
  std::string country = longctx::proper_name(meta);
  while (overlaps(country, person) || overlaps(country, city)) country = longctx::proper_name(meta);
  const char* kJobs[] = {"baker",    "clerk",      "surveyor", "teacher",   "glassblower",
                         "ferryman", "bookbinder", "nurse",    "locksmith", "cartographer"};
  auto job = [&](Rng& rng) { return kJobs[rng.below(std::size(kJobs))]; };
  auto fresh = [&](Rng& rng) {
    std::string s = longctx::proper_name(rng);
    while (overlaps(s, person) || overlaps(s, city) || overlaps(s, country))
      s = longctx::proper_name(rng);
    return s;
  };
  std::vector<double> fractions = {meta.unit(), meta.unit()};
  std::sort(fractions.begin(), fractions.end());
  std::vector<std::string> gold = {
      person + " works as a " + job(meta) + " in the city of " + city + ".",
      "The city of " + city + " lies in the country of " + country + "."};
  if (meta.below(2)) std::swap(gold[0], gold[1]);
  std::vector<Placed> needles = {{gold[0], fractions[0]}, {gold[1], fractions[1]}};
  const std::string instruction =
      "Answer the question based on the given documents. Only give me the answer and do not "
      "output any other words.";
  GeneratedPrompt g;
  std::string& t = g.text;
  t = instruction + "\n\nThe following are given documents.\n\n";
  g.haystack_begin = t.size();
  assemble(
      t, size,
      [&](std::string& buf) {
        buf += fresh(hay) + " works as a " + job(hay) + " in the city of " + fresh(hay) + ". ";
        buf += "The city of " + fresh(hay) + " lies in the country of " + fresh(hay) + ". ";
        longctx::append_essay_sentence(hay, buf);
      },
      "\n\n", needles, "Document ", g.needle_offsets);
  g.haystack_end = t.size();
  t += "\n\n" + instruction + "\n\nQuestion: In which country does " + person + " work? Answer:";
  g.answers = {country};
  return g;
}

int64_t min_size(const Desc& d) {
  return d.def->family == Family::kFwe ? 200 : 0;  // fwe: distinct top counts need ~100
}

GeneratedPrompt build(const Desc& d, int64_t size) {
  switch (d.def->family) {
    case Family::kNiah:
    case Family::kGrid:
      return build_niah(d, size);
    case Family::kVt:
      return build_vt(d, size);
    case Family::kCwe:
      return build_cwe(d, size);
    case Family::kFwe:
      return build_fwe(d, size);
    case Family::kQa:
      return build_qa(d, size);
  }
  return {};
}

int64_t parse_length(const std::string& text) {
  std::string t(trim(text));
  int64_t mult = 1;
  if (!t.empty() && (t.back() == 'k' || t.back() == 'K')) {
    mult = 1024;
    t.pop_back();
  } else if (!t.empty() && (t.back() == 'm' || t.back() == 'M')) {
    mult = 1024 * 1024;
    t.pop_back();
  }
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (t.empty() || *end != '\0' || v <= 0) {
    throw InputError("bad context length '" + text + "' (expected e.g. 4096, 8k, 1M)");
  }
  return v * mult;
}

}  // namespace

const std::vector<std::string>& long_context_tasks() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Def& d : kDefs) n.emplace_back(d.name);
    return n;
  }();
  return names;
}

const std::vector<int64_t>& default_context_lengths() {
  static const std::vector<int64_t> v = {4096, 8192, 16384, 32768, 65536, 131072};
  return v;
}

const std::vector<int64_t>& grid_context_lengths() {
  static const std::vector<int64_t> v = {4096,   8192,   16384,  32768,  65536,
                                         131072, 262144, 524288, 1048576};
  return v;
}

const std::vector<int>& grid_depths() {
  static const std::vector<int> v = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  return v;
}

std::vector<int64_t> parse_context_lengths(const std::string& text) {
  std::vector<int64_t> out;
  for (const auto& part : split(text, ',')) {
    if (!trim(part).empty()) out.push_back(parse_length(part));
  }
  if (out.empty()) throw InputError("no context lengths in '" + text + "'");
  return out;
}

std::vector<nlohmann::json> describe_samples(const GeneratorSpec& spec) {
  const nlohmann::json& o = spec.options;
  for (const auto& [key, value] : o.items()) {
    if (key != "task" && key != "context_lengths" && key != "depths" && key != "haystack") {
      throw InputError("generator longctx: unknown option '" + key +
                       "' (known: task, context_lengths, depths, haystack)");
    }
  }
  if (!spec.params.empty()) {
    throw InputError("generator longctx: unknown option '" + spec.params.begin()->first + "'");
  }
  if (!o.contains("task") || !o["task"].is_string())
    throw InputError("generator longctx needs 'task' (one of the long-context tasks)");
  const Def& def = find_def(o["task"].get<std::string>());
  std::vector<int64_t> lengths =
      def.family == Family::kGrid ? grid_context_lengths() : default_context_lengths();
  if (o.contains("context_lengths")) {
    lengths.clear();
    if (!o["context_lengths"].is_array())
      throw InputError("generator longctx: 'context_lengths' must be a list");
    for (const auto& v : o["context_lengths"]) {
      lengths.push_back(v.is_number_integer()
                            ? v.get<int64_t>()
                            : parse_length(v.is_string() ? v.get<std::string>() : v.dump()));
    }
  }
  std::vector<int> depths = {-1};
  if (def.family == Family::kGrid) {
    depths = grid_depths();
    if (o.contains("depths")) {
      depths.clear();
      for (const auto& v : o["depths"]) {
        if (!v.is_number_integer() || v.get<int>() < 0 || v.get<int>() > 100)
          throw InputError("generator longctx: 'depths' must be integers 0..100");
        depths.push_back(v.get<int>());
      }
    }
  } else if (o.contains("depths")) {
    throw InputError("generator longctx: 'depths' applies to the niah grid only");
  }
  Hay hay = def.hay;
  if (o.contains("haystack")) {
    Hay h = parse_hay(o["haystack"].get<std::string>());
    if ((def.hay != Hay::kEssay && def.hay != Hay::kNoise) ||
        (h != Hay::kEssay && h != Hay::kNoise)) {
      throw InputError(std::string("generator longctx: task ") + def.name +
                       " has a fixed haystack; 'haystack' (essay or noise) applies to tasks "
                       "whose haystack is essay or noise");
    }
    hay = h;
  }
  std::vector<nlohmann::json> out;
  for (int i = 0; i < spec.count; ++i) {
    for (int64_t length : lengths) {
      for (int depth : depths) {
        nlohmann::json desc = {{"generator", kLongContextGenerator},
                               {"version", kLongContextVersion},
                               {"task", def.name},
                               {"seed", spec.seed},
                               {"index", i},
                               {"context_length", length},
                               {"depth", depth >= 0 ? nlohmann::json(depth) : nlohmann::json()},
                               {"haystack", hay_name(hay)}};
        GeneratedPrompt g = materialize_prompt(desc);
        out.push_back({{"longctx", desc},
                       {"answers", g.answers},
                       {"context_length", length},
                       {"depth", desc["depth"]}});
      }
    }
  }
  return out;
}

GeneratedPrompt materialize_prompt(const nlohmann::json& description) {
  Desc d = parse_desc(description);
  GeneratedPrompt g = build(d, d.size >= 0 ? d.size : min_size(d));
  if (description.contains("hash")) {
    const std::string h = hash_hex(g.text);
    if (h != description["hash"].get<std::string>()) {
      throw InputError("long-context sample " + std::string(d.def->name) + " #" +
                       std::to_string(d.index) + " at " + std::to_string(d.context_length) +
                       ": the generated prompt's hash " + h + " differs from the stored " +
                       description["hash"].get<std::string>() +
                       " (the generator changed since it was stored)");
    }
  }
  return g;
}

nlohmann::json size_prompt(const nlohmann::json& description, const PromptCounter& count,
                           const TokenBudget& budget) {
  Desc d = parse_desc(description);
  const int64_t target = static_cast<int64_t>(std::floor(
      static_cast<double>(budget.context_length - budget.max_tokens) / (1.0 + budget.margin)));
  struct Point {
    int64_t size, tokens;
    std::string hash;
    std::vector<double> depths;  // of the needles, percent of the haystack's bytes
  };
  auto eval = [&](int64_t size) {
    GeneratedPrompt g = build(d, size);
    std::vector<double> depths;
    const double span = static_cast<double>(std::max<size_t>(1, g.haystack_end - g.haystack_begin));
    for (size_t at : g.needle_offsets) {
      depths.push_back(std::round(1000.0 * static_cast<double>(at - g.haystack_begin) / span) /
                       10.0);
    }
    return Point{size, count(g.text), hash_hex(g.text), std::move(depths)};
  };
  const int64_t lo_size = min_size(d);
  Point lo = eval(lo_size);
  if (lo.tokens > target) {
    throw ContextLengthError(
        std::string(d.def->name) + " at context length " + std::to_string(d.context_length) +
        ": the prompt without haystack has " + std::to_string(lo.tokens) +
        " tokens, more than the budget of " + std::to_string(target) + " (context " +
        std::to_string(budget.context_length) + " - " + std::to_string(budget.max_tokens) +
        " answer tokens" + (budget.margin > 0 ? ", less the estimator's error margin" : "") + ")");
  }
  // Tokens per size step, from a probe; refined by the average slope of each point.
  Point probe = eval(lo_size + 32);
  double slope = std::max(0.05, static_cast<double>(probe.tokens - lo.tokens) / 32.0);
  int64_t hi_size = -1;  // smallest size known not to fit
  if (probe.tokens <= target) {
    lo = probe;
  } else {
    hi_size = probe.size;
  }
  for (int iter = 0; iter < 24; ++iter) {
    if (hi_size >= 0 && hi_size - lo.size <= 1) break;
    const double gap = static_cast<double>(target - lo.tokens);
    if (hi_size < 0 && gap < slope) {
      // One more step probably overflows: check it once, it settles the bracket.
      Point next = eval(lo.size + 1);
      if (next.tokens <= target) {
        lo = next;
        continue;
      }
      break;
    }
    int64_t guess = lo.size + std::max<int64_t>(1, static_cast<int64_t>(gap / slope));
    if (hi_size >= 0) guess = std::min(guess, hi_size - 1);
    if (guess <= lo.size) break;
    Point p = eval(guess);
    if (p.size > lo_size) {
      slope = std::max(0.05, static_cast<double>(p.tokens - lo.tokens) /
                                 static_cast<double>(std::max<int64_t>(1, p.size - lo.size)));
    }
    if (p.tokens <= target) {
      lo = p;
    } else {
      hi_size = p.size;
    }
  }
  nlohmann::json sized = description;
  sized["size"] = lo.size;
  sized["counter"] = budget.counter;
  sized["prompt_tokens"] = lo.tokens;
  sized["hash"] = lo.hash;
  sized["needle_depths"] = lo.depths;
  return sized;
}

nlohmann::json expand_generated(const nlohmann::json& stored_request) {
  nlohmann::json out = stored_request;
  if (!out.contains("messages") || !out["messages"].is_array()) return out;
  for (auto& m : out["messages"]) {
    if (m.contains("content") && m["content"].is_object() && m["content"].contains("generated")) {
      m["content"] = materialize_prompt(m["content"]["generated"]).text;
    }
  }
  return out;
}

}  // namespace ys
