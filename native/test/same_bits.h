// Bit-for-bit equality of two result buffers (thread-count and batch-split independence).
#pragma once
#include <cstring>
#include <vector>

namespace rtk_test {

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace rtk_test
