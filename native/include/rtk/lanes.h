// Eight values handled lane by lane with the GCC/Clang vector extension. Each lane's arithmetic
// is exactly the scalar arithmetic (no contraction: builds use -ffp-contract=off), so a tile of
// rows gives the same bits as the rows one at a time, whatever vector width the CPU has.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace rtk {

constexpr int kLanes = 8;
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));
typedef uint64_t LaneBits __attribute__((vector_size(kLanes * sizeof(uint64_t))));
typedef float FloatLanes __attribute__((vector_size(kLanes * sizeof(float))));

// CPU only (nvcc's device pass has no __builtin_convertvector).
#if !defined(__CUDA_ARCH__)

// kLanes adjacent values of an array of Real, as doubles.
template <class Real>
inline Lanes load_adjacent(const Real* values) {
  Lanes v;
  for (int r = 0; r < kLanes; ++r) v[r] = static_cast<double>(values[r]);
  return v;
}

// Stores v (exactly representable in Real: see as_stored) into kLanes adjacent values.
template <class Real>
inline void store_adjacent(Lanes v, Real* values) {
  for (int r = 0; r < kLanes; ++r) values[r] = static_cast<Real>(v[r]);
}

// Stores lane r of v into values[r] where bit r of `bits` is set and leaves the other values as
// they are: one masked store where AVX-512 has it (no load of the kept values, no blend), else a
// blend of whole vectors stored back. v is exactly representable in Real (as_stored).
template <class Real>
inline void store_selected(unsigned bits, Lanes v, Real* values) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<Real, double>) {
    _mm512_mask_storeu_pd(values, static_cast<__mmask8>(bits), reinterpret_cast<__m512d>(v));
    return;
  }
#endif
  const LaneBits lane_index = {0, 1, 2, 3, 4, 5, 6, 7};
  const LaneBits mask = LaneBits{} - (((LaneBits{} + bits) >> lane_index) & 1u);  // all ones where set
  const Lanes kept = load_adjacent(values);
  LaneBits t, k;
  std::memcpy(&t, &v, sizeof t);
  std::memcpy(&k, &kept, sizeof k);
  const LaneBits r = (t & mask) | (k & ~mask);
  Lanes out;
  std::memcpy(&out, &r, sizeof out);
  store_adjacent(out, values);
}

// Bit r set where lane r of the comparison result `set` (all ones or zero per lane) is set.
template <class Mask>
inline unsigned lane_bits(Mask set) {
#if defined(__AVX512DQ__)
  return _mm512_movepi64_mask(reinterpret_cast<__m512i>(set));
#else
  unsigned bits = 0;
  for (int lane = 0; lane < kLanes; ++lane) bits |= set[lane] ? 1u << lane : 0u;
  return bits;
#endif
}

// visit(std::integral_constant<int, T>{}, row, last_rows) for a run-time T in 1..G.
template <int G, class Visit>
inline void visit_tiles_upto(int tiles, size_t row, int last_rows, Visit& visit) {
  if (tiles == G) visit(std::integral_constant<int, G>{}, row, last_rows);
  else if constexpr (G > 1) visit_tiles_upto<G - 1>(tiles, row, last_rows, visit);
}

// Rows [begin, end) in tiles of kLanes, G tiles at a time (the kernels' mixture evaluates a
// group together): visit(tiles, row, last_rows) with tiles a std::integral_constant<int, G> from
// row while more than G - 1 tiles' rows remain, then <int, T> (T < G) for the last T tiles;
// last_rows is the number of real rows in the call's last tile (the others are full).
template <int G, class Visit>
inline void for_tile_groups(size_t begin, size_t end, Visit&& visit) {
  size_t row = begin;
  for (; row + (G - 1) * kLanes < end; row += G * kLanes) {
    const size_t last = end - row - (G - 1) * kLanes;  // rows from the last tile on
    visit(std::integral_constant<int, G>{}, row, static_cast<int>(last < kLanes ? last : kLanes));
  }
  if (row < end) {
    const size_t rows = end - row, tiles = (rows + kLanes - 1) / kLanes;
    visit_tiles_upto<G - 1>(static_cast<int>(tiles), row, static_cast<int>(rows - (tiles - 1) * kLanes), visit);
  }
}

// Tiles the fused kernels (fused_mala_step.h, fused_score_step.h) take at a time: four tiles'
// serial chains (the MH tests, the log ratios, the Box–Muller pairs) side by side keep the core
// busier than two, and the mixture's parameters serve four tiles per load. bench/kernels,
// n = 20,000, 1 thread, ns per particle and dimension: the fused MALA step 3.75-3.84 -> 3.53-3.61
// (five tiles no better, six and eight slower), the fused DDPM step 2.73 -> 2.65-2.66; with the
// next group's state prefetched (prefetch_values), also on batches that stream from memory.
constexpr int kTileGroup = 4;

// Asks for `count` values from p ahead of their use, one prefetch per kLanes values. Always
// inlined (and so must be any function that only calls it): GCC 12 deems a function of
// prefetches alone free of side effects and drops the calls.
template <class Real>
__attribute__((always_inline)) inline void prefetch_values(const Real* p, size_t count) {
  for (size_t v = 0; v < count; v += kLanes) __builtin_prefetch(p + v);
}

// In a fused kernel's loop over groups of T tiles of a tiled array (tiled_layout.h, d values a
// row): asks for the group after the one from `row` when `prefetch` says it pays and that group
// lies before `end` (prefetch_values; always inlined, as it must be).
template <int T, class Real>
__attribute__((always_inline)) inline void prefetch_next_group(bool prefetch, const Real* tiles, size_t row,
                                                               size_t end, int d) {
  const size_t group_values = static_cast<size_t>(T) * kLanes * d;
  if (prefetch && row + 2 * T * kLanes <= end) prefetch_values(tiles + row * d + group_values, group_values);
}

// Whether a fused kernel that streams `bytes` of state per step prefetches it by hand
// (prefetch_values): only when the state outgrows the last-level cache, where the hardware
// prefetcher leaves the loads' latency exposed. Below, the prefetches only cost instructions.
// bench/kernels, fused MALA step, 1 thread, this project's Zen 5 (32 MB L3 per CCD), ns per
// particle and dimension without / with: 3.31-3.41 / 3.40-3.45 at 5 MB (n = 20,000),
// 3.54-3.67 / 3.42-3.54 at 12 MB (n = 50,000), 4.28-4.38 / 3.75-3.80 at 50 MB (n = 200,000).
inline bool prefetch_pays(size_t bytes) { return bytes > (size_t{8} << 20); }

// for_tile_groups two tiles at a time.
template <class Visit>
inline void for_tile_pairs(size_t begin, size_t end, Visit&& visit) {
  for_tile_groups<2>(begin, end, visit);
}

// `count` tiles of scratch for the calling thread: one buffer per thread, grown on first need and
// kept, so the kernels' tiles never allocate in a step loop. A kernel's tile code uses it
// between two calls of this function and calls no other kernel meanwhile.
inline Lanes* thread_scratch_tiles(size_t count) {
  static thread_local std::vector<Lanes> scratch;
  if (scratch.size() < count) scratch.resize(count);
  return scratch.data();
}

// The value an array of Real holds after storing v (v itself for double): a fused kernel
// that keeps a tile in registers computes on exactly what the unfused kernels read back.
template <class Real>
inline Lanes as_stored(Lanes v) {
  if constexpr (std::is_same_v<Real, double>) {
    return v;
  } else {
    static_assert(std::is_same_v<Real, float>, "Real is float or double");
    return __builtin_convertvector(__builtin_convertvector(v, FloatLanes), Lanes);
  }
}
#endif

}  // namespace rtk
