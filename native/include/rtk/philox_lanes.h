// Philox4x32-10 and the Box–Muller normals of philox.h for kLanes consecutive particles at
// once (one particle per lane); each lane's numbers equal the scalar functions' bit for bit.
#pragma once
#include <cstring>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "fast_math.h"
#include "lanes.h"
#include "philox.h"

// CPU only: GCC vector types have no device form, so nvcc's device pass skips this file.
#if !defined(__CUDA_ARCH__)
namespace rtk {

// The low 32 bits of each lane of a times m (< 2^32), as a full 64-bit product: vpmuludq where
// AVX-512 has it, else the masked multiply (the same bits).
inline LaneBits mul_low32(LaneBits a, uint64_t m) {
#if defined(__AVX512F__)
  // The zero-masking form with every lane set compiles to the plain vpmuludq; the plain
  // intrinsic's undefined pass-through trips GCC 12's -Wmaybe-uninitialized.
  return reinterpret_cast<LaneBits>(
      _mm512_maskz_mul_epu32(0xFF, reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(LaneBits{} + m)));
#else
  return (a & 0xFFFFFFFFull) * m;
#endif
}

// The ten rounds of B Philox blocks for particles first, first + 1, ..., one per lane (32-bit
// words held in 64-bit lanes; block b's words go to out[4 b .. 4 b + 3]), side by side: each
// block's ten rounds are one serial chain of multiplies, shifts and xors, and B chains
// interleaved keep the core busy (4 blocks: 42 -> 25 cycles per block on this project's Zen 5,
// in a loop of independent tiles). Within the rounds only the low 32 bits of a lane are kept
// exact: a word's high bits go only into xors whose results are next multiplied (mul_low32 reads
// the low 32 bits) or, at the end, masked off. The counters c[b] (each block's counter words,
// the same in every lane) are replaced by the blocks' states; the key is (seed, particle).
template <int B>
inline void philox_rounds_lanes(uint32_t seed, uint64_t first, LaneBits (&c)[B][4], LaneBits* out) {
  constexpr uint64_t mask = 0xFFFFFFFFull;
  constexpr uint64_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  // k1 = first + lane (mod 2^32), in whole 64-bit lanes: built lane by lane, GCC 12 formed it in
  // two 256-bit halves stored to the stack and reloaded as one vector, a failed store-to-load
  // forward that perf put at ~10% of the fused MALA tile's own time.
  const LaneBits lane_index = {0, 1, 2, 3, 4, 5, 6, 7};
  uint64_t k0 = seed;
  LaneBits k1 = (LaneBits{} + first) + lane_index;
  // The ten rounds unrolled: rolled, GCC 12 moved every block's four words into the registers
  // the next round reads (19 register moves a round, 190 instructions per tile of the fused MALA
  // step beside its 4,310); the core issues them like any other (bench/kernels, fused MALA step,
  // n = 20,000, 1 thread, eleven alternated rounds: 1.2-1.9% less time). nvcc's host pass, which
  // compiles this file for the .cu sources' host code, does not know the pragma.
#if !defined(__CUDACC__)
#pragma GCC unroll 10
#endif
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = (k0 + W0) & mask;
      k1 += W1;
    }
    for (int b = 0; b < B; ++b) {
      const LaneBits p0 = mul_low32(c[b][0], M0), p1 = mul_low32(c[b][2], M1);
      const LaneBits n0 = (p1 >> 32) ^ c[b][1] ^ k0, n2 = (p0 >> 32) ^ c[b][3] ^ k1;
      c[b][1] = p1;
      c[b][3] = p0;
      c[b][0] = n0;
      c[b][2] = n2;
    }
  }
  for (int b = 0; b < B; ++b)
    for (int w = 0; w < 4; ++w) out[4 * b + w] = c[b][w] & mask;
}

// The counter words of block `block` of stream s (philox_block), in every lane.
inline void philox_counter_lanes(const StreamId& s, uint32_t block, LaneBits (&c)[4]) {
  c[0] = LaneBits{} + block;
  c[1] = LaneBits{} + s.step;
  c[2] = LaneBits{} + s.segment;
  c[3] = LaneBits{} + static_cast<uint32_t>(s.purpose);
}

// Blocks first_block, ..., first_block + B - 1 of stream s (philox_rounds_lanes).
template <int B>
inline void philox_blocks_lanes(const StreamId& s, uint64_t first, uint32_t first_block, LaneBits* out) {
  LaneBits c[B][4];
  for (int b = 0; b < B; ++b) philox_counter_lanes(s, first_block + static_cast<uint32_t>(b), c[b]);
  philox_rounds_lanes<B>(s.seed, first, c, out);
}

// philox_blocks_lanes for a run-time count (1..B) of blocks.
template <int B>
inline void philox_blocks_upto(int count, const StreamId& s, uint64_t first, uint32_t first_block, LaneBits* out) {
  if (count == B) philox_blocks_lanes<B>(s, first, first_block, out);
  else if constexpr (B > 1) philox_blocks_upto<B - 1>(count, s, first, first_block, out);
}

// The Philox block `block` of particles first, first + 1, ..., one per lane.
inline void philox_block_lanes(const StreamId& s, uint64_t first, uint32_t block, LaneBits out[4]) {
  philox_blocks_lanes<1>(s, first, block, out);
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

// uniform_draw per lane (the MH tests' u): uniform53 of block 0 of stream s.
inline Lanes uniform_draw_lanes(const StreamId& s, uint64_t first) {
  LaneBits words[4];
  philox_block_lanes(s, first, 0, words);
  return uniform53_lanes(words[0], words[1]);
}

// Coordinates are drawn in groups of four Philox blocks.
constexpr int kNormalGroup = 16;

// P Box–Muller pairs (box_muller_each): pair p turns the uniform words words[2p] (radius) and
// words[2p + 1] (angle) into out[2p] = r cos and out[2p + 1] = r sin.
template <int P>
inline void box_muller_pairs(const LaneBits* words, Lanes* out) {
  Lanes radius[P], angle[P];
  for (int p = 0; p < P; ++p) {
    radius[p] = uniform_open32_lanes(words[2 * p]);
    angle[p] = uniform_open32_lanes(words[2 * p + 1]);
  }
  box_muller_each<Lanes, LaneBits, P>(radius, angle, out);
}

// box_muller_pairs<pairs> for a run-time count of pairs in 1..P.
template <int P>
inline void box_muller_pairs_upto(int pairs, const LaneBits* words, Lanes* out) {
  if (pairs == P) box_muller_pairs<P>(words, out);
  else if constexpr (P > 1) box_muller_pairs_upto<P - 1>(pairs, words, out);
}

// `count` (1..kNormalGroup) normals from the Philox words of their blocks (normal4 of each block
// in turn): all the Box–Muller pairs at once, interleaved.
inline void normals_from_words(int count, const LaneBits* words, Lanes* out) {
  const int pairs = (count + 1) / 2;
  if (count % 2 == 0) {  // every pair's two normals are wanted: straight into out
    box_muller_pairs_upto<kNormalGroup / 2>(pairs, words, out);
    return;
  }
  Lanes normals[kNormalGroup];
  box_muller_pairs_upto<kNormalGroup / 2>(pairs, words, normals);
  for (int i = 0; i < count; ++i) out[i] = normals[i];
}

// The Philox words of coordinates [16 group, min(16 group + 16, d)) of each lane's particle's
// normals: the group's blocks, side by side (out: 4 words a block).
inline void normal_group_words_lanes(const StreamId& s, uint64_t first, int d, int group, LaneBits* words) {
  constexpr int kBlocks = kNormalGroup / 4;
  const int begin = group * kNormalGroup, end = begin + kNormalGroup < d ? begin + kNormalGroup : d;
  philox_blocks_upto<kBlocks>((end - begin + 3) / 4, s, first, static_cast<uint32_t>(group * kBlocks), words);
}

// Coordinates [16 group, min(16 group + 16, d)) of each lane's particle's d standard normals
// (normal4 of the group's blocks in turn, the same bits as fill_normals) into out[0], out[1], ...:
// the group's Philox blocks first (side by side), then all its Box–Muller pairs at once,
// interleaved. Each pair is a long dependency chain (log, division, square root; sine and cosine
// polynomials); side by side, the out-of-order core overlaps them (measured, ns per particle·dimension: the fused MALA
// step 7.7 -> 6.3 with the blocks first, ula_step 2.0 -> 1.8 with the pairs interleaved).
inline void normal_group_lanes(const StreamId& s, uint64_t first, int d, int group, Lanes* out) {
  LaneBits words[kNormalGroup] = {};  // the words of blocks not drawn are never read; GCC cannot tell
  normal_group_words_lanes(s, first, d, group, words);
  const int begin = group * kNormalGroup;
  normals_from_words((begin + kNormalGroup < d ? kNormalGroup : d - begin), words, out);
}

// The tiles of kLanes rows from row `begin` while a whole tile fits before `end`: for each tile
// and each group of coordinates [first, last) (kNormalGroup at a time), use(row, xi, first, last)
// with xi[k][i - first] the normals of coordinate i of the tile's particles (offset + row, ...)
// from streams[k] (normal_group_lanes). With one group (d <= kNormalGroup), each tile's Philox
// words are drawn a tile ahead of its Box–Muller pairs, so that the out-of-order core overlaps the
// next tile's rounds (many independent operations) with this tile's pairs (long dependency
// chains). Returns the first row not visited.
template <int S, class Use>
inline size_t for_tiles_with_normals(const StreamId (&streams)[S], uint64_t offset, size_t begin, size_t end, int d,
                                     Use&& use) {
  Lanes xi[S][kNormalGroup];
  size_t row = begin;
  if (d > kNormalGroup) {
    for (; row + kLanes <= end; row += kLanes)
      for (int group = 0; group * kNormalGroup < d; ++group) {
        const int first = group * kNormalGroup, last = first + kNormalGroup < d ? first + kNormalGroup : d;
        for (int k = 0; k < S; ++k) normal_group_lanes(streams[k], offset + row, d, group, xi[k]);
        use(row, xi, first, last);
      }
    return row;
  }
  LaneBits words[2][S][kNormalGroup];
  const auto draw_words = [&](size_t at, int slot) {
    for (int k = 0; k < S; ++k) normal_group_words_lanes(streams[k], offset + at, d, 0, words[slot][k]);
  };
  if (row + kLanes <= end) draw_words(row, 0);
  for (int slot = 0; row + kLanes <= end; row += kLanes, slot ^= 1) {
    if (row + 2 * kLanes <= end) draw_words(row + kLanes, slot ^ 1);
    for (int k = 0; k < S; ++k) normals_from_words(d, words[slot][k], xi[k]);
    use(row, xi, 0, d);
  }
  return row;
}

// All d normals of each lane's particle: out[i] holds coordinate i (d tiles).
inline void normals_lanes(const StreamId& s, uint64_t first, int d, Lanes* out) {
  for (int group = 0; group * kNormalGroup < d; ++group)
    normal_group_lanes(s, first, d, group, out + group * kNormalGroup);
}

// The Philox words of a uniform's block (words 0..3) and of the Blocks blocks of d <= 4 Blocks
// normals (words 4..), side by side (their streams share the seed, hence the keys): the first
// stage of uniform_and_normals_lanes, which kernels may run a tile ahead of the second
// (uniform_and_normals_from_words) so that the out-of-order core overlaps one tile's rounds
// (many independent operations) with another's Box–Muller pairs (long dependency chains).
template <int Blocks>
inline void uniform_and_normal_blocks_lanes(const StreamId& uniform, const StreamId& normal, uint64_t first,
                                            LaneBits* words) {
  LaneBits c[1 + Blocks][4];
  philox_counter_lanes(uniform, 0, c[0]);
  for (int b = 0; b < Blocks; ++b) philox_counter_lanes(normal, static_cast<uint32_t>(b), c[1 + b]);
  philox_rounds_lanes<1 + Blocks>(normal.seed, first, c, words);
}

// The most words uniform_and_normal_blocks_lanes writes (three blocks of normals).
constexpr int kUniformAndNormalWords = 16;

// The blocks of normals that run beside the uniform's block in uniform_and_normals_lanes:
// (d + 3) / 4 when the two streams share the seed, hence the keys, and d <= 12; 0 otherwise
// (the two drawn one after the other).
inline int uniform_and_normal_blocks(const StreamId& uniform, const StreamId& normal, int d) {
  return uniform.seed == normal.seed && d <= kUniformAndNormalWords - 4 ? (d + 3) / 4 : 0;
}

// The second stage: the uniform53 and the d normals from the words of uniform_and_normal_blocks_lanes.
inline void uniform_and_normals_from_words(const LaneBits* words, int d, Lanes& u, Lanes* out) {
  u = uniform53_lanes(words[0], words[1]);
  normals_from_words(d, words + 4, out);
}

// One uniform53 per lane from block 0 of stream `uniform` (the MH test's u: uniform_draw) and the
// d normals of stream `normal` (normals_lanes). Where uniform_and_normal_blocks allows, the
// uniform's block runs its rounds beside the normals' blocks instead of alone (a lone block is
// one long serial chain; the paper's d = 10 takes three blocks of normals).
inline void uniform_and_normals_lanes(const StreamId& uniform, const StreamId& normal, uint64_t first, int d,
                                      Lanes& u, Lanes* out) {
  LaneBits words[kUniformAndNormalWords];
  switch (uniform_and_normal_blocks(uniform, normal, d)) {
    case 1: uniform_and_normal_blocks_lanes<1>(uniform, normal, first, words); break;
    case 2: uniform_and_normal_blocks_lanes<2>(uniform, normal, first, words); break;
    case 3: uniform_and_normal_blocks_lanes<3>(uniform, normal, first, words); break;
    default:
      u = uniform_draw_lanes(uniform, first);
      normals_lanes(normal, first, d, out);
      return;
  }
  uniform_and_normals_from_words(words, d, u, out);
}

}  // namespace rtk
#endif
