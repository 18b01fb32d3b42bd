// Large memory blocks kept between runs: a run's buffers (UninitializedAllocator) are freed when
// it ends, and the next run of the same size would otherwise fault in and zero every page again
// (about 1,700 page faults and 3 ms of system time per RTK-MALA run at n = 20,000, d = 10,
// measured: 5% of the run). Blocks of at least kMinBytes are kept here instead, at most kMaxBytes
// in all, and handed out again to a request of exactly their size, the most recently kept first;
// to keep a new block within kMaxBytes the oldest ones are freed, and a block larger than
// kMaxBytes is freed at once (so runs with huge buffers keep nothing). Thread-safe.
//
// Blocks below a megabyte are kept too: the heap gives them back to the system when a run frees
// them (glibc trims the top of its heap, or unmaps a chunk above its mmap threshold), and the next
// run faulted them in again: 650 page faults per RTK-MALA run of 16 NFE at n = 13,000 (its
// buffers of n * d doubles just under a megabyte, 10.1 ms a run, against 7.6 ms at n = 14,000,
// where they were kept), 87 at n = 2,000.
//
// New blocks of kHugePageMinBytes or more are asked for on 2 MiB pages (transparent huge pages,
// where Linux has them): a block that is not in the cache (the samples handed to JS, every buffer
// of a run of a new size) is then faulted in one 2 MiB page at a time instead of 4 KiB at a time.
// On virtual machines a fault is costly: 9.2 us per 4 KiB page on this project's VMs, so the
// 1.6 MB of samples of a run at n = 20,000, d = 10 took 3.6 ms to fault in, against 0.07 ms on
// 2 MiB pages (measured apart); that was 6% of the run's time. Such a block takes whole 2 MiB
// pages, so each may hold up to 2 MiB more than asked for, and the 2 KiB it starts in (a block of
// a whole number of 2 MiB pages takes one more); smaller blocks take whole 4 KiB pages. Every
// block starts half a small page into its first page (kPageOffsetBytes), on a cache line.
#pragma once
#include <cstddef>
#include <mutex>
#include <new>
#include <utility>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace rtk {

class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t{64} << 10;
  static constexpr size_t kHugePageMinBytes = size_t{1} << 20;
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
    return new_block(bytes);
  }

  // Keeps the block p of `bytes` (from take) for a later take, or frees it.
  void give(void* p, size_t bytes) {
    if (bytes > kMaxBytes) {
      delete_block(p, bytes);
      return;
    }
    std::vector<Block> freed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      size_t oldest = 0;
      while (held_ + bytes > kMaxBytes) {
        freed.push_back(blocks_[oldest]);
        held_ -= blocks_[oldest].bytes;
        ++oldest;
      }
      blocks_.erase(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(oldest));
      blocks_.push_back(Block{p, bytes});
      held_ += bytes;
    }
    for (const Block& b : freed) delete_block(b.data, b.bytes);
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
    for (const Block& b : blocks) delete_block(b.data, b.bytes);
  }

  // The page size of the blocks of kHugePageMinBytes or more (their first page is aligned to it),
  // and the size of the small pages the others start in.
  static constexpr size_t kPageBytes = size_t{2} << 20;
  static constexpr size_t kSmallPageBytes = 4096;

  // Where every block starts in its first page: half a page in, away from where the heap's large
  // chunks and V8's array buffers start (16 bytes into a page). A copy whose destination starts a
  // little after its source in the page (mod 4 KiB) has its loads wait on its own stores (4K
  // aliasing): a 320 KiB memcpy from 16 bytes into a page to 64 bytes into one took 4.8 us against
  // 3.1 (measured), and JS-score runs copy every score from V8's array into a block.
  static constexpr size_t kPageOffsetBytes = kSmallPageBytes / 2;

 private:
  // The first page's size and alignment for a block of `bytes`.
  static size_t page_of(size_t bytes) { return bytes >= kHugePageMinBytes ? kPageBytes : kSmallPageBytes; }

  // A block of at least `bytes` at kPageOffsetBytes into its first page: from kHugePageMinBytes on,
  // in whole kPageBytes pages asked to be backed by huge pages (MADV_HUGEPAGE: needed where
  // transparent huge pages are set to "madvise"; a hint only, so its failure is not an error).
  static void* new_block(size_t bytes) {
    const size_t page = page_of(bytes);
    if (bytes > static_cast<size_t>(-1) - kPageOffsetBytes - page) throw std::bad_array_new_length();
    const size_t whole = (bytes + kPageOffsetBytes + page - 1) / page * page;
    void* p = ::operator new(whole, std::align_val_t{page});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (page == kPageBytes) madvise(p, whole, MADV_HUGEPAGE);
#endif
    return static_cast<char*>(p) + kPageOffsetBytes;
  }

  static void delete_block(void* p, size_t bytes) {
    ::operator delete(static_cast<char*>(p) - kPageOffsetBytes, std::align_val_t{page_of(bytes)});
  }

  struct Block {
    void* data;
    size_t bytes;
  };
  mutable std::mutex mutex_;
  std::vector<Block> blocks_;  // oldest first
  size_t held_ = 0;
};

}  // namespace rtk
