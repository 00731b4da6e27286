#include "runners/engine/batch/kv_blocks.h"

#include <stdexcept>

#include "util/error.h"

namespace ys::engine {

BlockAllocator::BlockAllocator(Backend& backend, int n_blocks, int block_size)
    : backend_(backend), block_size_(block_size) {
  if (n_blocks < 1 || block_size < 1) {
    throw InputError("KV blocks: " + std::to_string(n_blocks) + " blocks of " +
                     std::to_string(block_size) + " positions is not a valid cache");
  }
  store_ = backend.make_kv(n_blocks, block_size);
  refs_.assign(static_cast<size_t>(n_blocks), 0);
  for (int b = n_blocks - 1; b >= 0; --b) free_.push_back(b);  // block 0 first
}

void BlockAllocator::check(int32_t block) const {
  if (block < 0 || block >= n_blocks() || refs_[static_cast<size_t>(block)] <= 0) {
    throw std::logic_error("KV blocks: block " + std::to_string(block) + " is not held");
  }
}

int32_t BlockAllocator::allocate() {
  if (free_.empty()) {
    throw InputError("KV cache full: all " + std::to_string(n_blocks()) + " blocks of " +
                     std::to_string(block_size_) + " positions are in use");
  }
  int32_t b = free_.back();
  free_.pop_back();
  refs_[static_cast<size_t>(b)] = 1;
  return b;
}

void BlockAllocator::release(int32_t block) {
  check(block);
  if (--refs_[static_cast<size_t>(block)] == 0) free_.push_back(block);
}

void BlockAllocator::retain(int32_t block) {
  check(block);
  ++refs_[static_cast<size_t>(block)];
}

int32_t BlockAllocator::make_writable(int32_t block) {
  check(block);
  if (refs_[static_cast<size_t>(block)] == 1) return block;
  int32_t copy = allocate();
  backend_.copy_kv_block(*store_, block, copy);
  release(block);
  ++copies_;
  return copy;
}

bool BlockAllocator::consistent() const {
  std::vector<int> seen(refs_.size(), 0);
  for (int32_t b : free_) {
    if (b < 0 || b >= n_blocks() || refs_[static_cast<size_t>(b)] != 0) return false;
    if (seen[static_cast<size_t>(b)]++) return false;
  }
  for (size_t b = 0; b < refs_.size(); ++b) {
    if (refs_[b] < 0 || (refs_[b] == 0) != (seen[b] == 1)) return false;
  }
  return true;
}

PrefixCache::~PrefixCache() {
  for (auto& [k, e] : entries_) blocks_.release(e.block);
}

// FNV-1a over the parent key and the token ids (FNV: Fowler, Noll, Vo; 64-bit constants).
uint64_t PrefixCache::key(uint64_t parent, const int32_t* tokens, size_t n) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(parent);
  for (size_t i = 0; i < n; ++i) mix(static_cast<uint32_t>(tokens[i]));
  return h == 0 ? 1 : h;  // 0 means "no parent"
}

PrefixCache::Match PrefixCache::match(const std::vector<int32_t>& tokens, size_t limit) {
  Match m;
  const size_t bs = static_cast<size_t>(blocks_.block_size());
  limit = std::min(limit, tokens.size());
  uint64_t parent = 0;
  for (size_t at = 0; at + bs <= limit; at += bs) {
    uint64_t k = key(parent, tokens.data() + at, bs);
    auto it = entries_.find(k);
    if (it == entries_.end() || it->second.parent != parent ||
        !std::equal(it->second.tokens.begin(), it->second.tokens.end(), tokens.begin() + at)) {
      break;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    blocks_.retain(it->second.block);
    m.blocks.push_back(it->second.block);
    m.n_tokens = at + bs;
    parent = k;
  }
  return m;
}

void PrefixCache::insert(const std::vector<int32_t>& tokens, const std::vector<int32_t>& blocks) {
  const size_t bs = static_cast<size_t>(blocks_.block_size());
  uint64_t parent = 0;
  for (size_t i = 0; (i + 1) * bs <= tokens.size() && i < blocks.size(); ++i) {
    const int32_t* t = tokens.data() + i * bs;
    uint64_t k = key(parent, t, bs);
    auto it = entries_.find(k);
    if (it == entries_.end()) {
      blocks_.retain(blocks[i]);
      lru_.push_front(k);
      entries_.emplace(k, Entry{std::vector<int32_t>(t, t + bs), parent, blocks[i], lru_.begin()});
    } else {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
    }
    parent = k;
  }
}

int PrefixCache::evict(int n) {
  int freed = 0;
  for (auto it = lru_.end(); freed < n && it != lru_.begin();) {
    --it;
    Entry& e = entries_.at(*it);
    if (blocks_.ref_count(e.block) != 1) continue;
    blocks_.release(e.block);
    entries_.erase(*it);
    it = lru_.erase(it);
    ++freed;
  }
  return freed;
}

int PrefixCache::n_evictable() const {
  int n = 0;
  for (const auto& [k, e] : entries_) n += blocks_.ref_count(e.block) == 1;
  return n;
}

void share_prefix(BlockAllocator& blocks, const Context& from, int n, Context& to) {
  if (n < 0 || n > from.n_past()) {
    throw InputError("share_prefix: " + std::to_string(n) + " positions asked, " +
                     std::to_string(from.n_past()) + " cached");
  }
  const size_t bs = static_cast<size_t>(blocks.block_size());
  const size_t nb = (static_cast<size_t>(n) + bs - 1) / bs;
  std::vector<int32_t> shared(from.blocks().begin(), from.blocks().begin() + static_cast<long>(nb));
  for (int32_t b : shared) blocks.retain(b);
  try {
    to.adopt_prefix(std::vector<int32_t>(from.tokens().begin(), from.tokens().begin() + n), shared);
  } catch (...) {
    for (int32_t b : shared) blocks.release(b);
    throw;
  }
}

}  // namespace ys::engine
