// The small whole-batch operations the samplers need besides the step kernels: normals for a
// batch, copies, the Simpson midpoint, Heun's corrector and the search for a non-finite value.
// These are the CPU forms (on a ThreadPool); native/cuda/cuda_exec.h declares the GPU forms
// with the same names, so a sampler written against `ctx.pool` runs on either.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../batch.h"
#include "../host_device.h"
#include "../lanes.h"
#include "../philox.h"
#include "../philox_lanes.h"
#include "../row_columns.h"
#include "../thread_pool.h"

namespace rtk {

// The first non-finite value of an array (found = false when all are finite).
struct NonFinite {
  bool found = false;
  size_t index = 0;
  double value = 0;
};

// Heun's corrector for dx/dt = -x - score on a step of length h (rtk-math.md, "Baselines"):
// x' = x + (h/2) [(x + s(x, a)) + (x_pred + s(x_pred, b))].
template <class Real>
RTK_HD inline Real heun_value(double h, Real x, Real s1, Real x_pred, Real s2) {
  return static_cast<Real>(x + 0.5 * h * ((x + s1) + (x_pred + s2)));
}

// The Simpson midpoint (a + b) / 2 of one value.
template <class Real>
RTK_HD inline Real midpoint_value(Real a, Real b) {
  return static_cast<Real>(0.5 * (a + b));
}

#if !defined(__CUDA_ARCH__)
// Coordinates [begin, end) of kLanes rows from the normals xi (xi[i - begin]: tiles of the rows'
// coordinate i) into out, through a row buffer (rows_of_tiles, for_buffered_values).
template <class Real>
inline void store_normal_rows(const Lanes* xi, int d, int begin, int end, Real* out) {
  static_assert(kNormalGroup <= kRowBufferWidth, "a group of normals fits a row buffer");
  const int w = end - begin;
  RowBuffer rows;
  rows_of_tiles(xi, w, rows);
  for_buffered_values(kLanes, d, begin, w, [&](size_t at, int k) { out[at] = static_cast<Real>(rows[k]); });
}

// Fills rows [0, b.n) of out with standard normals from `stream` (row p is particle
// b.particle_offset + p).
template <class Real>
void fill_normals_batch(ThreadPool& pool, const Batch& b, const StreamId& stream, Real* out) {
  const size_t d = static_cast<size_t>(b.d);
  pool.parallel_for(b.n, [&](size_t begin, size_t end) {
    // Whole tiles at once, the same bits as fill_normals row by row (for_tiles_with_normals).
    const StreamId streams[1] = {stream};
    size_t p = for_tiles_with_normals(streams, b.particle_offset, begin, end, b.d,
                                      [&](size_t row, const Lanes(&xi)[1][kNormalGroup], int first, int last) {
                                        store_normal_rows(xi[0], b.d, first, last, out + row * d);
                                      });
    for (; p < end; ++p) fill_normals(stream, b.particle_offset + p, b.d, out + p * d);
  });
}
#endif

// Whole-array passes go through the pool in ranges of at least a page: each thread takes the
// page faults of its own ranges when the destination is freshly allocated.
constexpr size_t kCopyGrain = 4096;

template <class Real>
void copy_values(ThreadPool& pool, const Real* from, size_t count, Real* to) {
  pool.parallel_for(count, [&](size_t begin, size_t end) { std::copy(from + begin, from + end, to + begin); },
                    kCopyGrain);
}

// Copies a batch buffer into caller (host) memory.
template <class Real>
void copy_to_host(ThreadPool& pool, const Real* from, size_t count, Real* to) {
  copy_values(pool, from, count, to);
}

// out = (a + b) / 2, value by value.
template <class Real>
void midpoint(ThreadPool& pool, const Real* a, const Real* b, size_t count, Real* out) {
  pool.parallel_for(count, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) out[i] = midpoint_value(a[i], b[i]);
  });
}

// x = heun_value(h, x, s1, x_pred, s2), value by value.
template <class Real>
void heun_update(ThreadPool& pool, double h, Real* x, const Real* s1, const Real* x_pred, const Real* s2,
                 size_t count) {
  pool.parallel_for(count, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) x[i] = heun_value(h, x[i], s1[i], x_pred[i], s2[i]);
  });
}

// The first of n items, in item order, that find(begin, end) reports in its range, whatever the
// thread count: each piece of the fixed blocks of `block` items (ThreadPool::block_pieces, cut
// at multiples of a tile group where the threads' shares meet) finds its own first on the pool,
// and the first piece that has one gives the answer.
template <class Find>
NonFinite first_over_blocks(ThreadPool& pool, size_t n, size_t block, Find&& find) {
  const ThreadPool::Pieces& pieces = pool.block_pieces(n, block, kTileGroup * kLanes);
  std::vector<BlockSlot<NonFinite>>& first = block_slots<NonFinite>(pieces.pieces.size());
  pool.for_pieces(pieces, [&](size_t i, const BlockPiece& p) { first[i].value = find(p.begin, p.end); });
  for (const BlockSlot<NonFinite>& f : first)
    if (f.value.found) return f.value;
  return NonFinite{};
}

#if !defined(__CUDA_ARCH__)
// The scan runs on the pool (it follows every score evaluation of the unadjusted samplers, so
// a serial scan would cap their thread scaling). Groups of kScanLanes values are tested at once,
// as whole vectors (x * 0 is 0 for a finite x and NaN otherwise, and a NaN stays NaN through the
// sum), and only a group that has one is searched value by value: a loop with an exit at every
// value does not vectorise.
template <class Real>
NonFinite find_non_finite(ThreadPool& pool, const Real* values, size_t count) {
  constexpr size_t kScanLanes = 4 * kLanes;
  return first_over_blocks(pool, count, 16384, [&](size_t begin, size_t end) {
    size_t i = begin;
    for (; i + kScanLanes <= end; i += kScanLanes) {
      Lanes probe = Lanes{};
      for (size_t v = 0; v < kScanLanes; v += kLanes) probe += load_adjacent(values + i + v) * 0.0;
      if (lane_bits(probe != probe)) break;
    }
    for (; i < end; ++i)
      if (!std::isfinite(static_cast<double>(values[i]))) return NonFinite{true, i, static_cast<double>(values[i])};
    return NonFinite{};
  });
}

// The first non-finite value among the first `rows` rows of tile k (tiled_layout.h), held in
// registers as values[i] = coordinate i of the tile's rows, in row-major order: its index in the
// batch's n x d array, as find_non_finite reports it. The tile is tested as whole vectors first
// (v - v is 0 for a finite v and NaN otherwise, and a NaN stays NaN through the sum).
inline NonFinite first_non_finite_in_tile(const Lanes* values, int d, size_t k, int rows) {
  Lanes any = Lanes{};
  for (int i = 0; i < d; ++i) any += values[i] - values[i];
  if ((lane_bits(any != 0.0) & ((1u << rows) - 1u)) == 0) return NonFinite{};
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < d; ++i)
      if (!std::isfinite(values[i][r]))
        return NonFinite{true, (k * kLanes + r) * static_cast<size_t>(d) + i, values[i][r]};
  return NonFinite{};
}
#endif

}  // namespace rtk
