// The start of a fused RTK-MALA chain (Algorithm 2 of Huang et al. 2024; rtk-math.md "Inner
// MALA") on the CPU with the built-in mixture: the warm start z (rows) and the segment's anchor x
// (rows) move into the tiled chain (tiled_layout.h) four tiles at a time, and the score and
// energy at z (GaussianMixture::evaluate_lanes) and g(z) (segment_potential_particle) are
// computed on the way. It is GaussianMixture::evaluate, segment_potential_batch and to_tiles in
// turn, bit for bit (tested directly and through whole runs), in one pass over the batch instead
// of six. A noiseless warm start (Tweedie, DDIM: score_step with cn = 0) can be computed on the
// way in too, from the rows of x and of score(x) (rtk-math.md "Warm start"), which saves
// score_step's pass over the batch.
#pragma once
#include <atomic>
#include <cstddef>

#include "../batch.h"
#include "../lanes.h"
#include "../row_columns.h"
#include "../targets/gaussian_mixture.h"
#include "../thread_pool.h"
#include "fused_mala_step.h"
#include "score_step.h"
#include "segment_potential.h"

namespace rtk {

// CPU only: the tiles are GCC vectors (nvcc's device pass skips them).
#if !defined(__CUDA_ARCH__)
// Tiles of scratch one tile of the start needs: its rows of z and of the anchor transposed, the
// score (d tiles each) and the mixture's K tiles.
inline size_t fused_mala_start_work_tiles(const GaussianMixture& m) {
  return 3 * static_cast<size_t>(m.dim()) + m.components();
}

// Where a chain's start z comes from: its rows z_rows; or, when score_rows is set instead, the
// warm start z = warm.cx x + warm.cs score(x) (score_step with warm.cn = 0) from the rows of the
// anchor x and of its score; or, when neither is set, the same warm start from the anchor's tiles
// and the score's tiles (the chain's c.score), where the previous segment's chain left them.
template <class Real>
struct StartFrom {
  const Real* z_rows;
  const Real* score_rows;
  ScoreStep warm;
};

// T tiles (1 to kTileGroup) from tile k, the last with last_rows real rows: z and the anchor
// move in, the score, the energy (also into energy_rows, one value per real row) and g at z
// are computed. Lanes past the last row repeat it, as to_tiles pads (from the tiles: the finite
// padding the previous chain left, which no row reads). probe collects v - v of every score and
// energy value: 0 where finite, NaN otherwise.
template <int T, class Real>
inline void fused_mala_start_tiles(const GaussianMixture& m, const GaussianMixture::AtTime& at,
                                   const SegmentPotential& pot, const StartFrom<Real>& from, const Real* x_rows,
                                   Real* anchor, const TiledChain<Real>& c, Real* energy_rows, size_t k, int last_rows,
                                   Lanes* work, Lanes& probe) {
  const int d = m.dim();
  const size_t per_tile = fused_mala_start_work_tiles(m);
  GaussianMixture::LaneTile tiles[T];
  Lanes energy[T];
  for (int t = 0; t < T; ++t) {
    Lanes* zt = work + t * per_tile;  // d tiles: z; then the score, then the anchor, then K tiles
    const size_t first_row = (k + t) * kLanes, o = (k + t) * static_cast<size_t>(d) * kLanes;
    const int rows = t + 1 < T ? kLanes : last_rows;
    Lanes* xt = zt + 2 * d;
    if (from.z_rows) {
      load_transposed(from.z_rows + first_row * d, rows, d, zt);
    } else if (from.score_rows) {
      load_transposed(x_rows + first_row * d, rows, d, xt);
      load_transposed(from.score_rows + first_row * d, rows, d, zt);
      for (int i = 0; i < d; ++i) zt[i] = as_stored<Real>(from.warm.cx * xt[i] + from.warm.cs * zt[i]);
    } else {
      for (int i = 0; i < d; ++i) {
        xt[i] = load_adjacent(anchor + o + i * kLanes);
        zt[i] = as_stored<Real>(from.warm.cx * xt[i] + from.warm.cs * load_adjacent(c.score + o + i * kLanes));
      }
    }
    tiles[t] = GaussianMixture::LaneTile{zt, zt + d, &energy[t], zt + 3 * d};
  }
  m.evaluate_lanes<T>(at, tiles);
  // Summed here and added to probe once: through the reference, every addition went to memory
  // and waited for the previous one's store (30% of this function's time in perf).
  Lanes sum = Lanes{};
  for (int t = 0; t < T; ++t) {
    const int rows = t + 1 < T ? kLanes : last_rows;
    const size_t first_row = (k + t) * kLanes, o = (k + t) * static_cast<size_t>(d) * kLanes;
    Lanes* xt = tiles[t].score + d;
    if (from.z_rows) load_transposed(x_rows + first_row * d, rows, d, xt);
    const bool anchor_from_rows = from.z_rows || from.score_rows;
    Lanes quad = Lanes{};
    for (int i = 0; i < d; ++i) {
      const Lanes score = as_stored<Real>(tiles[t].score[i]);
      const Lanes r = pot.decay * tiles[t].xt[i] - xt[i];
      quad += r * r;
      sum += score - score;
      store_adjacent(tiles[t].xt[i], c.z + o + i * kLanes);
      store_adjacent(score, c.score + o + i * kLanes);
      if (anchor_from_rows) store_adjacent(xt[i], anchor + o + i * kLanes);
    }
    const Lanes e = as_stored<Real>(energy[t]);
    sum += e - e;
    store_adjacent(as_stored<Real>(e + quad / (2.0 * pot.sigma2)), c.g + (k + t) * kLanes);
    for (int r = 0; r < rows; ++r) energy_rows[first_row + r] = static_cast<Real>(e[r]);
  }
  probe += sum;
}

// The batched start at the parameters `at` of p_t: z (from its rows or the warm start, `from`)
// and x_rows (n x d; unused when the anchor is already in its tiles) into c.z and anchor, the
// score and g at z into c.score and c.g, the energy into energy_rows (n). Returns whether any
// score or energy value is not finite (the caller then names the first).
template <class Real>
bool fused_mala_start(ThreadPool& pool, const Batch& b, const GaussianMixture& m, const GaussianMixture::AtTime& at,
                      const SegmentPotential& pot, const StartFrom<Real>& from, const Real* x_rows, Real* anchor,
                      const TiledChain<Real>& c, Real* energy_rows) {
  const size_t tile_count = (b.n + kLanes - 1) / kLanes;
  std::atomic<bool> non_finite{false};
  pool.parallel_for(tile_count, [&](size_t begin, size_t end) {
    Lanes* work = thread_scratch_tiles(kTileGroup * fused_mala_start_work_tiles(m));
    Lanes probe = Lanes{};
    const size_t last = end * kLanes < b.n ? end * kLanes : b.n;
    for_tile_groups<kTileGroup>(begin * kLanes, last, [&](auto tiles, size_t row, int last_rows) {
      constexpr int T = decltype(tiles)::value;
      fused_mala_start_tiles<T>(m, at, pot, from, x_rows, anchor, c, energy_rows, row / kLanes, last_rows, work,
                                probe);
    });
    for (int lane = 0; lane < kLanes; ++lane)
      if (probe[lane] != 0) non_finite.store(true, std::memory_order_relaxed);
  });
  return non_finite.load();
}
#endif

}  // namespace rtk
