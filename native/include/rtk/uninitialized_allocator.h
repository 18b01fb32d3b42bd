// An allocator whose value-less construction leaves arithmetic values uninitialised: a
// std::vector<double, UninitializedAllocator<double>>(n) reserves its pages without touching
// them, so that whoever writes first (the pool's threads, each its own range) takes the page
// faults and the zeroing, instead of the one thread that allocates. Blocks of 64 KiB or more
// (BlockCache::kMinBytes) come from and go back to the process's BlockCache, so that the next run
// of the same size finds its pages already mapped. Every block starts on a cache line
// (kLineBytes): the kernels load and store whole 64-byte vectors (a tile's coordinate, lanes.h),
// and one that straddles two lines costs two accesses. The heap alone aligns to 16 bytes: the
// fused MALA step on such arrays took 4-6% longer (bench/kernels, n = 20,000). Smaller blocks are
// aligned by hand (line_aligned), which keeps them in the heap's ordinary chunks: its own aligned
// allocation (operator new with std::align_val_t) mapped and unmapped blocks of glibc's mmap size
// afresh on every run (200 more page faults in an RTK-MALA run at n = 2,000, measured before the
// cache kept blocks of that size).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "block_cache.h"

namespace rtk {

template <class T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > (static_cast<size_t>(-1) - kAlignment) / sizeof(T)) throw std::bad_array_new_length();
    if (!cached(n)) return static_cast<T*>(line_aligned(n * sizeof(T)));
    return static_cast<T*>(BlockCache::process().take(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (!cached(n)) return free_line_aligned(p);
    BlockCache::process().give(p, n * sizeof(T));
  }

  // Default-initialisation: no value for arithmetic types.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

 private:
  static constexpr size_t kLineBytes = 64;  // a cache line, one AVX-512 vector
  static constexpr size_t kAlignment = alignof(T) > kLineBytes ? alignof(T) : kLineBytes;

  // `bytes` from the heap starting at the first kAlignment boundary past the heap's block, which
  // is asked for kAlignment bytes larger; the heap's pointer is kept just before the values (the
  // heap aligns to at least 16 bytes, so there are 16 to 64 bytes free there).
  static void* line_aligned(size_t bytes) {
    static_assert(alignof(std::max_align_t) >= sizeof(void*), "room for the heap's pointer");
    void* heap = ::operator new(bytes + kAlignment);
    const std::uintptr_t at = (reinterpret_cast<std::uintptr_t>(heap) + kAlignment) & ~std::uintptr_t{kAlignment - 1};
    void** values = reinterpret_cast<void**>(at);
    values[-1] = heap;
    return values;
  }

  // Gives a line_aligned block back to the heap.
  static void free_line_aligned(void* values) { ::operator delete(static_cast<void**>(values)[-1]); }

  // Whether n values go through the cache: large blocks of types that operator new aligns.
  static bool cached(size_t n) {
    return alignof(T) <= alignof(std::max_align_t) && n >= BlockCache::kMinBytes / sizeof(T);
  }
};

}  // namespace rtk
