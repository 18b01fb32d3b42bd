// GaussianMixture (targets/gaussian_mixture.h): p_t is the mixture with means e^{-t} mu_j and
// variances e^{-2t} s2_j + 1 - e^{-2t} (rtk-math.md); score = -grad energy; exact draws and
// exact marginal bin masses.
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "moments.h"
#include "random_inputs.h"
#include "same_bits.h"
#include "split_invariance.h"

namespace {

constexpr long double kPi = 3.141592653589793238462643383279502884L;

// Three unequal components in d = 3 with distinct diagonal variances.
rtk::GaussianMixture three_components() {
  return rtk::GaussianMixture({1.0, 2.0, 1.5}, {0.8, -0.3, 0.1, -0.6, 0.4, 0.9, 0.2, 1.1, -0.7},
                              {0.05, 0.2, 0.5, 0.3, 0.02, 0.1, 0.15, 0.4, 0.08}, 3);
}

// Mean, variance and fourth central moment of coordinate i of p_t.
struct MarginalMoments {
  double mean = 0, var = 0, mu4 = 0;
};

MarginalMoments marginal_moments(const rtk::GaussianMixture& m, double t, int i) {
  const int d = m.dim();
  MarginalMoments out;
  std::vector<double> mean(m.components()), var(m.components());
  for (size_t j = 0; j < m.components(); ++j) {
    mean[j] = std::exp(-t) * m.means()[j * d + i];
    var[j] = std::exp(-2 * t) * m.variances()[j * d + i] - std::expm1(-2 * t);
    out.mean += m.weights()[j] * mean[j];
  }
  for (size_t j = 0; j < m.components(); ++j) {
    const double c = mean[j] - out.mean;
    out.var += m.weights()[j] * (var[j] + c * c);
    // E (X - mean)^4 for X ~ N(m_j, v_j): c^4 + 6 c^2 v_j + 3 v_j^2.
    out.mu4 += m.weights()[j] * (c * c * c * c + 6 * c * c * var[j] + 3 * var[j] * var[j]);
  }
  return out;
}

}  // namespace

TEST(gaussian_mixture, weights_are_normalised) {
  const rtk::GaussianMixture m({1.0, 3.0}, {0, 0, 1, 1}, {1, 1, 1, 1}, 2);
  CHECK_NEAR(m.weights()[0], 0.25, 1e-15);
  CHECK_NEAR(m.weights()[1], 0.75, 1e-15);
  const rtk::GaussianMixture p = rtk::paper_target();
  double total = 0;
  for (double w : p.weights()) total += w;
  CHECK_NEAR(total, 1.0, 1e-14);
  CHECK_EQ(p.components(), size_t(12));
  CHECK_EQ(p.dim(), 10);
}

TEST(gaussian_mixture, constructor_rejects_bad_input) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  using M = rtk::GaussianMixture;
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {1.0}, 0));                 // d < 1
  CHECK_THROWS(std::invalid_argument, M({}, {}, {}, 1));                          // no component
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0, 0.0}, {1.0}, 1));            // means not K*d
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {1.0, 1.0}, 1));            // variances not K*d
  CHECK_THROWS(std::invalid_argument, M({1.0, 1.0}, {0.0, 0.0}, {1.0}, 1));       // too few variances
  CHECK_THROWS(std::invalid_argument, M({0.0}, {0.0}, {1.0}, 1));                 // zero weight
  CHECK_THROWS(std::invalid_argument, M({-1.0, 2.0}, {0.0, 1.0}, {1.0, 1.0}, 1)); // negative weight
  CHECK_THROWS(std::invalid_argument, M({nan}, {0.0}, {1.0}, 1));
  CHECK_THROWS(std::invalid_argument, M({inf}, {0.0}, {1.0}, 1));
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {0.0}, 1));                 // zero variance
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {-0.1}, 1));
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {nan}, 1));
  CHECK_THROWS(std::invalid_argument, M({1.0}, {0.0}, {inf}, 1));
  CHECK_THROWS(std::invalid_argument, M({1.0}, {nan}, {1.0}, 1));                 // non-finite mean
  CHECK_THROWS(std::invalid_argument, M({1.0}, {inf}, {1.0}, 1));
  // A valid one does not throw.
  bool built = false;
  try {
    M({1.0}, {0.0}, {1.0}, 1);
    built = true;
  } catch (...) {
  }
  CHECK(built);
}

// One component: energy(x, t) = 0.5 sum (x - m)^2 / v + 0.5 sum log(2 pi v), score = -(x - m) / v,
// with m = e^{-t} mu and v = e^{-2t} s2 + 1 - e^{-2t}.
TEST(gaussian_mixture, one_component_is_the_closed_form_gaussian) {
  const int d = 4;
  const std::vector<double> mu{0.5, -1.0, 2.0, 0.0}, s2{0.1, 1.0, 0.3, 2.5};
  const rtk::GaussianMixture m({2.0}, mu, s2, d);
  rtk_test::RandomInputs in(61);
  const size_t n = 25;
  const std::vector<double> x = in.normals(n * d, 1.5);
  std::vector<double> score(n * d), energy(n);
  rtk::ThreadPool pool(2);
  for (double t : {0.0, 0.01, 0.7, 4.0}) {
    m.evaluate(pool, x.data(), n, t, score.data(), energy.data());
    for (size_t p = 0; p < n; ++p) {
      long double e = 0;
      for (int i = 0; i < d; ++i) {
        const long double mean = std::exp(-t) * mu[i];
        const long double var = std::exp(-2 * t) * s2[i] + (1 - std::exp(-2.0L * t));
        const long double r = x[p * d + i] - mean;
        e += 0.5L * r * r / var + 0.5L * std::log(2 * kPi * var);
        CHECK_NEAR(score[p * d + i], static_cast<double>(-r / var), 1e-12 * (1 + std::fabs(static_cast<double>(r / var))));
      }
      CHECK_NEAR(energy[p], static_cast<double>(e), 1e-12 * (1 + std::fabs(static_cast<double>(e))));
    }
  }
}

// score = -grad energy: central differences of the energy, at several t including 0.
TEST(gaussian_mixture, score_is_minus_gradient_of_energy) {
  const rtk::GaussianMixture m = three_components();
  const int d = m.dim();
  rtk_test::RandomInputs in(62);
  rtk::ThreadPool pool(1);
  const double h = 1e-5;
  for (double t : {0.0, 0.05, 0.5, 2.0}) {
    for (int trial = 0; trial < 8; ++trial) {
      const std::vector<double> x = in.normals(d, 0.8);
      std::vector<double> score(d), energy(1), ignored(d);
      m.evaluate(pool, x.data(), 1, t, score.data(), energy.data());
      double norm = 0;
      for (double s : score) norm += s * s;
      norm = std::sqrt(norm);
      for (int i = 0; i < d; ++i) {
        std::vector<double> up = x, down = x;
        up[i] += h;
        down[i] -= h;
        double e_up = 0, e_down = 0;
        m.evaluate(pool, up.data(), 1, t, ignored.data(), &e_up);
        m.evaluate(pool, down.data(), 1, t, ignored.data(), &e_down);
        const double fd = -(e_up - e_down) / (2 * h);
        CHECK_NEAR(score[i], fd, 1e-6 * std::max(1.0, norm));
      }
    }
  }
}

// Far from every mean the log-sum-exp keeps score and energy finite.
TEST(gaussian_mixture, stable_far_away) {
  const rtk::GaussianMixture m = rtk::paper_target();
  std::vector<double> x(10, 0.0), score(10), energy(1);
  x[0] = 60.0;
  rtk::ThreadPool pool(1);
  m.evaluate(pool, x.data(), 1, 0.0, score.data(), energy.data());
  CHECK(std::isfinite(energy[0]) && energy[0] > 1e5);
  // The nearest component (j = 0, mean (1, 0, ...)) dominates: score ~ -(x - 1) / 0.007.
  CHECK_REL(score[0], -(60.0 - 1.0) / 0.007, 1e-9);
}

TEST(gaussian_mixture, float_matches_double) {
  const rtk::GaussianMixture m = three_components();
  const int d = m.dim();
  const size_t n = 50;
  rtk_test::RandomInputs in(63);
  const std::vector<double> x = in.normals(n * d, 0.7);
  const std::vector<float> xf(x.begin(), x.end());
  const std::vector<double> xr(xf.begin(), xf.end());  // the same points in double
  std::vector<double> s(n * d), e(n);
  std::vector<float> sf(n * d), ef(n);
  rtk::ThreadPool pool(1);
  m.evaluate(pool, xr.data(), n, 0.3, s.data(), e.data());
  m.evaluate(pool, xf.data(), n, 0.3, sf.data(), ef.data());
  for (size_t k = 0; k < n * d; ++k) CHECK_NEAR(sf[k], s[k], 1e-6 * (1 + std::fabs(s[k])));
  for (size_t p = 0; p < n; ++p) CHECK_NEAR(ef[p], e[p], 1e-6 * (1 + std::fabs(e[p])));
  // The oracle wrapper evaluates the same thing.
  rtk::GaussianMixtureOracle<double> oracle(m, pool);
  CHECK_EQ(oracle.dim(), d);
  CHECK(oracle.has_energy());
  std::vector<double> so(n * d), eo(n);
  oracle.evaluate(xr.data(), n, 0.3, so.data(), eo.data());
  CHECK(so == s);
  CHECK(eo == e);
}

TEST(gaussian_mixture, evaluate_same_bits_for_any_thread_count) {
  const rtk::GaussianMixture m = rtk::paper_target();
  const size_t n = 2000;
  rtk_test::RandomInputs in(64);
  const std::vector<double> x = in.normals(n * 10);
  std::vector<double> score, energy;
  rtk_test::check_split_invariance(
      n, 10, 0, 999,
      [&] {
        score.assign(n * 10, 0.0);
        energy.assign(n, 0.0);
      },
      [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
        m.evaluate(pool, x.data() + row * 10, b.n, 0.2, score.data() + row * 10, energy.data() + row);
      },
      [&] {
        std::vector<double> out = score;
        out.insert(out.end(), energy.begin(), energy.end());
        return out;
      });
}

// mixture_row is what each GPU thread computes (native/cuda): the same bits as the CPU's tiles,
// in double and float, for rows in tiles of every fill, two tiles at a time or one alone
// (evaluate_rows): n = 3 and 8 are one tile, short and full; 13 a pair ending in a short tile;
// 21 a pair and a short tile alone.
template <class Real>
void check_row_matches_tiles(const rtk::GaussianMixture& m, uint64_t seed, size_t n) {
  const int d = m.dim();
  const size_t k = m.components();
  rtk_test::RandomInputs in(seed);
  const std::vector<double> x64 = in.normals(n * d, 0.8);
  const std::vector<Real> x(x64.begin(), x64.end());
  std::vector<Real> s(n * d), e(n), s_row(n * d), e_row(n);
  rtk::ThreadPool pool(1);
  const double t = 0.15;
  m.evaluate(pool, x.data(), n, t, s.data(), e.data());
  const rtk::GaussianMixture::AtTime a = m.at_time(t);
  std::vector<double> lw(k);
  for (size_t p = 0; p < n; ++p)
    rtk::mixture_row(a.mean.data(), a.precision.data(), a.log_norm.data(), k, d, x.data() + p * d,
                     s_row.data() + p * d, e_row.data() + p, lw.data(), 1);
  CHECK(rtk_test::same_bits(s_row, s));
  CHECK(rtk_test::same_bits(e_row, e));
}

template <class Real>
void check_row_matches_tiles(const rtk::GaussianMixture& m, uint64_t seed) {
  for (size_t n : {3, 8, 13, 21}) check_row_matches_tiles<Real>(m, seed, n);
}

// K = 7, d = 5: the tile's loops run both their blocks and their one-at-a-time remainders.
rtk::GaussianMixture seven_components_in_five_dimensions() {
  rtk_test::RandomInputs in(68);
  const int k = 7, d = 5;
  std::vector<double> weights(k), variances(k * d);
  for (int j = 0; j < k; ++j) weights[j] = 1.0 + 0.25 * j;
  for (int c = 0; c < k * d; ++c) variances[c] = 0.02 + 0.01 * (c % 9);
  return rtk::GaussianMixture(weights, in.normals(k * d, 1.0), variances, d);
}

TEST(gaussian_mixture, gpu_row_function_gives_the_cpu_bits) {
  check_row_matches_tiles<double>(rtk::paper_target(), 65);
  check_row_matches_tiles<float>(rtk::paper_target(), 66);
  check_row_matches_tiles<double>(three_components(), 67);
  check_row_matches_tiles<double>(seven_components_in_five_dimensions(), 69);
  check_row_matches_tiles<float>(seven_components_in_five_dimensions(), 70);
}

TEST(gaussian_mixture, marginal_bin_masses) {
  const rtk::GaussianMixture m = three_components();
  const int d = m.dim(), bins = 40;
  const double lo = -2.0, hi = 2.0;
  for (double t : {0.0, 0.3, 3.0}) {
    const std::vector<double> masses = m.marginal_bin_masses(t, bins, lo, hi);
    REQUIRE(masses.size() == static_cast<size_t>(d) * (bins + 2));
    for (int i = 0; i < d; ++i) {
      double total = 0;
      bool non_negative = true;
      for (int b = 0; b < bins + 2; ++b) {
        total += masses[i * (bins + 2) + b];
        non_negative = non_negative && masses[i * (bins + 2) + b] >= 0;
      }
      CHECK(non_negative);
      CHECK_NEAR(total, 1.0, 1e-12);
      // Below lo, and one inner bin, against the mixture's normal CDF written out.
      const double width = (hi - lo) / bins;
      double below = 0, bin7 = 0;
      for (size_t j = 0; j < m.components(); ++j) {
        const double mean = std::exp(-t) * m.means()[j * d + i];
        const double sd = std::sqrt(std::exp(-2 * t) * m.variances()[j * d + i] - std::expm1(-2 * t));
        auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - mean) / (sd * std::sqrt(2.0))); };
        below += m.weights()[j] * cdf(lo);
        bin7 += m.weights()[j] * (cdf(lo + 8 * width) - cdf(lo + 7 * width));
      }
      CHECK_NEAR(masses[i * (bins + 2)], below, 1e-14);
      CHECK_NEAR(masses[i * (bins + 2) + 8], bin7, 1e-14);
    }
  }
}

// Exact draws: per-coordinate mean and variance of p_t within 5 standard errors.
TEST(gaussian_mixture, sample_exact_moments) {
  const size_t n = 200000;
  rtk::ThreadPool pool(2);
  const rtk::GaussianMixture mixtures[] = {three_components(), rtk::paper_target()};
  for (const rtk::GaussianMixture& m : mixtures) {
    const int d = m.dim();
    for (double t : {0.0, 0.4}) {
      std::vector<double> x(n * d);
      m.sample_exact(pool, rtk::Batch{n, d, 0}, t, 99, x.data());
      for (int i = 0; i < d; ++i) {
        const MarginalMoments e = marginal_moments(m, t, i);
        const rtk_test::Moments s = rtk_test::column_moments(x.data(), n, d, i);
        CHECK_NEAR(s.mean, e.mean, 5 * rtk_test::mean_se(e.var, n));
        CHECK_NEAR(s.var, e.var, 5 * rtk_test::var_se(e.var, e.mu4, n));
      }
    }
  }
}

TEST(gaussian_mixture, sample_exact_same_bits_for_any_thread_count_and_split) {
  const rtk::GaussianMixture m = three_components();
  const size_t n = 1500;
  std::vector<float> x;
  rtk_test::check_split_invariance(
      n, 3, 1234, 400, [&] { x.assign(n * 3, 0.0f); },
      [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
        m.sample_exact(pool, b, 0.1, 7, x.data() + row * 3);
      },
      [&] { return std::vector<double>(x.begin(), x.end()); });  // exact widening
}
