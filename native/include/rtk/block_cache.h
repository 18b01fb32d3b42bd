// Large memory blocks kept between runs: a run's buffers (UninitializedAllocator) are freed when
// it ends, and the next run of the same size would otherwise fault in and zero every page again
// (about 1,700 page faults and 3 ms of system time per RTK-MALA run at n = 20,000, d = 10,
// measured: 5% of the run). Blocks of at least kMinBytes are kept here instead, at most kMaxBytes
// in all, and handed out again to a request of exactly their size, the most recently kept first;
// to keep a new block within kMaxBytes the oldest ones are freed, and a block larger than
// kMaxBytes is freed at once (so runs with huge buffers keep nothing). Thread-safe.
#pragma once
#include <cstddef>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace rtk {

class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t{1} << 20;
  static constexpr size_t kMaxBytes = size_t{64} << 20;

  // The process's cache. Never destroyed, so that buffers freed during exit still find it.
  static BlockCache& process() {
    static BlockCache* cache = new BlockCache;
    return *cache;
  }

  // A kept block of exactly `bytes` (taken out of the cache), or a new one (operator new).
  void* take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (size_t i = blocks_.size(); i-- > 0;)
        if (blocks_[i].bytes == bytes) {
          void* p = blocks_[i].data;
          blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
          held_ -= bytes;
          return p;
        }
    }
    return ::operator new(bytes);
  }

  // Keeps the block p of `bytes` (from take) for a later take, or frees it.
  void give(void* p, size_t bytes) {
    if (bytes > kMaxBytes) {
      ::operator delete(p);
      return;
    }
    std::vector<void*> freed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      size_t oldest = 0;
      while (held_ + bytes > kMaxBytes) {
        freed.push_back(blocks_[oldest].data);
        held_ -= blocks_[oldest].bytes;
        ++oldest;
      }
      blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(oldest));
      blocks_.push_back(Block{p, bytes});
      held_ += bytes;
    }
    for (void* q : freed) ::operator delete(q);
  }

  // Bytes kept now.
  size_t held() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }

  // Frees every kept block.
  void clear() {
    std::vector<Block> blocks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks.swap(blocks_);
      held_ = 0;
    }
    for (const Block& b : blocks) ::operator delete(b.data);
  }

 private:
  struct Block {
    void* data;
    size_t bytes;
  };
  mutable std::mutex mutex_;
  std::vector<Block> blocks_;  // oldest first
  size_t held_ = 0;
};

}  // namespace rtk
