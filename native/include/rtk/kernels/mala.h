// Metropolis-adjusted Langevin (Algorithm 2 of Huang et al. 2024; rtk-math.md "Inner MALA"):
// the Metropolis–Hastings test of a proposal z' = z - tau grad g(z) + sqrt(2 tau) xi.
//   la = g(z) - g(z') + ( ||z' - z + tau grad g(z)||^2 - ||z - z' + tau grad g(z')||^2 ) / (4 tau)
// g(z') - g(z) is exact (energy oracle) or estimated from gradients along z -> z' (score-only
// MALA, "MALA_ES"): trapezoid, or Simpson with the midpoint gradient. A NaN or infinite la,
// or a step longer than the projection radius (projected MALA), is a rejection.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "../batch.h"
#include "../fast_math.h"
#include "../host_device.h"
#include "../philox.h"
#include "../philox_lanes.h"
#include "../piece_terms.h"
#include "../thread_pool.h"

namespace rtk {

enum class EnergyDelta { Exact = 0, Trapezoid = 1, Simpson = 2 };

struct MalaAcceptParams {
  double tau = 0;
  double projection_radius = std::numeric_limits<double>::infinity();
  EnergyDelta delta = EnergyDelta::Exact;
};

// The current state of one chain (updated in place on acceptance) and its proposal. Arrays
// not used by the chosen EnergyDelta may be null (g, g_prop: Exact only; grad_mid: Simpson
// only); score / score_prop (the raw score at z, kept for a later Tweedie warm start) may be
// null together.
template <class Real>
struct MalaArrays {
  Real* z;
  Real* grad_g;
  Real* g;
  Real* score;
  const Real* z_prop;
  const Real* grad_g_prop;
  const Real* g_prop;
  const Real* score_prop;
  const Real* grad_g_mid;
};

// The log acceptance ratio la (NaN when any input is not finite) of one particle (F = double) or
// of kLanes particles lane by lane (F = Lanes, mala_log_ratio_lanes): column(array, i) reads
// coordinate i of the particle(s) as F, and exact_delta() gives g(z') - g(z) (read only for the
// exact energy). Each particle's sums add their terms in coordinate order.
template <class F, class Real, class Column, class ExactDelta>
RTK_HD inline F mala_log_ratio_of(const MalaAcceptParams& p, const MalaArrays<Real>& a, int d, Column column,
                                  ExactDelta exact_delta) {
  F forward = F{}, backward = F{}, delta_g = F{}, step2 = F{};
  for (int i = 0; i < d; ++i) {
    const F z = column(a.z, i), zp = column(a.z_prop, i);
    const F gz = column(a.grad_g, i), gzp = column(a.grad_g_prop, i);
    const F u = zp - z;
    const F f = u + p.tau * gz, r = -u + p.tau * gzp;
    forward += f * f;
    backward += r * r;
    step2 += u * u;
    if (p.delta == EnergyDelta::Trapezoid) delta_g += 0.5 * (gz + gzp) * u;
    if (p.delta == EnergyDelta::Simpson) delta_g += (gz + 4.0 * column(a.grad_g_mid, i) + gzp) * u / 6.0;
  }
  if (p.delta == EnergyDelta::Exact) delta_g = exact_delta();
  const F la = -delta_g + (forward - backward) / (4.0 * p.tau);
  return step2 > p.projection_radius * p.projection_radius ? F{} - INFINITY : la;
}

// The log acceptance ratio la of one particle (NaN when any input is not finite).
template <class Real>
RTK_HD inline double mala_log_ratio(const MalaAcceptParams& p, const MalaArrays<Real>& a, size_t row, int d) {
  const size_t o = row * static_cast<size_t>(d);
  return mala_log_ratio_of<double>(
      p, a, d, [&](const Real* values, int i) { return static_cast<double>(values[o + i]); },
      [&] { return static_cast<double>(a.g_prop[row]) - static_cast<double>(a.g[row]); });
}

// An accepted proposal becomes the chain's state: z, grad g, the score and g of one row.
template <class Real>
RTK_HD inline void take_proposal(const MalaArrays<Real>& a, size_t row, int d) {
  const size_t o = row * static_cast<size_t>(d);
  for (int i = 0; i < d; ++i) {
    a.z[o + i] = a.z_prop[o + i];
    a.grad_g[o + i] = a.grad_g_prop[o + i];
  }
  if (a.score)
    for (int i = 0; i < d; ++i) a.score[o + i] = a.score_prop[o + i];
  if (a.g && a.g_prop) a.g[row] = a.g_prop[row];
}

// The MH decision for one particle: returns the acceptance probability min(1, e^la) (0 when
// la is not finite) and sets *accepted; on acceptance copies the proposal into the state.
template <class Real>
RTK_HD inline double mala_accept_particle(const MalaAcceptParams& p, const MalaArrays<Real>& a, size_t row,
                                          int d, const StreamId& accept_stream, uint64_t particle,
                                          uint8_t* accepted) {
  const double la = mala_log_ratio(p, a, row, d);
  const bool finite = la == la && la != INFINITY && la != -INFINITY;
  const double prob = !finite ? 0.0 : (la >= 0 ? 1.0 : exp_nonpositive(la));
  const bool take = finite && (la >= 0 || uniform_draw(accept_stream, particle) < prob);
  *accepted = take ? 1 : 0;
  if (take) take_proposal(a, row, d);
  return prob;
}

// What a range of MH tests reports: the sum of its acceptance probabilities, added in row order,
// and its acceptances. Where `probs` is set, the range stores each row's probability there
// instead, in row order, and advances it (the tail of a block that two threads share:
// mh_over_blocks adds them to the head's sum afterwards).
struct MhTally {
  double prob_sum = 0;
  size_t count = 0;
  double* probs = nullptr;

  RTK_HD void add(double prob) {
    if (probs) *probs++ = prob;
    else prob_sum += prob;
  }
};

#if !defined(__CUDA_ARCH__)
// The MH decisions of T tiles of kLanes consecutive particles from their log ratios la[t] and
// uniforms u[t] (uniform_draw_lanes): min(1, e^la) across the tiles, their exponentials
// interleaved (exp_nonpositive_each), the same decisions and probabilities, bit for bit, as
// mala_accept_particle row by row. The first rows[t] lanes of tile t count: their
// probabilities go to the tally in row order, tile after tile, and their acceptances to its
// count; bit r of take[t] says lane r of tile t takes its proposal. Kept out of line:
// inlined into the fused MALA tile, GCC 12 made the whole tile about 12% slower (measured with
// bench/kernels).
template <int T>
__attribute__((noinline)) void mh_decisions_tiles(const Lanes* la, const Lanes* u, const int* rows, MhTally* tally,
                                                  unsigned* take) {
  Lanes e[T];
  for (int t = 0; t < T; ++t) {
    const Lanes l = la[t];
    const auto finite = (l == l) & (l != INFINITY) & (l != -INFINITY);
    e[t] = finite & (l < 0) ? l : Lanes{};
  }
  exp_nonpositive_each<Lanes, LaneBits, T>(e);
  for (int t = 0; t < T; ++t) {
    // finite is computed again rather than kept from the first loop: nvcc's host front end
    // rejects arrays of the comparisons' mask type.
    const Lanes l = la[t], exp_l = e[t];
    const auto finite = (l == l) & (l != INFINITY) & (l != -INFINITY);
    const Lanes prob = finite ? (l >= 0 ? Lanes{} + 1.0 : exp_l) : Lanes{};
    const auto taken = finite & ((l >= 0) | (u[t] < prob));
    double probs[kLanes];
    std::memcpy(probs, &prob, sizeof probs);
    if (tally->probs) {
      std::memcpy(tally->probs, probs, sizeof(double) * rows[t]);
      tally->probs += rows[t];
    } else {
      for (int lane = 0; lane < rows[t]; ++lane) tally->prob_sum += probs[lane];
    }
    const unsigned take_bits = lane_bits(taken) & ((1u << rows[t]) - 1u);
    tally->count += static_cast<size_t>(__builtin_popcount(take_bits));
    take[t] = take_bits;
  }
}

// mh_decisions_tiles for one tile: bit r of the result says lane r takes its proposal.
inline unsigned mh_decisions(Lanes la, Lanes u, int rows, MhTally* tally) {
  unsigned take;
  mh_decisions_tiles<1>(&la, &u, &rows, tally, &take);
  return take;
}

// The log ratios of kLanes consecutive rows from first_row (mala_log_ratio_of lane by lane), the
// rows read across, coordinate by coordinate (RTK-MALA-ES whole runs at n = 20,000, alternated
// with the row-by-row build: 2.5% faster).
template <class Real>
inline Lanes mala_log_ratio_lanes(const MalaAcceptParams& p, const MalaArrays<Real>& a, size_t first_row, int d) {
  const size_t o = first_row * static_cast<size_t>(d);
  return mala_log_ratio_of<Lanes>(
      p, a, d,
      [&](const Real* values, int i) {
        Lanes v;
        for (int lane = 0; lane < kLanes; ++lane) v[lane] = static_cast<double>(values[o + static_cast<size_t>(lane) * d + i]);
        return v;
      },
      [&] { return load_adjacent(a.g_prop + first_row) - load_adjacent(a.g + first_row); });
}

// The MH tests of kLanes consecutive particles (rows first_row...): their log ratios
// (mala_log_ratio_lanes), the uniforms and mh_decisions; accepted rows take their proposals.
template <class Real>
inline void mala_accept_tile(const MalaAcceptParams& p, const MalaArrays<Real>& a, size_t first_row, int d,
                             const StreamId& accept_stream, uint64_t first_particle, uint8_t* accepted,
                             MhTally* tally) {
  const Lanes la = mala_log_ratio_lanes(p, a, first_row, d);
  const unsigned take = mh_decisions(la, uniform_draw_lanes(accept_stream, first_particle), kLanes, tally);
  for (int lane = 0; lane < kLanes; ++lane) {
    const bool taken = (take >> lane) & 1u;
    if (accepted) accepted[lane] = taken ? 1 : 0;
    if (taken) take_proposal(a, first_row + lane, d);
  }
}
#endif

struct MalaAcceptInfo {
  size_t accepted = 0;
  double mean_accept_prob = 0;  // the Rao–Blackwellised acceptance rate, mean of min(1, e^la)
};

// Runs tests(begin, end, &tally) over fixed blocks of 1024 particles on the pool, cut where the
// threads' shares meet (ThreadPool::block_pieces), and combines the blocks in order, a block's
// later pieces' probabilities stored and added to its first piece's sum in row order afterwards
// (PieceTerms), so that the mean acceptance probability does not depend on the thread count (the
// GPU sums the same blocks).
template <class Tests>
MalaAcceptInfo mh_over_blocks(ThreadPool& pool, size_t n, Tests&& tests) {
  const ThreadPool::Pieces& pieces = pool.block_pieces(n, 1024, kTileGroup * kLanes);
  const PieceTerms& terms = PieceTerms::of(pieces);
  std::vector<BlockSlot<MhTally>>& tallies = block_slots<MhTally>(pieces.pieces.size());
  pool.for_pieces(pieces, [&](size_t i, const BlockPiece& piece) {
    MhTally t;
    t.probs = terms.at(i);
    tests(piece.begin, piece.end, &t);
    tallies[i].value = t;
  });
  MalaAcceptInfo info;
  for (const BlockSlot<MhTally>& t : tallies) info.accepted += t.value.count;
  const double total = terms.sum_of_blocks([&](size_t i) { return tallies[i].value.prob_sum; },
                                           [&](size_t i) { return pieces.pieces[i].end - pieces.pieces[i].begin; });
  info.mean_accept_prob = n ? total / static_cast<double>(n) : 0.0;
  return info;
}

// The batched MH test. `accepted` (n flags) may be null.
template <class Real>
MalaAcceptInfo mala_accept(ThreadPool& pool, const Batch& b, const MalaAcceptParams& p,
                           const MalaArrays<Real>& a, const StreamId& accept_stream, uint8_t* accepted) {
  return mh_over_blocks(pool, b.n, [&](size_t begin, size_t end, MhTally* tally) {
    size_t row = begin;
    for (; row + kLanes <= end; row += kLanes)
      mala_accept_tile(p, a, row, b.d, accept_stream, b.particle_offset + row, accepted ? accepted + row : nullptr,
                       tally);
    for (; row < end; ++row) {
      uint8_t flag = 0;
      const double prob = mala_accept_particle(p, a, row, b.d, accept_stream, b.particle_offset + row, &flag);
      tally->add(prob);
      tally->count += flag;
      if (accepted) accepted[row] = flag;
    }
  });
}

}  // namespace rtk
