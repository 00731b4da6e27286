#include "tasks/longctx_text.h"

#include <array>
#include <cstdio>

namespace ys::longctx {
namespace {

// Vocabulary written for this project. Verbs are in the past tense so that any subject
// agrees with any verb.
constexpr std::array kAdjectives = {
    "quiet",    "old",       "patient",  "careful", "distant", "narrow", "bright",   "humble",
    "steady",   "curious",   "silent",   "hidden",  "gentle",  "modest", "ancient",  "restless",
    "plain",    "sturdy",    "faded",    "crowded", "lonely",  "simple", "stubborn", "hollow",
    "polished", "scattered", "familiar", "unusual", "weary",   "nimble", "rustic",   "solemn"};
constexpr std::array kNouns = {
    "archivist", "harbor",   "lantern",    "orchard",   "engineer", "ledger",   "village",
    "river",     "teacher",  "workshop",   "garden",    "sailor",   "library",  "bridge",
    "merchant",  "meadow",   "painter",    "carpenter", "valley",   "mill",     "gardener",
    "notebook",  "traveler", "kitchen",    "mapmaker",  "tower",    "shepherd", "clockmaker",
    "market",    "weaver",   "lighthouse", "printer"};
constexpr std::array kPlurals = {
    "letters",   "stones",   "questions", "machines", "stories",      "seasons", "roads",
    "habits",    "drawings", "promises",  "tools",    "songs",        "records", "ideas",
    "windows",   "patterns", "mistakes",  "journeys", "lessons",      "rumors",  "harvests",
    "arguments", "accounts", "customs",   "shadows",  "measurements", "repairs", "paths"};
constexpr std::array kTransitive = {
    "repaired",   "studied",    "collected", "carried",  "described", "measured", "copied",
    "arranged",   "questioned", "admired",   "ignored",  "revisited", "sorted",   "recorded",
    "explained",  "traded",     "guarded",   "sketched", "counted",   "mended",   "polished",
    "translated", "rebuilt",    "compared",  "borrowed", "inspected", "gathered", "weighed"};
constexpr std::array kIntransitive = {"waited",   "listened", "wandered", "hesitated", "laughed",
                                      "rested",   "worked",   "improved", "wondered",  "returned",
                                      "lingered", "changed",  "settled",  "argued",    "traveled",
                                      "paused",   "agreed",   "faltered", "recovered", "persisted"};
constexpr std::array kAdverbs = {"slowly",   "quietly", "eagerly", "patiently", "carefully",
                                 "rarely",   "gladly",  "briefly", "honestly",  "openly",
                                 "steadily", "calmly",  "gently",  "freely",    "happily",
                                 "politely", "boldly",  "plainly", "wisely",    "softly"};
constexpr std::array kPlaces = {
    "near the old bridge",    "at the edge of the valley", "behind the workshop",
    "along the river",        "under the tower",           "beside the market",
    "in the crowded kitchen", "on the narrow road",        "at the quiet harbor",
    "inside the library",     "across the meadow",         "by the mill",
    "in the distant village", "within the orchard walls",  "beneath the lantern"};
constexpr std::array kTimes = {"every spring",          "long ago",        "before the harvest",
                               "after the long winter", "in those days",   "each evening",
                               "during the storm",      "at first light",  "late in the season",
                               "for many years",        "once in a while", "by the end of summer"};
constexpr std::array kOpeners = {
    "In the end, ",      "For a while, ",     "As it happened, ",         "Without much fuss, ",
    "Sooner or later, ", "By all accounts, ", "To everyone's surprise, ", "Now and then, ",
    "Even so, ",         "In a sense, "};
constexpr std::array kConnectors = {"and",      "but", "while", "because",
                                    "although", "so",  "since", "until"};
constexpr std::array kAbstract = {"patience", "curiosity", "memory",   "craft", "attention",
                                  "habit",    "practice",  "doubt",    "trust", "silence",
                                  "effort",   "kindness",  "judgment", "luck",  "routine"};
constexpr std::array kAdjectivePredicates = {"worth remembering",         "harder than it looked",
                                             "easy to overlook",          "slow but reliable",
                                             "more useful than expected", "rarely discussed",
                                             "strangely comforting",      "never quite finished",
                                             "a matter of taste",         "older than anyone knew"};

template <typename Array>
const char* pick(Rng& rng, const Array& a) {
  return a[rng.below(a.size())];
}

// "the quiet archivist" / "an old lantern" style noun phrase.
void noun_phrase(Rng& rng, std::string& out) {
  out += "the ";
  if (rng.below(2) == 0) {
    out += pick(rng, kAdjectives);
    out += ' ';
  }
  out += pick(rng, kNouns);
}

void capitalize_from(std::string& out, size_t at) {
  if (at < out.size() && out[at] >= 'a' && out[at] <= 'z')
    out[at] = static_cast<char>(out[at] - 32);
}

constexpr const char* kConsonants = "bcdfghklmnprstvz";
constexpr const char* kVowels = "aeiou";

}  // namespace

void append_essay_sentence(Rng& rng, std::string& out) {
  const size_t start = out.size();
  switch (rng.below(10)) {
    case 0:
      out += pick(rng, kOpeners);
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kTransitive);
      out += " the ";
      out += pick(rng, kPlurals);
      out += ' ';
      out += pick(rng, kPlaces);
      break;
    case 1:
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kTransitive);
      out += " the ";
      out += pick(rng, kPlurals);
      out += ", ";
      out += pick(rng, kConnectors);
      out += ' ';
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kIntransitive);
      out += ' ';
      out += pick(rng, kAdverbs);
      break;
    case 2:
      out += "It is ";
      out += pick(rng, kAdjectivePredicates);
      out += " that ";
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kIntransitive);
      out += ' ';
      out += pick(rng, kTimes);
      break;
    case 3:
      out += "Few people noticed that ";
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kTransitive);
      out += " the ";
      out += pick(rng, kAdjectives);
      out += ' ';
      out += pick(rng, kPlurals);
      out += ' ';
      out += pick(rng, kTimes);
      break;
    case 4:
      out += pick(rng, kTimes);
      out += ", ";
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kTransitive);
      out += " the ";
      out += pick(rng, kPlurals);
      out += " and ";
      out += pick(rng, kTransitive);
      out += " them ";
      out += pick(rng, kAdverbs);
      break;
    case 5:
      out += "The ";
      out += pick(rng, kAbstract);
      out += " of ";
      noun_phrase(rng, out);
      out += " was ";
      out += pick(rng, kAdjectivePredicates);
      break;
    case 6:
      out += "Nobody expected ";
      noun_phrase(rng, out);
      out += " to have ";
      out += pick(rng, kTransitive);
      out += " so many ";
      out += pick(rng, kPlurals);
      out += ' ';
      out += pick(rng, kPlaces);
      break;
    case 7:
      out += "What mattered most was ";
      out += pick(rng, kAbstract);
      out += ", ";
      out += pick(rng, kConnectors);
      out += ' ';
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kIntransitive);
      out += ' ';
      out += pick(rng, kPlaces);
      break;
    case 8:
      noun_phrase(rng, out);
      out += ' ';
      out += pick(rng, kAdverbs);
      out += ' ';
      out += pick(rng, kTransitive);
      out += " the ";
      out += pick(rng, kPlurals);
      out += " of ";
      noun_phrase(rng, out);
      break;
    default:
      out += "Some say that ";
      out += pick(rng, kAbstract);
      out += " is ";
      out += pick(rng, kAdjectivePredicates);
      out += ", ";
      out += pick(rng, kConnectors);
      out += ' ';
      noun_phrase(rng, out);
      out += " still ";
      out += pick(rng, kIntransitive);
      break;
  }
  out += '.';
  capitalize_from(out, start);
}

std::string word_key(Rng& rng) {
  return std::string(pick(rng, kAdjectives)) + "-" + pick(rng, kNouns);
}

std::string number_value(Rng& rng) {
  return std::to_string(rng.between(1000000, 9999999));
}

std::string uuid_value(Rng& rng) {
  uint64_t hi = rng.next(), lo = rng.next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                  // version 4
  lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);  // variant 10xx
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string upper_name(Rng& rng, int letters) {
  std::string s;
  for (int i = 0; i < letters; ++i) s += static_cast<char>('A' + rng.below(26));
  return s;
}

std::string lower_word(Rng& rng, int letters) {
  std::string s;
  for (int i = 0; i < letters; ++i) s += static_cast<char>('a' + rng.below(26));
  return s;
}

std::string pseudo_word(Rng& rng) {
  std::string s;
  const int syllables = 2 + static_cast<int>(rng.below(3));
  for (int i = 0; i < syllables; ++i) {
    s += kConsonants[rng.below(16)];
    s += kVowels[rng.below(5)];
  }
  if (rng.below(3) == 0) s += kConsonants[rng.below(16)];
  return s;
}

std::string proper_name(Rng& rng) {
  std::string s = pseudo_word(rng);
  s[0] = static_cast<char>(s[0] - 32);
  return s;
}

}  // namespace ys::longctx
