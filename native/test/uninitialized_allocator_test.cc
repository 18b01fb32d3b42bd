// UninitializedAllocator (uninitialized_allocator.h): every buffer starts on a cache line, small
// ones from the heap as well as large ones from the BlockCache, for each value type the library
// keeps in buffers; the values it is given are kept.
#include "rtk/uninitialized_allocator.h"

#include <cstdint>
#include <vector>

#include "check.h"

namespace {

template <class T>
using Buffer = std::vector<T, rtk::UninitializedAllocator<T>>;

bool starts_on_a_line(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

// Buffers of 1 value up to 1.6 MB: the heap's (glibc's mmap'd chunks start 16 bytes into a
// page) and the cache's.
template <class T>
void check_sizes() {
  for (size_t bytes : {size_t{8}, size_t{56}, size_t{8000}, size_t{160000}, size_t{1600000}}) {
    std::vector<Buffer<T>> held;
    for (int k = 0; k < 4; ++k) {
      held.emplace_back(bytes / sizeof(T), T(3));
      CHECK(starts_on_a_line(held.back().data()));
      CHECK(held.back().back() == T(3));
    }
  }
}

}  // namespace

TEST(uninitialized_allocator, every_buffer_starts_on_a_cache_line) {
  check_sizes<double>();
  check_sizes<float>();
  check_sizes<std::uint8_t>();
  rtk::BlockCache::process().clear();
}
