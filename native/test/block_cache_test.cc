// BlockCache (block_cache.h) and UninitializedAllocator (uninitialized_allocator.h): a block
// given back is handed out again for exactly its size, the cache never holds more than kMaxBytes
// (the oldest blocks go first; a larger block is not kept), and run buffers of 64 KiB or more
// reuse the blocks of the buffers freed before them, while small ones bypass the cache. New
// blocks of a megabyte or more lie on 2 MiB pages (huge pages where the system has them), smaller
// ones on 4 KiB pages, each starting half a 4 KiB page into its first page.
#include "rtk/block_cache.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"
#include "rtk/uninitialized_allocator.h"

namespace {
constexpr size_t kMiB = size_t{1} << 20;
}

TEST(block_cache, a_given_block_comes_back_for_its_size_only) {
  rtk::BlockCache cache;
  void* a = cache.take(2 * kMiB);
  std::memset(a, 1, 2 * kMiB);
  cache.give(a, 2 * kMiB);
  CHECK_EQ(cache.held(), 2 * kMiB);
  void* other = cache.take(3 * kMiB);  // another size: a new block
  CHECK(other != a);
  CHECK_EQ(cache.held(), 2 * kMiB);
  void* again = cache.take(2 * kMiB);
  CHECK(again == a);
  CHECK_EQ(cache.held(), size_t{0});
  cache.give(other, 3 * kMiB);
  cache.give(again, 2 * kMiB);
  CHECK_EQ(cache.held(), 5 * kMiB);
  cache.clear();
  CHECK_EQ(cache.held(), size_t{0});
}

TEST(block_cache, new_blocks_start_half_a_small_page_past_a_huge_page_boundary) {
  rtk::BlockCache cache;
  for (size_t bytes : {kMiB, 2 * kMiB, 3 * kMiB + 8, 4 * kMiB - rtk::BlockCache::kPageOffsetBytes / 2}) {
    void* p = cache.take(bytes);
    CHECK_EQ(reinterpret_cast<std::uintptr_t>(p) % rtk::BlockCache::kPageBytes, rtk::BlockCache::kPageOffsetBytes);
    std::memset(p, 1, bytes);  // the whole size asked for is usable
    cache.give(p, bytes);
  }
  cache.clear();
}

TEST(block_cache, blocks_below_a_megabyte_are_kept_too_half_a_page_in) {
  rtk::BlockCache cache;
  for (size_t bytes : {rtk::BlockCache::kMinBytes, size_t{160000}, rtk::BlockCache::kHugePageMinBytes - 8}) {
    void* p = cache.take(bytes);
    CHECK_EQ(reinterpret_cast<std::uintptr_t>(p) % rtk::BlockCache::kSmallPageBytes, rtk::BlockCache::kPageOffsetBytes);
    std::memset(p, 1, bytes);
    cache.give(p, bytes);
    CHECK_EQ(cache.held(), bytes);
    CHECK(cache.take(bytes) == p);  // kept, and handed out again for its size
    cache.give(p, bytes);
    cache.clear();
  }
}

TEST(block_cache, holds_at_most_its_limit_dropping_the_oldest) {
  rtk::BlockCache cache;
  const size_t block = 24 * kMiB;  // three of them exceed the 64 MiB limit
  void* first = cache.take(block);
  void* second = cache.take(block);
  void* third = cache.take(block);
  cache.give(first, block);
  cache.give(second, block);
  CHECK_EQ(cache.held(), 2 * block);
  cache.give(third, block);  // the oldest (first) is freed to make room
  CHECK_EQ(cache.held(), 2 * block);
  CHECK(cache.held() <= rtk::BlockCache::kMaxBytes);
  void* a = cache.take(block);
  void* b = cache.take(block);
  CHECK(a == third);  // the most recently kept first
  CHECK(b == second);
  cache.give(a, block);
  cache.give(b, block);
  // A block larger than the limit is freed, not kept.
  void* huge = cache.take(rtk::BlockCache::kMaxBytes + kMiB);
  cache.give(huge, rtk::BlockCache::kMaxBytes + kMiB);
  CHECK_EQ(cache.held(), 2 * block);
  cache.clear();
}

TEST(block_cache, run_buffers_reuse_freed_blocks_and_small_ones_bypass_it) {
  using Buffer = std::vector<double, rtk::UninitializedAllocator<double>>;
  rtk::BlockCache& cache = rtk::BlockCache::process();
  cache.clear();
  const size_t n = 200000, mid = 20000;  // 1.6 MB and 160 kB
  const double *before, *mid_before;
  {
    Buffer big(n), middle(mid);
    before = big.data();
    mid_before = middle.data();
    big[n - 1] = 1.0;
    middle[mid - 1] = 1.0;
  }
  CHECK_EQ(cache.held(), (n + mid) * sizeof(double));
  {
    Buffer big(n), middle(mid);
    CHECK(big.data() == before);
    CHECK(middle.data() == mid_before);
    CHECK_EQ(cache.held(), size_t{0});
    Buffer small(1000);
    small[999] = 2.0;
  }
  CHECK_EQ(cache.held(), (n + mid) * sizeof(double));  // the small buffer went back to the heap
  cache.clear();
}
