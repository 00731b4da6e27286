#include "runners/engine/format/tokenizer.h"

#include <algorithm>
#include <optional>
#include <queue>

#include "runners/engine/format/unicode.h"
#include "util/error.h"

namespace ys::engine {
namespace {

const std::string kSpaceMark = "\xe2\x96\x81";  // U+2581 "▁", SentencePiece's space

// GPT-2's byte-level alphabet: printable bytes ('!'..'~', 0xA1..0xAC, 0xAE..0xFF) stand for
// themselves, the other 68 bytes for U+0100 onwards, in byte order.
struct ByteMap {
  std::string to_text[256];
  std::unordered_map<uint32_t, uint8_t> to_byte;
  ByteMap() {
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
      uint32_t cp = printable ? b : next++;
      to_text[b] = utf8_encode(cp);
      to_byte[cp] = static_cast<uint8_t>(b);
    }
  }
};

const ByteMap& byte_map() {
  static const ByteMap map;
  return map;
}

// One symbol of a merge in progress: a byte range of the text, linked to its neighbours.
struct Symbol {
  int prev, next;
  size_t start, len;
};

// A candidate merge of two adjacent symbols. `priority` orders the queue: the score of the
// merged token (SentencePiece, higher first) or the merge's rank (BPE, lower first, stored
// negated); ties go to the leftmost pair.
struct Bigram {
  float priority;
  int left, right;
  size_t len;
  bool operator<(const Bigram& o) const {
    return priority < o.priority || (priority == o.priority && left > o.left);
  }
};

// Splits `text` into UTF-8 characters as linked symbols.
std::vector<Symbol> symbols_of(std::string_view text) {
  std::vector<Symbol> syms;
  for (size_t pos = 0; pos < text.size();) {
    size_t len = std::max<size_t>(1, ys::utf8_sequence_length(text, pos));  // a bad byte alone
    int i = static_cast<int>(syms.size());
    syms.push_back({i - 1, i + 1, pos, len});
    pos += len;
  }
  if (!syms.empty()) syms.back().next = -1;
  return syms;
}

// Runs the merge loop: `priority_of(left, right)` gives the priority of merging two
// adjacent symbol texts, or nothing when they do not merge.
template <typename PriorityOf>
void merge(std::string_view text, std::vector<Symbol>& syms, PriorityOf priority_of) {
  std::priority_queue<Bigram> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = syms[left];
    const Symbol& r = syms[right];
    if (auto p = priority_of(text.substr(l.start, l.len), text.substr(r.start, r.len))) {
      queue.push({*p, left, right, l.len + r.len});
    }
  };
  for (size_t i = 1; i < syms.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!queue.empty()) {
    Bigram b = queue.top();
    queue.pop();
    Symbol& l = syms[b.left];
    Symbol& r = syms[b.right];
    // Stale: one side was merged away since this pair was queued.
    if (l.len == 0 || r.len == 0 || l.len + r.len != b.len || l.next != b.right) continue;
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = b.left;
    try_add(l.prev, b.left);
    try_add(b.left, l.next);
  }
}

}  // namespace

Tokenizer::Tokenizer(const GgufFile& file) {
  const std::string& path = file.path();
  std::string model = file.get_string("tokenizer.ggml.model");
  if (model == "llama") {
    kind_ = Kind::kSentencePiece;
  } else if (model == "gpt2") {
    kind_ = Kind::kBytePairs;
  } else {
    throw InputError(path + ": unsupported tokenizer.ggml.model '" + model +
                     "' (supported: llama, gpt2)");
  }
  tokens_ = file.get_strings("tokenizer.ggml.tokens");
  if (tokens_.empty()) throw InputError(path + ": tokenizer.ggml.tokens is missing or empty");
  size_t n = tokens_.size();
  scores_ = file.get_floats("tokenizer.ggml.scores");
  if (scores_.empty()) scores_.assign(n, 0.0f);
  std::vector<int32_t> types = file.get_ints("tokenizer.ggml.token_type");
  if (types.empty()) types.assign(n, static_cast<int32_t>(TokenType::kNormal));
  if (scores_.size() != n || types.size() != n) {
    throw InputError(path + ": tokenizer.ggml.scores/token_type do not match the " +
                     std::to_string(n) + " tokens");
  }
  for (int32_t t : types) types_.push_back(static_cast<TokenType>(t));
  for (size_t i = 0; i < n; ++i) ids_.emplace(tokens_[i], static_cast<int32_t>(i));

  auto special_id = [&](const char* key, int64_t fallback) {
    int64_t id = file.get_int(key, fallback);
    if (id >= static_cast<int64_t>(n)) {
      throw InputError(path + ": " + key + " = " + std::to_string(id) + " is not a token");
    }
    return static_cast<int32_t>(id);
  };
  bool spm = kind_ == Kind::kSentencePiece;
  bos_ = special_id("tokenizer.ggml.bos_token_id", spm ? 1 : -1);
  eos_ = special_id("tokenizer.ggml.eos_token_id", spm ? 2 : -1);
  unk_ = special_id("tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
  add_bos_ = file.get_bool("tokenizer.ggml.add_bos_token", spm) && bos_ >= 0;
  add_eos_ = file.get_bool("tokenizer.ggml.add_eos_token", false) && eos_ >= 0;
  add_space_prefix_ = file.get_bool("tokenizer.ggml.add_space_prefix", spm);

  for (size_t i = 0; i < n; ++i) {
    if ((types_[i] == TokenType::kControl || types_[i] == TokenType::kUserDefined) &&
        !tokens_[i].empty()) {
      specials_.push_back(static_cast<int32_t>(i));
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [&](int32_t a, int32_t b) { return tokens_[a].size() > tokens_[b].size(); });
  if (eos_ >= 0) end_of_generation_.push_back(eos_);
  for (const char* t : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                        "<｜end▁of▁sentence｜>"}) {
    if (int32_t id = find(t); id >= 0) end_of_generation_.push_back(id);
  }
  text_token_.assign(n, false);
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<int32_t>(i);
    const TokenType t = types_[i];
    text_token_[i] =
        (t == TokenType::kNormal || t == TokenType::kUndefined || t == TokenType::kUserDefined) &&
        id != bos_ && id != eos_ && id != unk_ && !is_end_of_generation(id);
  }

  if (!spm) {
    pre_ = pre_tokenizer_from_name(file.get_string("tokenizer.ggml.pre", "default"));
    ignore_merges_ = pre_ == PreTokenizer::kLlama3;
    std::vector<std::string> merges = file.get_strings("tokenizer.ggml.merges");
    for (size_t i = 0; i < merges.size(); ++i) {
      // A merge whose result plain text may not produce (a control token) is left out.
      const size_t space = merges[i].find(' ');
      if (space != std::string::npos) {
        const int32_t result = find(merges[i].substr(0, space) + merges[i].substr(space + 1));
        if (result >= 0 && !is_text_token(result)) continue;
      }
      merge_ranks_.emplace(merges[i], static_cast<int32_t>(i));
    }
  }
}

int32_t Tokenizer::find(const std::string& text) const {
  auto it = ids_.find(text);
  return it == ids_.end() ? -1 : it->second;
}

int32_t Tokenizer::find_text(const std::string& text) const {
  const int32_t id = find(text);
  return is_text_token(id) ? id : -1;
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
  return std::find(end_of_generation_.begin(), end_of_generation_.end(), id) !=
         end_of_generation_.end();
}

std::string byte_token_text(uint8_t byte) {
  static const char* kHex = "0123456789ABCDEF";
  const char name[] = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
  return std::string(name, sizeof(name));
}

int32_t Tokenizer::byte_token(uint8_t byte) const {
  int32_t id = find(byte_token_text(byte));
  return id >= 0 ? id : unk_;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  return encode({{std::string(text), parse_special}}, add_special);
}

std::vector<int32_t> Tokenizer::encode(const std::vector<PromptPart>& parts,
                                       bool add_special) const {
  // Cut each part at special tokens, longest first (in plain text only those that are text
  // tokens: user-defined ones); each token found becomes a fragment of its own (id >= 0),
  // the text between stays raw (id -1). Raw text of adjacent parts is then joined.
  struct Fragment {
    int32_t id;
    std::string_view text;
  };
  struct Joined {
    int32_t id;
    std::string text;
  };
  std::vector<Joined> joined;
  std::vector<Fragment> fragments, next;
  for (const PromptPart& part : parts) {
    fragments.clear();
    if (!part.text.empty()) fragments.push_back({-1, part.text});
    for (int32_t special : specials_) {
      if (!part.markup && !is_text_token(special)) continue;
      const std::string& s = tokens_[special];
      next.clear();
      for (const Fragment& f : fragments) {
        if (f.id >= 0) {
          next.push_back(f);
          continue;
        }
        std::string_view rest = f.text;
        for (size_t at; (at = rest.find(s)) != std::string_view::npos;) {
          if (at > 0) next.push_back({-1, rest.substr(0, at)});
          next.push_back({special, rest.substr(at, s.size())});
          rest = rest.substr(at + s.size());
        }
        if (!rest.empty()) next.push_back({-1, rest});
      }
      fragments.swap(next);
    }
    for (const Fragment& f : fragments) {
      if (f.id < 0 && !joined.empty() && joined.back().id < 0) {
        joined.back().text += f.text;
      } else {
        joined.push_back({f.id, std::string(f.text)});
      }
    }
  }

  std::vector<int32_t> out;
  if (add_special && add_bos_) out.push_back(bos_);
  bool after_special = true;
  for (const Joined& f : joined) {
    if (f.id >= 0) {
      out.push_back(f.id);
      after_special = true;
    } else {
      encode_fragment(f.text, after_special, out);
      after_special = false;
    }
  }
  if (add_special && add_eos_) out.push_back(eos_);
  return out;
}

void Tokenizer::encode_fragment(std::string_view text, bool first_after_special,
                                std::vector<int32_t>& out) const {
  if (kind_ == Kind::kSentencePiece) {
    // A space goes before the text at the start and after each special token.
    std::string escaped = add_space_prefix_ && first_after_special ? kSpaceMark : "";
    for (char c : text) {
      if (c == ' ') {
        escaped += kSpaceMark;
      } else {
        escaped += c;
      }
    }
    encode_spm(escaped, out);
    return;
  }
  const ByteMap& map = byte_map();
  for (const std::string& piece : pre_tokenize(pre_, text)) {
    std::string mapped;
    for (unsigned char c : piece) mapped += map.to_text[c];
    encode_bpe_piece(mapped, out);
  }
}

void Tokenizer::encode_spm(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<Symbol> syms = symbols_of(text);
  merge(text, syms, [&](std::string_view l, std::string_view r) -> std::optional<float> {
    int32_t id = find_text(std::string(l) + std::string(r));
    if (id < 0) return std::nullopt;
    return scores_[static_cast<size_t>(id)];
  });
  for (int i = syms.empty() ? -1 : 0; i >= 0; i = syms[i].next) {
    std::string s(text.substr(syms[i].start, syms[i].len));
    if (int32_t id = find_text(s); id >= 0) {
      out.push_back(id);
    } else {
      for (unsigned char c : s) {  // byte fallback; without byte tokens, <unk> if any
        if (int32_t id = byte_token(c); id >= 0) out.push_back(id);
      }
    }
  }
}

void Tokenizer::encode_bpe_piece(const std::string& piece, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    if (int32_t id = find_text(piece); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> syms = symbols_of(piece);
  merge(piece, syms, [&](std::string_view l, std::string_view r) -> std::optional<float> {
    auto it = merge_ranks_.find(std::string(l) + " " + std::string(r));
    if (it == merge_ranks_.end()) return std::nullopt;
    return -static_cast<float>(it->second);  // lower rank merges first
  });
  for (int i = syms.empty() ? -1 : 0; i >= 0; i = syms[i].next) {
    std::string s = piece.substr(syms[i].start, syms[i].len);
    if (int32_t id = find_text(s); id >= 0) {
      out.push_back(id);
      continue;
    }
    // Not in the vocabulary: the tokens of its single bytes, where they exist; bytes
    // without one are dropped, as llama.cpp does.
    for (char c : s) {
      if (int32_t id = find_text(std::string(1, c)); id >= 0) out.push_back(id);
    }
  }
}

std::string Tokenizer::piece(int32_t id, bool render_special) const {
  if (id < 0 || id >= n_tokens()) return "";
  const std::string& t = tokens_[static_cast<size_t>(id)];
  switch (types_[static_cast<size_t>(id)]) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kUnused:
      return render_special ? t : "";
    case TokenType::kUserDefined:
      return t;
    case TokenType::kByte:
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0) {
        return std::string(1, static_cast<char>(std::stoi(t.substr(3, 2), nullptr, 16)));
      }
      return t;
    default:
      break;
  }
  if (kind_ == Kind::kSentencePiece) {
    std::string s;
    for (size_t pos = 0; pos < t.size();) {
      if (t.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
        s += ' ';
        pos += kSpaceMark.size();
      } else {
        s += t[pos++];
      }
    }
    return s;
  }
  const ByteMap& map = byte_map();
  std::string s;
  DecodedText d = utf8_decode(t);
  for (uint32_t cp : d.cps) {
    auto it = map.to_byte.find(cp);
    if (it != map.to_byte.end()) {
      s += static_cast<char>(it->second);
    } else {
      s += utf8_encode(cp);
    }
  }
  return s;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string s;
  bool strip_space = kind_ == Kind::kSentencePiece && add_space_prefix_;
  for (int32_t id : ids) {
    std::string p = piece(id, render_special);
    if (strip_space && !p.empty()) {
      if (p[0] == ' ' && s.empty()) p.erase(0, 1);
      strip_space = false;
    }
    s += p;
  }
  return s;
}

}  // namespace ys::engine
