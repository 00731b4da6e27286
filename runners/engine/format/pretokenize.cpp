#include "runners/engine/format/pretokenize.h"

#include <utility>

#include "runners/engine/format/unicode.h"
#include "util/error.h"

namespace ys::engine {
namespace {

using Cps = std::vector<uint32_t>;

// A matcher returns the length of the match starting at `pos` within [pos, end), or 0.
using Matcher = size_t (*)(const Cps& c, size_t pos, size_t end);

bool is_nl(uint32_t cp) {
  return cp == '\r' || cp == '\n';
}
bool is_ascii_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0d);
}
bool is_ascii_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}
bool is_other(uint32_t cp) {
  return !is_whitespace(cp) && !is_letter(cp) && !is_number(cp);
}
uint32_t lower(uint32_t cp) {
  return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
}

template <typename Pred>
size_t run(const Cps& c, size_t pos, size_t end, Pred pred) {
  size_t i = pos;
  while (i < end && pred(c[i])) ++i;
  return i - pos;
}

// `prefix? body+` with a greedy optional prefix of one code point.
template <typename Prefix, typename Body>
size_t opt_prefix_run(const Cps& c, size_t pos, size_t end, Prefix prefix, Body body) {
  if (prefix(c[pos]) && pos + 1 < end && body(c[pos + 1])) {
    return 1 + run(c, pos + 1, end, body);
  }
  return run(c, pos, end, body);
}

// 's|'t|'re|'ve|'m|'ll|'d, optionally ignoring case.
size_t contraction(const Cps& c, size_t pos, size_t end, bool ignore_case) {
  if (c[pos] != '\'' || pos + 1 >= end) return 0;
  auto at = [&](size_t i) { return i < end ? (ignore_case ? lower(c[i]) : c[i]) : 0u; };
  uint32_t a = at(pos + 1), b = at(pos + 2);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// \s+(?!\S): a whitespace run, less its last code point when a non-space follows.
size_t space_not_before_nonspace(const Cps& c, size_t pos, size_t end) {
  size_t n = run(c, pos, end, is_whitespace);
  if (n == 0) return 0;
  return pos + n == end ? n : n - 1;
}

size_t gpt2_core(const Cps& c, size_t pos, size_t end) {
  if (size_t n = contraction(c, pos, end, false)) return n;
  auto space = [](uint32_t cp) { return cp == ' '; };
  if (size_t n = opt_prefix_run(c, pos, end, space, is_letter)) return n;
  if (size_t n = opt_prefix_run(c, pos, end, space, is_number)) return n;
  if (size_t n = opt_prefix_run(c, pos, end, space, is_other)) return n;
  return space_not_before_nonspace(c, pos, end);
}

size_t gpt2(const Cps& c, size_t pos, size_t end) {
  if (size_t n = gpt2_core(c, pos, end)) return n;
  return run(c, pos, end, is_whitespace);
}

template <size_t kMaxDigits>
size_t llama3_like(const Cps& c, size_t pos, size_t end) {
  if (size_t n = contraction(c, pos, end, true)) return n;
  auto not_nl_letter_number = [](uint32_t cp) {
    return !is_nl(cp) && !is_letter(cp) && !is_number(cp);
  };
  if (size_t n = opt_prefix_run(c, pos, end, not_nl_letter_number, is_letter)) return n;
  if (size_t n = run(c, pos, end, is_number)) return std::min(n, kMaxDigits);
  auto space = [](uint32_t cp) { return cp == ' '; };
  if (size_t n = opt_prefix_run(c, pos, end, space, is_other)) {
    return n + run(c, pos + n, end, is_nl);
  }
  // \s*[\r\n]+: backtracking leaves the match ending just after the run's last newline.
  size_t ws = run(c, pos, end, is_whitespace);
  for (size_t k = ws; k > 0; --k) {
    if (is_nl(c[pos + k - 1])) return k;
  }
  if (size_t n = space_not_before_nonspace(c, pos, end)) return n;
  return ws;
}

size_t one_newline(const Cps& c, size_t pos, size_t) {
  return is_nl(c[pos]) ? 1 : 0;
}

// The letter class of DeepSeek LLM's second expression (Latin, Greek, Cyrillic, Armenian,
// Georgian, Cherokee, ... letters), as inclusive code point ranges.
constexpr std::pair<uint32_t, uint32_t> kDeepseekLetters[] = {
    {'A', 'Z'},         {'a', 'z'},         {0xB5, 0xB5},       {0xC0, 0xD6},
    {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
    {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x377},     {0x37B, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
    {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},
    {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
    {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},
    {0xA680, 0xA69B},   {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},
    {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};

bool in_ranges(uint32_t cp, const std::pair<uint32_t, uint32_t>* first, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (cp >= first[i].first && cp <= first[i].second) return true;
  }
  return false;
}

bool deepseek_letter(uint32_t cp) {
  return in_ranges(cp, kDeepseekLetters, std::size(kDeepseekLetters));
}

// [!-/:-~！-／：-～‘-‟　-。]
bool deepseek_punct(uint32_t cp) {
  return (cp >= '!' && cp <= '/') || (cp >= ':' && cp <= '~') || (cp >= 0xFF01 && cp <= 0xFF0F) ||
         (cp >= 0xFF1A && cp <= 0xFF5E) || (cp >= 0x2018 && cp <= 0x201F) ||
         (cp >= 0x3000 && cp <= 0x3002);
}

// [一-龥ࠀ-一가-퟿]
bool cjk_hangul(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0x0800 && cp <= 0x4E00) ||
         (cp >= 0xAC00 && cp <= 0xD7FF);
}

// The DeepSeek LLM expressions without \p classes run as plain std::wregex in the
// reference implementation, where \s is ASCII whitespace only.
size_t ds_llm_letters(const Cps& c, size_t pos, size_t end) {
  return opt_prefix_run(c, pos, end, is_ascii_space, deepseek_letter);
}
size_t ds_llm_punct(const Cps& c, size_t pos, size_t end) {
  return opt_prefix_run(c, pos, end, is_ascii_space, deepseek_punct);
}
size_t trailing_space(const Cps& c, size_t pos, size_t end) {
  size_t n = run(c, pos, end, is_ascii_space);
  return pos + n == end ? n : 0;
}
size_t cjk_run(const Cps& c, size_t pos, size_t end) {
  return run(c, pos, end, cjk_hangul);
}
size_t numbers(const Cps& c, size_t pos, size_t end) {
  return run(c, pos, end, is_number);
}
size_t one_number(const Cps& c, size_t pos, size_t) {
  return is_number(c[pos]) ? 1 : 0;
}

size_t ds_coder_letters(const Cps& c, size_t pos, size_t end) {
  return opt_prefix_run(c, pos, end, is_whitespace, is_letter);
}
size_t ds_coder_punct(const Cps& c, size_t pos, size_t end) {
  return opt_prefix_run(c, pos, end, is_whitespace, is_punctuation);
}

// [\p{P}\$\+<=>\^~\|`]+
size_t falcon_punct(const Cps& c, size_t pos, size_t end) {
  return run(c, pos, end, [](uint32_t cp) {
    return is_punctuation(cp) || cp == '$' || cp == '+' || cp == '<' || cp == '=' || cp == '>' ||
           cp == '^' || cp == '~' || cp == '|' || cp == '`';
  });
}
size_t three_digits(const Cps& c, size_t pos, size_t end) {
  return pos + 3 <= end && is_ascii_digit(c[pos]) && is_ascii_digit(c[pos + 1]) &&
                 is_ascii_digit(c[pos + 2])
             ? 3
             : 0;
}

std::vector<Matcher> expressions(PreTokenizer variant) {
  switch (variant) {
    case PreTokenizer::kGpt2:
      return {gpt2};
    case PreTokenizer::kLlama3:
      return {llama3_like<3>};
    case PreTokenizer::kQwen2:
      return {llama3_like<1>};
    case PreTokenizer::kDeepseekLlm:
      return {one_newline, ds_llm_letters, ds_llm_punct, trailing_space, cjk_run, numbers};
    case PreTokenizer::kDeepseekCoder:
      return {one_newline, ds_coder_letters, ds_coder_punct, cjk_run, one_number};
    case PreTokenizer::kFalcon:
      return {falcon_punct, gpt2_core, three_digits};
    case PreTokenizer::kStarcoder:
      return {one_number, gpt2_core};
  }
  return {};
}

}  // namespace

PreTokenizer pre_tokenizer_from_name(const std::string& name) {
  static const std::pair<const char*, PreTokenizer> kNames[] = {
      {"default", PreTokenizer::kGpt2},
      {"gpt-2", PreTokenizer::kGpt2},
      {"mpt", PreTokenizer::kGpt2},
      {"olmo", PreTokenizer::kGpt2},
      {"jais", PreTokenizer::kGpt2},
      {"llama3", PreTokenizer::kLlama3},
      {"llama-v3", PreTokenizer::kLlama3},
      {"llama-bpe", PreTokenizer::kLlama3},
      {"dbrx", PreTokenizer::kLlama3},
      {"smaug-bpe", PreTokenizer::kLlama3},
      {"qwen2", PreTokenizer::kQwen2},
      {"deepseek-llm", PreTokenizer::kDeepseekLlm},
      {"deepseek-coder", PreTokenizer::kDeepseekCoder},
      {"falcon", PreTokenizer::kFalcon},
      {"starcoder", PreTokenizer::kStarcoder},
      {"refact", PreTokenizer::kStarcoder},
      {"command-r", PreTokenizer::kStarcoder},
      {"smollm", PreTokenizer::kStarcoder},
      {"codeshell", PreTokenizer::kStarcoder},
      {"exaone", PreTokenizer::kStarcoder},
  };
  for (const auto& [n, v] : kNames) {
    if (name == n) return v;
  }
  throw InputError("unknown pre-tokenizer '" + name + "' (tokenizer.ggml.pre)");
}

std::vector<std::string> pre_tokenize(PreTokenizer variant, std::string_view text) {
  DecodedText d = utf8_decode(text);
  // Pieces as code point ranges [first, second).
  std::vector<std::pair<size_t, size_t>> pieces;
  if (!d.cps.empty()) pieces.emplace_back(0, d.cps.size());
  for (Matcher match : expressions(variant)) {
    std::vector<std::pair<size_t, size_t>> next;
    for (auto [begin, end] : pieces) {
      size_t gap = begin, pos = begin;
      while (pos < end) {
        size_t n = match(d.cps, pos, end);
        if (n == 0) {
          ++pos;
          continue;
        }
        if (gap < pos) next.emplace_back(gap, pos);
        next.emplace_back(pos, pos + n);
        pos += n;
        gap = pos;
      }
      if (gap < end) next.emplace_back(gap, end);
    }
    pieces = std::move(next);
  }
  std::vector<std::string> out;
  out.reserve(pieces.size());
  for (auto [begin, end] : pieces) {
    out.emplace_back(text.substr(d.offsets[begin], d.offsets[end] - d.offsets[begin]));
  }
  return out;
}

}  // namespace ys::engine
