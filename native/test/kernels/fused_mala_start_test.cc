// fused_mala_start (kernels/fused_mala_start.h): the tiled chain it writes (z, score, g, the
// anchor, padding included) and the energy rows equal GaussianMixture::evaluate,
// segment_potential_batch and to_tiles run in turn (after score_step when it computes a
// noiseless warm start on the way in, from rows or from the tiles a previous chain left), bit
// for bit, in double and float, on any thread count, for batches that end in a partial tile or a
// group of one to four tiles and for a mixture with fewer components than dimensions (its
// scratch holds more tiles than the mixture's); it reports a non-finite score or energy.
#include "rtk/kernels/fused_mala_start.h"

#include <cmath>
#include <vector>

#include "check.h"
#include "mixture_oracles.h"
#include "rtk/kernels/tiled_layout.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

// Rows spread over the mixture's range, deterministic.
template <class Real>
std::vector<Real> rows_of(size_t n, int d, double phase) {
  std::vector<Real> v(n * d);
  for (size_t k = 0; k < v.size(); ++k) v[k] = static_cast<Real>(1.3 * std::sin(phase + 0.7 * static_cast<double>(k)));
  return v;
}

template <class Real>
struct Start {
  std::vector<Real> z, score, g, anchor, energy;
  bool non_finite = false;
};

// With `tiled` (StartFrom with neither rows set), the anchor x and score_x start in the chain's
// tiles, as the previous segment's chain leaves them.
template <class Real>
Start<Real> start_fused(const rtk::GaussianMixture& m, size_t n, int threads, const rtk::StartFrom<Real>& from,
                        const std::vector<Real>& x, double t, const rtk::SegmentPotential& pot,
                        const std::vector<Real>* score_x = nullptr) {
  const int d = m.dim();
  rtk::ThreadPool pool(threads);
  Start<Real> s{std::vector<Real>(rtk::tiled_size(n, d)), std::vector<Real>(rtk::tiled_size(n, d)),
                std::vector<Real>(rtk::tiled_size(n, 1)), std::vector<Real>(rtk::tiled_size(n, d)),
                std::vector<Real>(n)};
  if (score_x) {
    rtk::to_tiles(pool, n, d, x.data(), s.anchor.data());
    rtk::to_tiles(pool, n, d, score_x->data(), s.score.data());
  }
  const rtk::TiledChain<Real> c{s.z.data(), s.g.data(), s.score.data(), s.anchor.data()};
  const rtk::GaussianMixture::AtTime at = m.at_time(t);
  s.non_finite = rtk::fused_mala_start(pool, rtk::Batch{n, d, 0}, m, at, pot, from, x.data(), s.anchor.data(), c,
                                       s.energy.data());
  return s;
}

template <class Real>
Start<Real> start_fused(const rtk::GaussianMixture& m, size_t n, int threads, const std::vector<Real>& z,
                        const std::vector<Real>& x, double t, const rtk::SegmentPotential& pot) {
  return start_fused(m, n, threads, rtk::StartFrom<Real>{z.data(), nullptr, rtk::ScoreStep{}}, x, t, pot);
}

template <class Real>
Start<Real> start_unfused(const rtk::GaussianMixture& m, size_t n, const std::vector<Real>& z,
                          const std::vector<Real>& x, double t, const rtk::SegmentPotential& pot) {
  const int d = m.dim();
  rtk::ThreadPool pool(1);
  std::vector<Real> score(n * d), energy(n), grad_g(n * d), g(n);
  m.evaluate(pool, z.data(), n, t, score.data(), energy.data());
  rtk::segment_potential_batch(pool, rtk::Batch{n, d, 0}, pot, x.data(), z.data(), score.data(), energy.data(),
                               grad_g.data(), g.data());
  Start<Real> s{std::vector<Real>(rtk::tiled_size(n, d)), std::vector<Real>(rtk::tiled_size(n, d)),
                std::vector<Real>(rtk::tiled_size(n, 1)), std::vector<Real>(rtk::tiled_size(n, d)), energy};
  rtk::to_tiles(pool, n, d, z.data(), s.z.data());
  rtk::to_tiles(pool, n, d, score.data(), s.score.data());
  rtk::to_tiles(pool, n, 1, g.data(), s.g.data());
  rtk::to_tiles(pool, n, d, x.data(), s.anchor.data());
  return s;
}

template <class Real>
void check_same_bits(const Start<Real>& got, const Start<Real>& want) {
  CHECK(rtk_test::same_bits(got.z, want.z));
  CHECK(rtk_test::same_bits(got.score, want.score));
  CHECK(rtk_test::same_bits(got.g, want.g));
  CHECK(rtk_test::same_bits(got.anchor, want.anchor));
  CHECK(rtk_test::same_bits(got.energy, want.energy));
  CHECK(!got.non_finite);
}

template <class Real>
void check_same_as_unfused(const rtk::GaussianMixture& m, size_t n) {
  const double t = 0.4;
  const rtk::SegmentPotential pot = rtk::segment_potential(0.3);
  const std::vector<Real> z = rows_of<Real>(n, m.dim(), 0.1), x = rows_of<Real>(n, m.dim(), 2.0);
  const Start<Real> want = start_unfused(m, n, z, x, t, pot);
  // The warm start computed on the way in: score_step (Tweedie's coefficients) first, unfused.
  const std::vector<Real> score_x = rows_of<Real>(n, m.dim(), 3.0);
  const rtk::ScoreStep tweedie = rtk::tweedie_coefficients(0.3);
  std::vector<Real> z_warm(n * m.dim());
  rtk::ThreadPool pool(1);
  rtk::score_step(pool, rtk::Batch{n, m.dim(), 0}, tweedie, x.data(), score_x.data(), z_warm.data(),
                  rtk::StreamId{1, 0, 0, rtk::Purpose::WarmStart});
  const Start<Real> want_warm = start_unfused(m, n, z_warm, x, t, pot);
  for (int threads : {1, 3}) {
    check_same_bits(start_fused(m, n, threads, rtk::StartFrom<Real>{nullptr, score_x.data(), tweedie}, x, t, pot),
                    want_warm);
    check_same_bits(
        start_fused(m, n, threads, rtk::StartFrom<Real>{nullptr, nullptr, tweedie}, x, t, pot, &score_x), want_warm);
    check_same_bits(start_fused(m, n, threads, z, x, t, pot), want);
  }
}

}  // namespace

// n = 1: one tile of one row; 8: one full tile; 37: five tiles (a group of four, then one of 5
// rows); 1053: many groups, the last of four tiles ending in 5 rows.
TEST(fused_mala_start, same_bits_as_evaluate_segment_potential_and_to_tiles) {
  const rtk::GaussianMixture paper = rtk::paper_target(), aniso = rtk_test::anisotropic_mixture_d7();
  for (size_t n : {1, 8, 37, 1053}) {
    check_same_as_unfused<double>(paper, n);
    check_same_as_unfused<float>(paper, n);
    check_same_as_unfused<double>(aniso, n);
    check_same_as_unfused<float>(aniso, n);
  }
}

TEST(fused_mala_start, reports_a_non_finite_score_or_energy) {
  const rtk::GaussianMixture m = rtk::paper_target();
  const size_t n = 37;
  const rtk::SegmentPotential pot = rtk::segment_potential(0.3);
  std::vector<double> z = rows_of<double>(n, m.dim(), 0.1);
  const std::vector<double> x = rows_of<double>(n, m.dim(), 2.0);
  CHECK(!start_fused(m, n, 2, z, x, 0.4, pot).non_finite);
  z[33 * m.dim() + 4] = INFINITY;  // in the last tile
  CHECK(start_fused(m, n, 2, z, x, 0.4, pot).non_finite);
  z[33 * m.dim() + 4] = 0.5;
  z[3] = NAN;  // in the first
  CHECK(start_fused(m, n, 2, z, x, 0.4, pot).non_finite);
}
