// A tile of kLanes consecutive rows of a row-major batch (row r at rows + r d) read and written
// by coordinates, kLanes coordinates at a time through an 8 x 8 transpose in registers, instead
// of single values moved lane by lane: whole-row loads into tiles (tile k holds coordinate
// first + k, lane r of row r), and tiles back into rows in a small buffer, from which the
// kernels' arithmetic runs over the tile's rows as one flat range of values (one vector loop).
// Values convert to double exactly; stores round to Real as static_cast does. bench/kernels,
// d = 10, 1 thread, time against the lane-by-lane build (medians of 9 alternated rounds, n = 20,000
// / 200,000): score_step (ddpm) 0.77 / 0.83, ula_step 0.79 / 0.84, uld_step 0.84 / 0.87,
// GaussianMixture::evaluate (rows in, scores out) 0.94 / 0.91.
#pragma once
#include <cstddef>
#include <cstring>

#include "lanes.h"

// CPU only, as lanes.h.
#if !defined(__CUDA_ARCH__)
namespace rtk {

// v[k][r] becomes v[r][k]: an 8 x 8 transpose in three rounds of shuffles (GCC's generic
// shuffles; with AVX-512, 24 unpack, two-source permute and 128-bit shuffle instructions).
inline void transpose_lanes(Lanes (&v)[kLanes]) {
  // Pairs of rows interleaved: even coordinates of both, odd coordinates of both.
  Lanes pairs[kLanes];
  for (int r = 0; r < kLanes; r += 2) {
    pairs[r] = __builtin_shuffle(v[r], v[r + 1], LaneBits{0, 8, 2, 10, 4, 12, 6, 14});
    pairs[r + 1] = __builtin_shuffle(v[r], v[r + 1], LaneBits{1, 9, 3, 11, 5, 13, 7, 15});
  }
  // Fours of rows: coordinates 0 | 4, 2 | 6 (from the even pairs), 1 | 5, 3 | 7 (the odd ones).
  Lanes fours[kLanes];
  for (int half = 0; half < kLanes; half += 4)
    for (int odd = 0; odd < 2; ++odd) {
      const Lanes& a = pairs[half + odd];
      const Lanes& b = pairs[half + odd + 2];
      fours[half + 2 * odd] = __builtin_shuffle(a, b, LaneBits{0, 1, 8, 9, 4, 5, 12, 13});
      fours[half + 2 * odd + 1] = __builtin_shuffle(a, b, LaneBits{2, 3, 10, 11, 6, 7, 14, 15});
    }
  // Both fours of rows side by side, one coordinate a vector.
  const int coordinate_of[4] = {0, 2, 1, 3};
  for (int q = 0; q < 4; ++q) {
    v[coordinate_of[q]] = __builtin_shuffle(fours[q], fours[q + 4], LaneBits{0, 1, 2, 3, 8, 9, 10, 11});
    v[coordinate_of[q] + 4] = __builtin_shuffle(fours[q], fours[q + 4], LaneBits{4, 5, 6, 7, 12, 13, 14, 15});
  }
}

// Coordinates [first, first + width) (width 1..kLanes) of `count` (1..kLanes) rows of d values
// as tiles: out[k][r] = rows[r d + first + k]. Lanes past `count` repeat the last row, so that
// they stay finite and harmless. A partial group (width < kLanes) is read value by value: for a
// few coordinates that was faster than a whole transpose (GaussianMixture::evaluate at d = 10:
// 0.82 of the lane-by-lane time, against 0.89 with the last two coordinates transposed too).
template <class Real>
inline void load_columns(const Real* rows, int count, int d, int first, int width, Lanes* out) {
  const auto row = [&](int r) { return rows + static_cast<size_t>(r < count ? r : count - 1) * d + first; };
  if (width < kLanes) {
    for (int k = 0; k < width; ++k)
      for (int r = 0; r < kLanes; ++r) out[k][r] = static_cast<double>(row(r)[k]);
    return;
  }
  Lanes v[kLanes];
  for (int r = 0; r < kLanes; ++r) v[r] = load_adjacent(row(r));
  transpose_lanes(v);
  for (int k = 0; k < kLanes; ++k) out[k] = v[k];
}

// A tile of `count` (1..kLanes) consecutive rows of d values, transposed: t[i][r] = rows[r][i],
// lanes past `count` repeating the last row (load_columns, kLanes coordinates at a time).
template <class Real>
inline void load_transposed(const Real* rows, int count, int d, Lanes* t) {
  for (int first = 0; first < d; first += kLanes)
    load_columns(rows, count, d, first, d - first < kLanes ? d - first : kLanes, t + first);
}

// Coordinates a row buffer (rows_of_tiles) holds at most.
constexpr int kRowBufferWidth = 16;

// A buffer of kLanes rows of up to kRowBufferWidth values (with the room rows_of_tiles needs).
typedef double RowBuffer[kLanes * (kRowBufferWidth + 1)];

// The kLanes rows of w (1..kRowBufferWidth) tiles, row after row: out[r w + k] = tiles[k][r].
// Each row is written kLanes values at a time, rows in order; the next row overwrites what a
// row's last write puts past its end.
inline void rows_of_tiles(const Lanes* tiles, int w, RowBuffer& out) {
  constexpr int kParts = kRowBufferWidth / kLanes;
  const int parts = (w + kLanes - 1) / kLanes;
  Lanes v[kParts][kLanes];
  for (int part = 0; part < parts; ++part) {
    for (int k = 0; k < kLanes; ++k) v[part][k] = part * kLanes + k < w ? tiles[part * kLanes + k] : Lanes{};
    transpose_lanes(v[part]);
  }
  for (int r = 0; r < kLanes; ++r)
    for (int part = 0; part < parts; ++part) std::memcpy(out + r * w + part * kLanes, &v[part][r], sizeof(Lanes));
}

// f(at, k) for the values [begin, begin + w) of each of the first `count` (1..kLanes) rows of d
// values: `at` the value's index from the first row's start, k its index in the row buffer of
// those values (rows_of_tiles). When they are the whole rows of a whole tile (w = d, count =
// kLanes), one flat loop over kLanes d values, which vectorises.
template <class F>
inline void for_buffered_values(int count, int d, int begin, int w, F&& f) {
  if (w == d && count == kLanes) {
    for (int k = 0; k < kLanes * d; ++k) f(static_cast<size_t>(k), k);
    return;
  }
  for (int r = 0; r < count; ++r)
    for (int k = 0; k < w; ++k) f(static_cast<size_t>(r) * d + begin + k, r * w + k);
}

// The inverse of load_transposed for the first `count` (1..kLanes) rows: rows[r][i] = t[i][r],
// rounded to Real (rows_of_tiles, kRowBufferWidth coordinates at a time).
template <class Real>
inline void store_transposed(const Lanes* t, int count, int d, Real* rows) {
  for (int first = 0; first < d; first += kRowBufferWidth) {
    const int w = d - first < kRowBufferWidth ? d - first : kRowBufferWidth;
    RowBuffer buffer;
    rows_of_tiles(t + first, w, buffer);
    for_buffered_values(count, d, first, w, [&](size_t at, int k) { rows[at] = static_cast<Real>(buffer[k]); });
  }
}

}  // namespace rtk
#endif
