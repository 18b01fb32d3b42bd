// The fused kernels' layout: a batch of n rows of d values cut into tiles of kLanes rows, each
// stored transposed, so that one coordinate of a tile's rows is kLanes adjacent values that load
// as one vector: (row, i) lives at [(row / kLanes * d + i) * kLanes + row % kLanes]. The last
// tile is padded with copies of the last row (finite, and never written back).
#pragma once
#include <cstddef>

#include "../lanes.h"
#include "../thread_pool.h"

namespace rtk {

// Values a tiled copy of n rows of d values needs.
inline size_t tiled_size(size_t n, int d) { return (n + kLanes - 1) / kLanes * kLanes * static_cast<size_t>(d); }

// rows (n x d, row-major) -> tiles.
template <class Real>
void to_tiles(ThreadPool& pool, size_t n, int d, const Real* rows, Real* tiles) {
  const size_t tile_count = (n + kLanes - 1) / kLanes;
  pool.parallel_for(tile_count, [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k)
      for (int i = 0; i < d; ++i)
        for (int r = 0; r < kLanes; ++r) {
          const size_t row = k * kLanes + r < n ? k * kLanes + r : n - 1;
          tiles[(k * d + i) * kLanes + r] = rows[row * d + i];
        }
  });
}

// tiles -> rows (n x d, row-major); the padding is dropped.
template <class Real>
void from_tiles(ThreadPool& pool, size_t n, int d, const Real* tiles, Real* rows) {
  const size_t tile_count = (n + kLanes - 1) / kLanes;
  pool.parallel_for(tile_count, [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k)
      for (int r = 0; r < kLanes && k * kLanes + r < n; ++r)
        for (int i = 0; i < d; ++i) rows[(k * kLanes + r) * d + i] = tiles[(k * d + i) * kLanes + r];
  });
}

}  // namespace rtk
