// An allocator whose value-less construction leaves arithmetic values uninitialised: a
// std::vector<double, UninitializedAllocator<double>>(n) reserves its pages without touching
// them, so that whoever writes first (the pool's threads, each its own range) takes the page
// faults and the zeroing, instead of the one thread that allocates.
#pragma once
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

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

  // Default-initialisation: no value for arithmetic types.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

}  // namespace rtk
