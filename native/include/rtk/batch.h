// The shape of a batch of particles: n rows of dimension d, row-major, and the offset of
// its first row in the whole run (RNG streams are keyed by the global particle index, so a
// batch processed in pieces draws the same numbers as in one go).
#pragma once
#include <cstddef>
#include <cstdint>

namespace rtk {

struct Batch {
  size_t n = 0;
  int d = 0;
  uint64_t particle_offset = 0;
  size_t values() const { return n * static_cast<size_t>(d); }
};

}  // namespace rtk
