// MALA leaves its target invariant (Algorithm 2): chains on a Gaussian potential started at
// exact draws, moved by ula_step proposals and mala_accept with a fixed tau, are still exact
// draws after many steps. The same steps without the MH test (plain ULA) are visibly biased,
// which shows the check has the power to fail.
#include <cmath>
#include <vector>

#include "check.h"
#include "moments.h"
#include "rtk/kernels/mala.h"
#include "rtk/kernels/ula.h"
#include "rtk/targets/gaussian_mixture.h"

namespace {

struct ChainResult {
  std::vector<double> z;
  double accept_rate = 0;
  size_t moved = 0;  // chains that left their starting point
};

// n chains on g = energy of p_0 (a one-component mixture at t = 0), grad g = -score.
ChainResult run_chains(const rtk::GaussianMixture& target, size_t n, int steps, double tau, bool metropolis,
                       rtk::EnergyDelta delta) {
  const int d = target.dim();
  const size_t values = n * static_cast<size_t>(d);
  const rtk::Batch b{n, d, 0};
  rtk::ThreadPool pool(2);
  std::vector<double> z(values), grad(values), g(n), score(values);
  std::vector<double> z_prop(values), grad_prop(values), g_prop(n), score_prop(values), mid(values),
      grad_mid(values);
  target.sample_exact(pool, b, 0.0, 321, z.data());
  const std::vector<double> start = z;
  target.evaluate(pool, z.data(), n, 0.0, score.data(), g.data());
  for (size_t k = 0; k < values; ++k) grad[k] = -score[k];
  size_t accepted = 0;
  for (int step = 0; step < steps; ++step) {
    const uint32_t s = static_cast<uint32_t>(step);
    rtk::ula_step(pool, b, tau, z.data(), grad.data(), z_prop.data(), rtk::StreamId{5, 0, s, rtk::Purpose::Noise});
    target.evaluate(pool, z_prop.data(), n, 0.0, score_prop.data(), g_prop.data());
    for (size_t k = 0; k < values; ++k) grad_prop[k] = -score_prop[k];
    if (!metropolis) {
      z.swap(z_prop);
      grad.swap(grad_prop);
      continue;
    }
    if (delta == rtk::EnergyDelta::Simpson) {
      for (size_t k = 0; k < values; ++k) mid[k] = 0.5 * (z[k] + z_prop[k]);
      target.evaluate(pool, mid.data(), n, 0.0, grad_mid.data(), static_cast<double*>(nullptr));
      for (double& v : grad_mid) v = -v;
    }
    const rtk::MalaArrays<double> a{z.data(),      grad.data(),      g.data(),          score.data(),
                                    z_prop.data(), grad_prop.data(), g_prop.data(),     score_prop.data(),
                                    grad_mid.data()};
    accepted += rtk::mala_accept(pool, b, rtk::MalaAcceptParams{tau, INFINITY, delta}, a,
                                 rtk::StreamId{5, 0, s, rtk::Purpose::Accept}, static_cast<uint8_t*>(nullptr))
                    .accepted;
  }
  ChainResult r;
  r.accept_rate = metropolis ? static_cast<double>(accepted) / (static_cast<double>(n) * steps) : 1.0;
  for (size_t p = 0; p < n; ++p) r.moved += z[p * d] != start[p * d];
  r.z = std::move(z);
  return r;
}

// p_0 = N(mu, diag(s2)): precisions 2, 1 and 4, so tau = 0.2 gives tau / s2 up to 0.8.
const std::vector<double> kMu{0.5, -1.0, 2.0}, kS2{0.5, 1.0, 0.25};

rtk::GaussianMixture gaussian_target() { return rtk::GaussianMixture({1.0}, kMu, kS2, 3); }

}  // namespace

TEST(mala_invariance, exact_draws_stay_exact) {
  const rtk::GaussianMixture target = gaussian_target();
  const size_t n = 20000;
  const rtk::EnergyDelta deltas[] = {rtk::EnergyDelta::Exact, rtk::EnergyDelta::Trapezoid, rtk::EnergyDelta::Simpson};
  for (rtk::EnergyDelta delta : deltas) {
    // On a Gaussian, trapezoid and Simpson are exact energy differences too: all three are MALA.
    const ChainResult r = run_chains(target, n, 40, 0.2, true, delta);
    CHECK(r.accept_rate > 0.3 && r.accept_rate < 0.95);
    CHECK(r.moved > n * 9 / 10);
    for (int i = 0; i < 3; ++i) {
      const rtk_test::Moments m = rtk_test::column_moments(r.z.data(), n, 3, i);
      CHECK_NEAR(m.mean, kMu[i], 5 * rtk_test::mean_se(kS2[i], n));
      CHECK_NEAR(m.var, kS2[i], 5 * rtk_test::gaussian_var_se(kS2[i], n));
    }
  }
}

// Power: ULA's stationary variance on N(mu, s2) is s2 / (1 - tau / (2 s2)), here 0.42 instead of
// 0.25 for the third coordinate, many standard errors away.
TEST(mala_invariance, plain_ula_fails_the_same_check) {
  const rtk::GaussianMixture target = gaussian_target();
  const size_t n = 20000;
  const ChainResult r = run_chains(target, n, 40, 0.2, false, rtk::EnergyDelta::Exact);
  const rtk_test::Moments m = rtk_test::column_moments(r.z.data(), n, 3, 2);
  CHECK(std::fabs(m.var - kS2[2]) > 5 * rtk_test::gaussian_var_se(kS2[2], n));
  // ... and agrees with ULA's own stationary variance.
  const double ula_var = kS2[2] / (1 - 0.2 / (2 * kS2[2]));
  CHECK_NEAR(m.var, ula_var, 5 * rtk_test::gaussian_var_se(ula_var, n));
}
