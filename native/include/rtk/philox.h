// Philox4x32-10 counter-based RNG (Salmon et al., SC'11, "Parallel random numbers: as easy
// as 1, 2, 3") and the uniform / standard-normal draws built on it.
//
// Streams: key = (seed, particle index); counter = (block, step, segment, purpose). A draw
// therefore depends only on (seed, particle, segment, step, purpose, coordinate), never on
// the thread count, on how a batch is split or on the device.
#pragma once
#include <cmath>
#include <cstdint>

#include "fast_math.h"
#include "host_device.h"

namespace rtk {

struct Philox4x32 {
  uint32_t v[4];
};

struct PhiloxKey {
  uint32_t v[2];
};

RTK_HD inline void mulhilo32(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t product = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  hi = static_cast<uint32_t>(product >> 32);
  lo = static_cast<uint32_t>(product);
}

// The Philox4x32 bijection with 10 rounds: multipliers M0, M1 and Weyl key increments W0, W1.
RTK_HD inline Philox4x32 philox4x32_10(Philox4x32 ctr, PhiloxKey key) {
  constexpr uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
  constexpr uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key.v[0] += W0;
      key.v[1] += W1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo32(M0, ctr.v[0], hi0, lo0);
    mulhilo32(M1, ctr.v[2], hi1, lo1);
    ctr = Philox4x32{{hi1 ^ ctr.v[1] ^ key.v[0], lo1, hi0 ^ ctr.v[3] ^ key.v[1], lo0}};
  }
  return ctr;
}

// What a draw is used for; part of the counter so that different uses never share numbers.
enum class Purpose : uint32_t {
  Init = 1,        // the starting batch x ~ N(0, I) at time T
  Noise = 2,       // the Gaussian noise of a step (DDPM, ULA, MALA proposal, ULD position/velocity)
  Accept = 3,      // the uniform of a Metropolis–Hastings test
  WarmStart = 4,   // the noise of a 'gaussian' warm start
  Velocity = 5,    // the initial velocity of an underdamped chain
  Exact = 6,       // exact draws from a target (tests and noise floors)
  Noise2 = 7,      // the second, correlated normal of an exact ULD step
};

// Identifies one particle's stream at one (segment, step) for one purpose.
struct StreamId {
  uint32_t seed;
  uint32_t segment;
  uint32_t step;
  Purpose purpose;
};

RTK_HD inline Philox4x32 philox_block(const StreamId& s, uint64_t particle, uint32_t block) {
  return philox4x32_10(Philox4x32{{block, s.step, s.segment, static_cast<uint32_t>(s.purpose)}},
                       PhiloxKey{{s.seed, static_cast<uint32_t>(particle)}});
}

// A uniform in the open interval (0, 1) from 32 random bits.
RTK_HD inline double uniform_open32(uint32_t bits) {
  return (static_cast<double>(bits) + 0.5) * 2.3283064365386962890625e-10;  // 2^-32
}

// A uniform in [0, 1) with 53 random bits.
RTK_HD inline double uniform53(uint32_t a, uint32_t b) {
  return (static_cast<double>(a >> 5) * 67108864.0 + static_cast<double>(b >> 6)) *
         1.1102230246251565404236316680908203125e-16;  // 2^-53
}

// Four standard normals from one Philox block: Box–Muller on two pairs of 32-bit uniforms
// (tails are truncated at sqrt(-2 ln 2^-33) ~ 6.8 sigma, probability ~1e-11), with this
// library's own log and sincos (fast_math.h) so that every CPU and the GPU agree bit for bit.
RTK_HD inline void normal4(const Philox4x32& r, double out[4]) {
  for (int pair = 0; pair < 2; ++pair) {
    const double radius = uniform_open32(r.v[2 * pair]), angle = uniform_open32(r.v[2 * pair + 1]);
    box_muller_each<double, uint64_t, 1>(&radius, &angle, out + 2 * pair);
  }
}

// Coordinates [4 block, 4 block + 4) of one particle's d standard normals (a GPU thread's unit).
template <class Real>
RTK_HD inline void fill_normals_block(const StreamId& s, uint64_t particle, int d, int block, Real* out) {
  double four[4];
  normal4(philox_block(s, particle, static_cast<uint32_t>(block)), four);
  const int lanes = d - block * 4 < 4 ? d - block * 4 : 4;
  for (int lane = 0; lane < lanes; ++lane) out[block * 4 + lane] = static_cast<Real>(four[lane]);
}

// Writes d standard normals for one particle: coordinate i comes from block i / 4, lane i % 4.
template <class Real>
RTK_HD inline void fill_normals(const StreamId& s, uint64_t particle, int d, Real* out) {
  for (int block = 0; block * 4 < d; ++block) fill_normals_block(s, particle, d, block, out);
}

// One uniform in [0, 1) for one particle (the MH test's u).
RTK_HD inline double uniform_draw(const StreamId& s, uint64_t particle) {
  const Philox4x32 r = philox_block(s, particle, 0);
  return uniform53(r.v[0], r.v[1]);
}

}  // namespace rtk
