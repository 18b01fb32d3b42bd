// Bit-for-bit equality of two result buffers (thread-count and batch-split independence), and
// the bits of one double (to compare two values exactly, NaN and -0 included).
#pragma once
#include <cstdint>
#include <cstring>
#include <vector>

namespace rtk_test {

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

inline uint64_t bits_of(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

}  // namespace rtk_test
