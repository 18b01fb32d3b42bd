// Philox4x32-10 and the Box–Muller normals of philox.h for kLanes consecutive particles at
// once (one particle per lane); each lane's numbers equal the scalar functions' bit for bit.
#pragma once
#include <cstring>

#include "fast_math.h"
#include "lanes.h"
#include "philox.h"

// CPU only: GCC vector types have no device form, so nvcc's device pass skips this file.
#if !defined(__CUDA_ARCH__)
namespace rtk {

// The Philox block `block` of particles first, first + 1, ..., one per lane (32-bit words held
// in 64-bit lanes).
inline void philox_block_lanes(const StreamId& s, uint64_t first, uint32_t block, LaneBits out[4]) {
  constexpr uint64_t mask = 0xFFFFFFFFull;
  constexpr uint64_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  LaneBits c0 = LaneBits{} + block, c1 = LaneBits{} + s.step, c2 = LaneBits{} + s.segment,
           c3 = LaneBits{} + static_cast<uint32_t>(s.purpose);
  LaneBits k0 = LaneBits{} + s.seed, k1;
  for (int lane = 0; lane < kLanes; ++lane) k1[lane] = static_cast<uint32_t>(first + lane);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = (k0 + W0) & mask;
      k1 = (k1 + W1) & mask;
    }
    // The counter words are 32-bit: masking says so, and lets the compiler use a 32x32->64 bit
    // multiply (vpmuludq) instead of a full 64-bit one.
    const LaneBits p0 = (c0 & mask) * M0, p1 = (c2 & mask) * M1;
    const LaneBits n0 = (p1 >> 32) ^ c1 ^ k0, n2 = (p0 >> 32) ^ c3 ^ k1;
    c1 = p1 & mask;
    c3 = p0 & mask;
    c0 = n0;
    c2 = n2;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// uniform_open32 per lane: (bits + 0.5) 2^-32, converted exactly through the 2^52 trick.
inline Lanes uniform_open32_lanes(LaneBits bits) {
  const LaneBits biased = bits | 0x4330000000000000ull;
  Lanes x;
  memcpy(&x, &biased, sizeof x);
  return ((x - 4503599627370496.0) + 0.5) * 2.3283064365386962890625e-10;
}

// uniform53 per lane (the MH test's u): the same bits as the scalar function.
inline Lanes uniform53_lanes(LaneBits a, LaneBits b) {
  const Lanes hi = __builtin_convertvector(a >> 5, Lanes), lo = __builtin_convertvector(b >> 6, Lanes);
  return (hi * 67108864.0 + lo) * 1.1102230246251565404236316680908203125e-16;  // 2^-53
}

// Coordinates are drawn in groups of four Philox blocks.
constexpr int kNormalGroup = 16;

// Coordinates [16 group, min(16 group + 16, d)) of each lane's particle's d standard normals
// (normal4 of the group's blocks in turn, the same bits as fill_normals) into out[0], out[1], ...,
// ordered for the out-of-order core: first the group's Philox blocks, then one Box–Muller pair
// after the other. Each pair is a long dependency chain (log, division, square root); with
// independent chains adjacent in the instruction stream, several are in flight at once instead
// of one block's after the other's (measured: the fused MALA step 7.7 -> 6.3 ns per
// particle·dimension).
inline void normal_group_lanes(const StreamId& s, uint64_t first, int d, int group, Lanes* out) {
  constexpr int kBlocks = kNormalGroup / 4;
  const int begin = group * kNormalGroup, end = begin + kNormalGroup < d ? begin + kNormalGroup : d;
  const int blocks = (end - begin + 3) / 4;
  LaneBits r[kBlocks][4];
  for (int b = 0; b < blocks; ++b) philox_block_lanes(s, first, static_cast<uint32_t>(group * kBlocks + b), r[b]);
  for (int i = begin; i < end; i += 2) {
    const int b = (i - begin) / 4, pair = (i % 4) / 2;
    Lanes radius = -2.0 * log_lanes<Lanes, LaneBits>(uniform_open32_lanes(r[b][2 * pair]));
    for (int lane = 0; lane < kLanes; ++lane) radius[lane] = std::sqrt(radius[lane]);
    Lanes sin_a, cos_a;
    sincos_2pi_lanes<Lanes>(uniform_open32_lanes(r[b][2 * pair + 1]), sin_a, cos_a);
    out[i - begin] = radius * cos_a;
    if (i + 1 < end) out[i + 1 - begin] = radius * sin_a;
  }
}

// All d normals of each lane's particle: out[i] holds coordinate i (d tiles).
inline void normals_lanes(const StreamId& s, uint64_t first, int d, Lanes* out) {
  for (int group = 0; group * kNormalGroup < d; ++group)
    normal_group_lanes(s, first, d, group, out + group * kNormalGroup);
}

}  // namespace rtk
#endif
