// One Heun step of the probability-flow ODE dx/dt = -x - score(x, t) from a to b > 0
// (rtk-math.md, "Baselines") on the CPU with the built-in mixture, fused: for four tiles of eight
// particles at a time, the scores at x (time a, evaluated together), their check, the Euler
// predictor x_pred = x + h (x + score) (pf_euler_coefficients), the scores at x_pred (time b),
// their check and Heun's corrector (heun_value) run in registers, on the tiled state
// (tiled_layout.h). It is GaussianMixture::evaluate, find_non_finite, score_step,
// GaussianMixture::evaluate, find_non_finite and heun_update in turn, bit for bit (tested), in
// one pass over the batch instead of six.
#pragma once
#include <vector>

#include "../batch.h"
#include "../lanes.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "batch_ops.h"
#include "score_step.h"
#include "tiled_layout.h"

namespace rtk {

// The first non-finite score of a Heun step at each of its two evaluations, in row-major order.
struct HeunFound {
  NonFinite at_start;      // score(x, a)
  NonFinite at_predictor;  // score(x_pred, b)
};

#if !defined(__CUDA_ARCH__)
// Tiles of scratch (Lanes) one tile of fused_heun_tiles needs: x, the score at x, x_pred and the
// score at x_pred (d tiles each), then the mixture's K tiles.
inline size_t fused_heun_work_tiles(const GaussianMixture& m) { return 4 * static_cast<size_t>(m.dim()) + m.components(); }

// T tiles (1 to kTileGroup) from tile k of x in the tiled layout, the last with last_rows real
// rows, stepped in place from a to b = a - h: at_a and at_b are the parameters of p_a and p_b,
// euler = pf_euler_coefficients(a, b).
template <int T, class Real>
inline void fused_heun_tiles(const GaussianMixture& m, const GaussianMixture::AtTime& at_a,
                             const GaussianMixture::AtTime& at_b, const ScoreStep& euler, double h, Real* x_tiles,
                             size_t k, int last_rows, Lanes* work, HeunFound& found) {
  const int d = m.dim();
  const size_t per_tile = fused_heun_work_tiles(m);
  GaussianMixture::LaneTile start[T], predictor[T];
  for (int t = 0; t < T; ++t) {
    Lanes* x = work + t * per_tile;
    Lanes *score = x + d, *x_pred = x + 2 * d, *score_pred = x + 3 * d, *lw = x + 4 * d;
    const Real* tile = x_tiles + (k + t) * static_cast<size_t>(d) * kLanes;
    for (int i = 0; i < d; ++i) x[i] = load_adjacent(tile + i * kLanes);
    start[t] = GaussianMixture::LaneTile{x, score, nullptr, lw};
    predictor[t] = GaussianMixture::LaneTile{x_pred, score_pred, nullptr, lw};
  }
  const auto rows = [&](int t) { return t + 1 < T ? kLanes : last_rows; };
  m.evaluate_lanes<T>(at_a, start);
  for (int t = 0; t < T; ++t) {
    Lanes* score = start[t].score;
    Lanes* x_pred = work + t * per_tile + 2 * d;
    for (int i = 0; i < d; ++i) {
      score[i] = as_stored<Real>(score[i]);
      x_pred[i] = as_stored<Real>(euler.cx * start[t].xt[i] + euler.cs * score[i]);  // score_step without noise
    }
    const NonFinite bad = first_non_finite_in_tile(score, d, k + t, rows(t));
    if (bad.found && !found.at_start.found) found.at_start = bad;
  }
  m.evaluate_lanes<T>(at_b, predictor);
  for (int t = 0; t < T; ++t) {
    const Lanes *x = start[t].xt, *score = start[t].score, *x_pred = predictor[t].xt;
    Lanes* score_pred = predictor[t].score;
    Real* tile = x_tiles + (k + t) * static_cast<size_t>(d) * kLanes;
    for (int i = 0; i < d; ++i) {
      score_pred[i] = as_stored<Real>(score_pred[i]);
      // heun_value: the sums of two Real values in Real arithmetic, i.e. rounded to Real (for float
      // the double sum rounded to float is the float sum: double rounding is innocuous for an
      // addition, 53 >= 2 * 24 + 2).
      const Lanes slopes =
          as_stored<Real>(as_stored<Real>(x[i] + score[i]) + as_stored<Real>(x_pred[i] + score_pred[i]));
      store_adjacent(as_stored<Real>(x[i] + 0.5 * h * slopes), tile + i * kLanes);
    }
    const NonFinite bad = first_non_finite_in_tile(score_pred, d, k + t, rows(t));
    if (bad.found && !found.at_predictor.found) found.at_predictor = bad;
  }
}

// The batched fused Heun step from a to b = a - h > 0 (at_a, at_b: the parameters of p_a and
// p_b; euler = pf_euler_coefficients(a, b)); returns each evaluation's first non-finite score
// (row-major order), whatever the thread count.
template <class Real>
HeunFound fused_heun_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                          const GaussianMixture::AtTime& at_a, const GaussianMixture::AtTime& at_b,
                          const ScoreStep& euler, double h, Real* x_tiles) {
  constexpr size_t block = 1024;  // rows; a multiple of kLanes
  // The blocks' pieces (ThreadPool::block_pieces), each with its own first non-finite scores.
  const ThreadPool::Pieces& pieces = pool.block_pieces(b.n, block, kTileGroup * kLanes);
  std::vector<BlockSlot<HeunFound>>& found = block_slots<HeunFound>(pieces.pieces.size());
  const bool prefetch = prefetch_pays(b.n * static_cast<size_t>(b.d) * sizeof(Real));
  pool.for_pieces(pieces, [&](size_t i, const BlockPiece& piece) {
    Lanes* work = thread_scratch_tiles(kTileGroup * fused_heun_work_tiles(m));
    HeunFound f;
    for_tile_groups<kTileGroup>(piece.begin, piece.end, [&](auto tiles, size_t row, int last_rows) {
      constexpr int T = decltype(tiles)::value;
      prefetch_next_group<T>(prefetch, x_tiles, row, piece.end, b.d);  // on its way while this group's mixtures run
      fused_heun_tiles<T>(m, at_a, at_b, euler, h, x_tiles, row / kLanes, last_rows, work, f);
    });
    found[i].value = f;
  });
  HeunFound first;
  for (const BlockSlot<HeunFound>& piece : found) {
    if (piece.value.at_start.found && !first.at_start.found) first.at_start = piece.value.at_start;
    if (piece.value.at_predictor.found && !first.at_predictor.found) first.at_predictor = piece.value.at_predictor;
  }
  return first;
}
#endif

}  // namespace rtk
