// Curvature estimates that steer the unadjusted inner samplers (ULD, ULA) and the first MALA
// step size. Since p_t = (law of e^{-t} X_0) * N(0, (1 - e^{-2t}) I), -log p_t is at most
// 1/(1 - e^{-2t})-smooth whatever the data, and the RTK potential g adds e^{-2eta}/sigma2.
// Secant ratios ||grad g(z') - grad g(z)|| / ||z' - z|| measured on the batch refine that.
#pragma once
#include <cmath>
#include <limits>
#include <vector>

#include "../batch.h"
#include "../host_device.h"
#include "../piece_terms.h"
#include "../thread_pool.h"

namespace rtk {

// The upper bound on the smoothness of g at time t for a segment of length eta.
inline double potential_smoothness_bound(double t, double eta) {
  const double data = t > 0 ? 1.0 / -std::expm1(-2.0 * t) : std::numeric_limits<double>::infinity();
  return data + std::exp(-2.0 * eta) / -std::expm1(-2.0 * eta);
}

// One particle's secant ||g1 - g0|| / ||z1 - z0||; *counted = false (and 0 returned) for a
// zero step or a non-finite gradient difference.
template <class Real>
RTK_HD inline double secant_curvature_particle(const Real* z0, const Real* g0, const Real* z1, const Real* g1, int d,
                                               bool* counted) {
  double dz = 0, dg = 0;
  for (int i = 0; i < d; ++i) {
    const double a = static_cast<double>(z1[i]) - z0[i];
    const double c = static_cast<double>(g1[i]) - g0[i];
    dz += a * a;
    dg += c * c;
  }
  *counted = dz > 0 && dg - dg == 0.0;  // dg - dg is NaN exactly when dg is infinite or NaN
  return *counted ? sqrt(dg / dz) : 0.0;
}

// A measured mean secant replaces the curvature estimate when it is finite and positive (a NaN
// mean: no pair counted).
inline void update_curvature(double mean_secant, double& curvature) {
  if (std::isfinite(mean_secant) && mean_secant > 0) curvature = mean_secant;
}

// Secant sums go over fixed blocks of particles, each summed in particle order and the blocks
// combined in block order, so the mean does not depend on the thread count; mean_secant_curvature
// and the fused unadjusted step (fused_unadjusted_step.h) sum the same blocks.
constexpr size_t kSecantBlock = 1024;

// A block's (or the batch's) secants: their sum and count. Where `values` is set, the secants
// are stored there in row order instead (advancing it) and only counted: the later piece of a
// block that threads share (PieceTerms).
struct SecantSums {
  double sum = 0, count = 0;
  double* values = nullptr;
  void add(double secant) {
    if (values) *values++ = secant;
    else sum += secant;
    count += 1;
  }
  // The mean secant; NaN when no pair counted.
  double mean() const { return count > 0 ? sum / count : std::numeric_limits<double>::quiet_NaN(); }
};

// The batch's secants from those of each piece of the fixed blocks (ThreadPool::block_pieces;
// piece i's are of(i)), with one thread's bits (PieceTerms::sum_of_blocks; the counts are whole
// numbers, exact in any order).
template <class Of>
SecantSums secants_over_pieces(const ThreadPool::Pieces& pieces, const PieceTerms& terms, Of&& of) {
  SecantSums total;
  total.sum = terms.sum_of_blocks([&](size_t i) { return of(i).sum; },
                                  [&](size_t i) { return static_cast<size_t>(of(i).count); });
  for (size_t i = 0; i < pieces.pieces.size(); ++i) total.count += of(i).count;
  return total;
}

// The mean over particles of the secant curvature between two batches of points and
// gradients. Pairs with a zero step are skipped.
template <class Real>
double mean_secant_curvature(ThreadPool& pool, const Batch& b, const Real* z0, const Real* g0, const Real* z1,
                             const Real* g1) {
  // Row-major rows: any cut would do; 32 rows as the tiled kernels cut.
  const ThreadPool::Pieces& pieces = pool.block_pieces(b.n, kSecantBlock, 32);
  const PieceTerms& terms = PieceTerms::of(pieces);
  // Per-piece sums (block_slots); each piece sums in a local and writes its slot once.
  std::vector<BlockSlot<SecantSums>>& sums = block_slots<SecantSums>(pieces.pieces.size());
  const size_t d = static_cast<size_t>(b.d);
  pool.for_pieces(pieces, [&](size_t i, const BlockPiece& piece) {
    SecantSums s;
    s.values = terms.at(i);
    for (size_t p = piece.begin; p < piece.end; ++p) {
      bool counted = false;
      const double secant = secant_curvature_particle(z0 + p * d, g0 + p * d, z1 + p * d, g1 + p * d, b.d, &counted);
      if (counted) s.add(secant);
    }
    sums[i].value = s;
  });
  return secants_over_pieces(pieces, terms, [&](size_t i) -> const SecantSums& { return sums[i].value; }).mean();
}

}  // namespace rtk
