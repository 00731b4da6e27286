// Paged KV cache bookkeeping: a fixed pool of KV blocks with a free list and reference
// counts (BlockAllocator), and a prefix cache that lets sequences with a common prompt
// prefix share the blocks holding it (PrefixCache). Blocks hold block_size positions of
// every layer (graph/backend.h KvStore). Not thread-safe: one decoding loop owns them.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "runners/engine/graph/context.h"

namespace ys::engine {

class BlockAllocator final : public KvBlockSource {
 public:
  // `n_blocks` blocks of `block_size` positions in a KV store of `backend`. Throws
  // InputError when either is < 1 or the store cannot be allocated.
  BlockAllocator(Backend& backend, int n_blocks, int block_size);

  KvStore& store() override { return *store_; }
  // The most recently freed block (LIFO: its memory is likeliest to be cached), count 1.
  // Throws InputError "KV cache full" when none is free.
  int32_t allocate() override;
  // Count - 1; at 0 the block goes back on the free list. Throws std::logic_error for a
  // block that is free or out of range (a bookkeeping bug, never bad input).
  void release(int32_t block) override;
  // Count + 1: one more sequence (or the prefix cache) holds the block.
  void retain(int32_t block);
  // `block` when its count is 1; else a new block with a copy of its keys and values (the
  // caller's hold moves to it). Throws as allocate() when a copy is needed and none is free.
  int32_t make_writable(int32_t block) override;

  int n_blocks() const { return static_cast<int>(refs_.size()); }
  int block_size() const { return block_size_; }
  int n_free() const { return static_cast<int>(free_.size()); }
  int ref_count(int32_t block) const { return refs_.at(static_cast<size_t>(block)); }
  // Copies made by make_writable so far.
  int64_t copies() const { return copies_; }

  // True when the free list holds exactly the blocks of count 0, each once.
  bool consistent() const;

 private:
  void check(int32_t block) const;

  Backend& backend_;
  std::unique_ptr<KvStore> store_;
  int block_size_;
  std::vector<int> refs_;
  std::vector<int32_t> free_;
  int64_t copies_ = 0;
};

// Full blocks of token prefixes, keyed by a hash chained over the blocks (block i's key
// covers tokens 0 .. (i+1)*block_size - 1), holding one reference to each block it knows.
// A lookup compares the tokens too, so a hash collision never shares wrong keys. Entries
// are dropped least recently used first when the allocator needs room (evict).
class PrefixCache {
 public:
  explicit PrefixCache(BlockAllocator& blocks) : blocks_(blocks) {}
  ~PrefixCache();
  PrefixCache(const PrefixCache&) = delete;
  PrefixCache& operator=(const PrefixCache&) = delete;

  struct Match {
    size_t n_tokens = 0;          // a multiple of block_size
    std::vector<int32_t> blocks;  // held once more for the caller
  };
  // The longest cached run of full blocks that is a prefix of tokens[0 .. limit - 1].
  Match match(const std::vector<int32_t>& tokens, size_t limit);

  // Records the full blocks of a sequence holding `tokens` in `blocks` (a Context's
  // tokens() and blocks()); blocks already known under the same key are left as they are.
  void insert(const std::vector<int32_t>& tokens, const std::vector<int32_t>& blocks);

  // Drops up to `n` least recently used entries whose block nobody else holds, freeing
  // their blocks; returns how many were freed.
  int evict(int n);

  // Entries whose block only the cache holds: blocks evict() could free.
  int n_evictable() const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<int32_t> tokens;  // the block's own tokens
    uint64_t parent = 0;          // key of the previous block (0 for the first)
    int32_t block = -1;
    std::list<uint64_t>::iterator lru;
  };
  static uint64_t key(uint64_t parent, const int32_t* tokens, size_t n);

  BlockAllocator& blocks_;
  std::unordered_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;  // front: most recently used
};

// Makes the empty paged context `to` share the first `n` cached positions of `from` (same
// allocator): full blocks and the partial last one, which either copies before writing
// into it (copy-on-write). The choices of one multiple-choice question share their
// context this way. Throws InputError when n > from.n_past() or `to` is not empty.
void share_prefix(BlockAllocator& blocks, const Context& from, int n, Context& to);

}  // namespace ys::engine
