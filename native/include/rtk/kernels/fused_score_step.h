// One DDPM or DDIM step (rtk-math.md, "Baselines") on the CPU with the built-in mixture as the
// score, fused: for eight particles at a time the score at x, its finiteness check and the step
// x' = cx x + cs score + cn xi run in registers, on the tiled state (tiled_layout.h). It is
// GaussianMixture::evaluate, find_non_finite and score_step in turn, bit for bit (tested), in one
// pass over the batch and one pool dispatch instead of three.
#pragma once
#include <cmath>

#include "../batch.h"
#include "../lanes.h"
#include "../philox_lanes.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "batch_ops.h"
#include "score_step.h"
#include "tiled_layout.h"

namespace rtk {

// CPU only: the tiles are GCC vectors (nvcc's device pass skips them).
#if !defined(__CUDA_ARCH__)
// Tile k (rows 8k..8k+7, of which the first `rows` are real) of x in the tiled layout, stepped
// in place. Returns the first non-finite score of the tile's rows in row-major order (index into
// the batch's n x d score array), as find_non_finite would see it.
template <class Real>
inline NonFinite fused_score_tile(const GaussianMixture& m, const GaussianMixture::AtTime& at, const ScoreStep& c,
                                  Real* x_tiles, size_t k, int rows, const StreamId& noise, uint64_t first_particle,
                                  Lanes* work) {
  const int d = m.dim();
  Lanes* x = work;  // x, the score at x and the noise: d tiles each
  Lanes* score = x + d;
  Lanes* xi = score + d;
  Lanes* mixture_work = xi + d;
  Real* tile = x_tiles + k * static_cast<size_t>(d) * kLanes;
  for (int i = 0; i < d; ++i) x[i] = load_adjacent(tile + i * kLanes);
  m.evaluate_lanes(at, x, score, nullptr, mixture_work);
  NonFinite bad;
  Lanes any_bad = Lanes{};  // s - s is 0 for a finite s and NaN otherwise
  for (int i = 0; i < d; ++i) {
    score[i] = as_stored<Real>(score[i]);
    any_bad += score[i] - score[i];
  }
  bool suspect = false;
  for (int r = 0; r < rows; ++r) suspect = suspect || any_bad[r] != 0.0;
  for (int r = 0; r < rows && suspect && !bad.found; ++r)
    for (int i = 0; i < d; ++i)
      if (!std::isfinite(score[i][r])) {
        bad = NonFinite{true, (k * kLanes + r) * static_cast<size_t>(d) + i, score[i][r]};
        break;
      }
  // x' = cx x + cs score + cn xi (score_step: the noise term only when cn != 0).
  if (c.cn == 0.0) {
    for (int i = 0; i < d; ++i) store_adjacent(as_stored<Real>(c.cx * x[i] + c.cs * score[i]), tile + i * kLanes);
    return bad;
  }
  normals_lanes(noise, first_particle, d, xi);
  for (int i = 0; i < d; ++i)
    store_adjacent(as_stored<Real>(c.cx * x[i] + c.cs * score[i] + c.cn * xi[i]), tile + i * kLanes);
  return bad;
}

// The batched fused step at the parameters `at` of p_t; returns the batch's first non-finite
// score (row-major order), whatever the thread count.
template <class Real>
NonFinite fused_score_step(ThreadPool& pool, const Batch& b, const GaussianMixture& m,
                           const GaussianMixture::AtTime& at, const ScoreStep& c, Real* x_tiles,
                           const StreamId& noise) {
  constexpr size_t block = 1024;  // rows; a multiple of kLanes
  return first_over_blocks(pool, b.n, block, [&](size_t begin, size_t end) {
    Lanes* work = thread_scratch_tiles(3 * static_cast<size_t>(m.dim()) + m.components());
    NonFinite first;
    for (size_t row = begin; row < end; row += kLanes) {
      const int rows = static_cast<int>(end - row < kLanes ? end - row : kLanes);
      const NonFinite bad =
          fused_score_tile(m, at, c, x_tiles, row / kLanes, rows, noise, b.particle_offset + row, work);
      if (bad.found && !first.found) first = bad;
    }
    return first;
  });
}
#endif

}  // namespace rtk
