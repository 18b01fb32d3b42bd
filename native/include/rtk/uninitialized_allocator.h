// An allocator whose value-less construction leaves arithmetic values uninitialised: a
// std::vector<double, UninitializedAllocator<double>>(n) reserves its pages without touching
// them, so that whoever writes first (the pool's threads, each its own range) takes the page
// faults and the zeroing, instead of the one thread that allocates. Blocks of a megabyte or more
// come from and go back to the process's BlockCache, so that the next run of the same size finds
// its pages already mapped.
#pragma once
#include <cstddef>
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
    if (!cached(n)) return std::allocator<T>::allocate(n);
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(BlockCache::process().take(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (!cached(n)) return std::allocator<T>::deallocate(p, n);
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
  // Whether n values go through the cache: large blocks of types that operator new aligns.
  static bool cached(size_t n) {
    return alignof(T) <= alignof(std::max_align_t) && n >= BlockCache::kMinBytes / sizeof(T);
  }
};

}  // namespace rtk
