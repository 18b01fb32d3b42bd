// The inner chains of RTK-ULA and RTK-ULD (rtk-math.md "Inner ULA", "Inner ULD"; Algorithm 3 of
// Huang et al. 2024) on the CPU with the built-in mixture, fused. Their step size comes from the
// batch's mean secant curvature of the gradients the step itself evaluates (curvature.h), so one
// step cannot go in one pass; but one step's move and the next step's gradient can. A pass takes
// four tiles of eight particles at a time through the move (ula_step, or uld_step's exact
// transition) with the step size the previous pass's secants gave, the score at the new point
// (the four tiles evaluated together), its finiteness check, grad g (segment_potential_particle)
// and the secant against the point and gradient before the move (secant_curvature_particle),
// summed over the blocks mean_secant_curvature sums. It is the unfused step's kernels in turn,
// bit for bit (tested), in one pass over the batch instead of six. The chain's state stays in
// the tiled layout (tiled_layout.h) for the whole segment.
#pragma once
#include <cmath>
#include <vector>

#include "../batch.h"
#include "../fast_math.h"
#include "../lanes.h"
#include "../philox_lanes.h"
#include "../piece_terms.h"
#include "../samplers/curvature.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "batch_ops.h"
#include "score_step.h"
#include "segment_potential.h"
#include "tiled_layout.h"
#include "uld.h"

namespace rtk {

// An unadjusted chain's state in the tiled layout: z, ULD's velocity v (null for ULA) and
// grad g(z), updated in place, and the segment's anchor x.
template <class Real>
struct TiledUnadjustedChain {
  Real* z;
  Real* v;
  Real* grad_g;
  const Real* anchor;
};

// The move a pass makes before its evaluation: none (a chain's first pass), ULA's step
// z' = z - tau grad g(z) + sqrt(2 tau) xi (ula_step) or ULD's exact transition (uld_step), each
// with the noise of its step (ULD: n1 from `noise`, n2 from `noise2`).
struct UnadjustedMove {
  enum Kind { None, Ula, Uld };
  Kind kind = None;
  ScoreStep ula;  // langevin_coefficients(tau, -1)
  UldCoefficients uld{};
  StreamId noise{}, noise2{};
};

// What a pass found: the first non-finite score in row-major order, and the secants of the
// particles that moved (none without a move).
struct UnadjustedPass {
  NonFinite bad;
  SecantSums secants;
};

#if !defined(__CUDA_ARCH__)
// Fills the tiled layout of n rows of d values with standard normals from `stream`: row p holds
// particle b.particle_offset + p's (fill_normals), the last tile's padding rows the normals of
// the particles after the batch (finite, and never read back).
template <class Real>
void fill_normals_tiles(ThreadPool& pool, const Batch& b, const StreamId& stream, Real* tiles) {
  const size_t tile_count = (b.n + kLanes - 1) / kLanes, d = static_cast<size_t>(b.d);
  pool.parallel_for(tile_count, [&](size_t begin, size_t end) {
    Lanes* xi = thread_scratch_tiles(d);
    for (size_t k = begin; k < end; ++k) {
      normals_lanes(stream, b.particle_offset + k * kLanes, b.d, xi);
      for (size_t i = 0; i < d; ++i) store_adjacent(as_stored<Real>(xi[i]), tiles + (k * d + i) * kLanes);
    }
  });
}

// Tiles of scratch (Lanes) one tile of a pass needs: z before and after the move, grad g before
// the move, the score at the new z, the move's two streams of normals (d tiles each), then the
// mixture's K tiles.
inline size_t fused_unadjusted_work_tiles(const GaussianMixture& m) {
  return 6 * static_cast<size_t>(m.dim()) + m.components();
}

struct UnadjustedTileWork {
  Lanes* z_old;
  Lanes* grad_old;
  Lanes* z;
  Lanes* score;
  Lanes* n1;
  Lanes* n2;
  Lanes* lw;
};

inline UnadjustedTileWork unadjusted_tile_work(Lanes* work, int d) {
  UnadjustedTileWork w{};
  w.z_old = work;
  w.grad_old = w.z_old + d;
  w.z = w.grad_old + d;
  w.score = w.z + d;
  w.n1 = w.score + d;
  w.n2 = w.n1 + d;
  w.lw = w.n2 + d;
  return w;
}

// The streams of normals a move draws: ULA's one (none for a noise-free step) or ULD's two.
template <UnadjustedMove::Kind K>
inline int move_streams(const UnadjustedMove& move) {
  if constexpr (K == UnadjustedMove::Uld) return 2;
  else if constexpr (K == UnadjustedMove::Ula) return move.ula.cn == 0.0 ? 0 : 1;
  else return 0;
}

// Tile k's move from z and grad g in the chain (kept in w as z_old, grad_old) to w.z, stored in
// place with ULD's new v, with the normals in w.n1 (and w.n2): ula_step's or uld_step's
// arithmetic lane by lane.
template <UnadjustedMove::Kind K, class Real>
inline void unadjusted_tile_move(const UnadjustedMove& move, const TiledUnadjustedChain<Real>& c, size_t k, int d,
                                 const UnadjustedTileWork& w) {
  const size_t o = k * static_cast<size_t>(d) * kLanes;
  for (int i = 0; i < d; ++i) w.grad_old[i] = load_adjacent(c.grad_g + o + i * kLanes);
  if constexpr (K == UnadjustedMove::Ula) {
    const ScoreStep& s = move.ula;
    if (s.cn == 0.0) {  // score_step without noise
      for (int i = 0; i < d; ++i) w.z[i] = as_stored<Real>(s.cx * w.z_old[i] + s.cs * w.grad_old[i]);
    } else {
      for (int i = 0; i < d; ++i) w.z[i] = as_stored<Real>(s.cx * w.z_old[i] + s.cs * w.grad_old[i] + s.cn * w.n1[i]);
    }
  } else {
    static_assert(K == UnadjustedMove::Uld, "a move is ULA's or ULD's");
    const UldCoefficients& u = move.uld;
    for (int i = 0; i < d; ++i) {
      const Lanes v = load_adjacent(c.v + o + i * kLanes), g = w.grad_old[i], a = w.n1[i], b = w.n2[i];
      w.z[i] = as_stored<Real>(w.z_old[i] + u.c_v * v - u.c_grad * g + u.l_zz * a);
      store_adjacent(as_stored<Real>(u.e * v - u.c_v * g + u.l_vz * a + u.l_vv * b), c.v + o + i * kLanes);
    }
  }
  for (int i = 0; i < d; ++i) store_adjacent(w.z[i], c.z + o + i * kLanes);
}

// Tile k (its first `rows` rows real) once the score at its z is in w: the finiteness check,
// grad g (stored) and, after a move, the rows' secants added to `secants` in row order.
template <bool Moved, class Real>
inline NonFinite unadjusted_tile_gradient(const SegmentPotential& pot, const TiledUnadjustedChain<Real>& c, size_t k,
                                          int rows, int d, const UnadjustedTileWork& w, SecantSums& secants) {
  const size_t o = k * static_cast<size_t>(d) * kLanes;
  Lanes dz = Lanes{}, dg = Lanes{};
  for (int i = 0; i < d; ++i) {
    const Lanes score = as_stored<Real>(w.score[i]);
    w.score[i] = score;
    const Lanes r = pot.decay * w.z[i] - load_adjacent(c.anchor + o + i * kLanes);
    const Lanes grad = as_stored<Real>(segment_gradient(pot, r, score));
    store_adjacent(grad, c.grad_g + o + i * kLanes);
    if constexpr (Moved) {
      const Lanes a = w.z[i] - w.z_old[i], b = grad - w.grad_old[i];
      dz += a * a;
      dg += b * b;
    }
  }
  if constexpr (Moved) {
    const Lanes secant = sqrt_each_lane(dg / dz);
    SecantSums sums = secants;  // a local, kept in registers (the caller's is in memory)
    for (int r = 0; r < rows; ++r)
      if (dz[r] > 0 && dg[r] - dg[r] == 0.0) sums.add(secant[r]);  // secant_curvature_particle's test
    secants = sums;
  }
  return first_non_finite_in_tile(w.score, d, k, rows);
}

// T tiles (1 to kTileGroup) of a pass from tile k, the last with last_rows real rows: the moves,
// then (Evaluate) the scores at the new points evaluated together (evaluate_lanes) and each
// tile's check, gradient and secants.
template <UnadjustedMove::Kind K, bool Evaluate, int T, class Real>
inline NonFinite fused_unadjusted_tiles(const GaussianMixture& m, const GaussianMixture::AtTime& at,
                                        const SegmentPotential& pot, const UnadjustedMove& move,
                                        const TiledUnadjustedChain<Real>& c, size_t k, int last_rows,
                                        uint64_t first_particle, Lanes* work, SecantSums& secants) {
  const int d = m.dim();
  const size_t per_tile = fused_unadjusted_work_tiles(m);
  UnadjustedTileWork w[T];
  GaussianMixture::LaneTile tiles[T];
  // The moves' normals in two stages where they fit one group (d <= kNormalGroup): the first two
  // tiles' Philox words, then for each tile the words of the tile two further on before its own
  // Box–Muller pairs, so that the rounds (many independent operations) overlap the pairs (long
  // dependency chains), as in fused_score_tiles.
  const int streams = move_streams<K>(move);
  const StreamId noise[2] = {move.noise, move.noise2};
  const bool staged = d <= kNormalGroup;
  LaneBits words[T][2][kNormalGroup];
  const auto particle = [&](int t) { return first_particle + static_cast<uint64_t>(t) * kLanes; };
  const auto draw_words = [&](int t) {
    if (staged && t < T)
      for (int s = 0; s < streams; ++s) normal_group_words_lanes(noise[s], particle(t), d, 0, words[t][s]);
  };
  draw_words(0);
  draw_words(1);
  for (int t = 0; t < T; ++t) {
    w[t] = unadjusted_tile_work(work + t * per_tile, d);
    const Real* z = c.z + (k + t) * static_cast<size_t>(d) * kLanes;
    for (int i = 0; i < d; ++i) w[t].z_old[i] = load_adjacent(z + i * kLanes);
    if constexpr (K == UnadjustedMove::None) {
      w[t].z = w[t].z_old;
    } else {
      draw_words(t + 2);
      Lanes* normals[2] = {w[t].n1, w[t].n2};
      for (int s = 0; s < streams; ++s) {
        if (staged) normals_from_words(d, words[t][s], normals[s]);
        else normals_lanes(noise[s], particle(t), d, normals[s]);
      }
      unadjusted_tile_move<K>(move, c, k + t, d, w[t]);
    }
    tiles[t] = GaussianMixture::LaneTile{w[t].z, w[t].score, nullptr, w[t].lw};
  }
  NonFinite first;
  if constexpr (Evaluate) {
    m.evaluate_lanes<T>(at, tiles);
    for (int t = 0; t < T; ++t) {
      const NonFinite bad = unadjusted_tile_gradient<K != UnadjustedMove::None>(
          pot, c, k + t, t + 1 < T ? kLanes : last_rows, d, w[t], secants);
      if (bad.found && !first.found) first = bad;
    }
  }
  return first;
}

// Asks for the state of tiles k, ..., k + count - 1 ahead of its use (prefetch_values; always
// inlined, as it must be).
template <class Real>
__attribute__((always_inline)) inline void prefetch_group(const TiledUnadjustedChain<Real>& c, size_t k, int count,
                                                          int d) {
  const size_t o = k * static_cast<size_t>(d) * kLanes, values = static_cast<size_t>(count) * d * kLanes;
  prefetch_values(c.z + o, values);
  prefetch_values(c.grad_g + o, values);
  prefetch_values(c.anchor + o, values);
  if (c.v) prefetch_values(c.v + o, values);
}

// One pass over the batch at the parameters `at` of p_t: `move`, then with `evaluate` the score,
// its check, grad g and the secants. The first non-finite score and the secants' sums do not
// depend on the thread count (fixed blocks of kSecantBlock rows, combined in order).
template <class Real>
UnadjustedPass fused_unadjusted_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                                     const GaussianMixture::AtTime& at, const SegmentPotential& pot,
                                     const UnadjustedMove& move, bool evaluate, const TiledUnadjustedChain<Real>& c) {
  // The blocks' pieces (ThreadPool::block_pieces): each finds its own first non-finite score, and
  // a block's later pieces store their secants (PieceTerms).
  const ThreadPool::Pieces& pieces = pool.block_pieces(b.n, kSecantBlock, kTileGroup * kLanes);
  const PieceTerms& terms = PieceTerms::of(pieces);
  std::vector<BlockSlot<UnadjustedPass>>& found = block_slots<UnadjustedPass>(pieces.pieces.size());
  // The state streamed: z, grad g, the anchor and ULD's v (d values a row each).
  const bool prefetch = prefetch_pays(b.n * (c.v ? 4 : 3) * static_cast<size_t>(b.d) * sizeof(Real));
  const auto run = [&](auto kind, auto evaluates) {
    constexpr UnadjustedMove::Kind K = decltype(kind)::value;
    constexpr bool Evaluate = decltype(evaluates)::value;
    pool.for_pieces(pieces, [&](size_t i, const BlockPiece& piece) {
      Lanes* work = thread_scratch_tiles(kTileGroup * fused_unadjusted_work_tiles(m));
      UnadjustedPass p;
      p.secants.values = terms.at(i);
      for_tile_groups<kTileGroup>(piece.begin, piece.end, [&](auto tiles, size_t row, int last_rows) {
        constexpr int T = decltype(tiles)::value;
        // The next group's state, on its way while this group's mixture runs (prefetch_pays).
        if (prefetch && row + 2 * T * kLanes <= piece.end) prefetch_group(c, row / kLanes + T, T, b.d);
        const NonFinite bad = fused_unadjusted_tiles<K, Evaluate, T>(m, at, pot, move, c, row / kLanes, last_rows,
                                                                     b.particle_offset + row, work, p.secants);
        if (bad.found && !p.bad.found) p.bad = bad;
      });
      found[i].value = p;
    });
  };
  using None = std::integral_constant<UnadjustedMove::Kind, UnadjustedMove::None>;
  using Ula = std::integral_constant<UnadjustedMove::Kind, UnadjustedMove::Ula>;
  using Uld = std::integral_constant<UnadjustedMove::Kind, UnadjustedMove::Uld>;
  using Yes = std::true_type;
  using No = std::false_type;
  switch (move.kind) {
    case UnadjustedMove::None: run(None{}, Yes{}); break;
    case UnadjustedMove::Ula: evaluate ? run(Ula{}, Yes{}) : run(Ula{}, No{}); break;
    case UnadjustedMove::Uld: evaluate ? run(Uld{}, Yes{}) : run(Uld{}, No{}); break;
  }
  UnadjustedPass pass;
  for (const BlockSlot<UnadjustedPass>& p : found)
    if (p.value.bad.found && !pass.bad.found) pass.bad = p.value.bad;
  pass.secants = secants_over_pieces(pieces, terms, [&](size_t i) -> const SecantSums& { return found[i].value.secants; });
  return pass;
}
#endif

}  // namespace rtk
