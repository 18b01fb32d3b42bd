// A whole RTK-ULD run (SamplerKind::RtkUld, fixed step size and friction) on a Gaussian p_0 is a
// linear-Gaussian recursion in (x, z, v) per coordinate: x ~ N(0, 1) at T; per segment a warm
// start z (gaussian, tweedie or ddpm), a fresh v ~ N(0, 1), the inner ULD steps on
// g(z) = energy(z, t) + (x - e^{-eta} z)^2 / (2 sigma2), then x <- z. Its exact law is propagated
// here: the sampler's output moments must match it within Monte Carlo error.
#include <cmath>
#include <vector>

#include "check.h"
#include "gaussian_law.h"
#include "moments.h"
#include "rtk/samplers/sample.h"
#include "rtk/targets/gaussian_mixture.h"

namespace {

using Law = rtk_test::GaussianLaw<3>;  // per coordinate: (x, z, v)

// The exact law of one output coordinate for p_0 = N(mu, s2), where p_t = N(m_t, v_t) with
// m_t = e^{-t} mu and v_t = e^{-2t} s2 + 1 - e^{-2t}, so score(x, t) = -(x - m_t) / v_t.
Law rtk_uld_law(const rtk::Plan& plan, double mu, double s2) {
  Law law;
  law.cov[0][0] = 1;  // x ~ N(0, 1) at T
  const rtk::UldCoefficients c = rtk::uld_coefficients(plan.friction, plan.step_size);
  auto m_at = [&](long double t) { return std::exp(-t) * mu; };
  auto v_at = [&](long double t) { return std::exp(-2 * t) * s2 - std::expm1(-2 * t); };
  for (size_t k = 0; k + 1 < plan.times.size(); ++k) {
    const long double t_start = plan.times[k], t = plan.times[k + 1], eta = t_start - t;
    const long double decay = std::exp(-eta), sigma2 = -std::expm1(-2 * eta);
    // Warm start z = wx x + ws score(x, t_k) + wn xi (rtk-math.md "Warm start"); a fresh v ~ N(0, 1).
    long double wx = std::exp(eta), ws = 0, wn2 = std::expm1(2 * eta);  // 'gaussian'
    if (plan.warm_starts[k] == rtk::WarmStart::Tweedie) {
      ws = std::exp(eta) * sigma2;
      wn2 = 0;
    } else if (plan.warm_starts[k] == rtk::WarmStart::Ddpm) {
      ws = 2 * std::expm1(eta);
    }
    Law::Matrix a{}, q{};
    a[0][0] = 1;
    a[1][0] = wx - ws / v_at(t_start);
    q[1][1] = wn2;
    q[2][2] = 1;
    law.apply(a, Law::Vector{0, ws * m_at(t_start) / v_at(t_start), 0}, q);
    // grad g(z) = -score(z, t) + e^{-eta} (e^{-eta} z - x) / sigma2 = ga z + gb x + gc.
    const long double ga = 1 / v_at(t) + decay * decay / sigma2, gb = -decay / sigma2, gc = -m_at(t) / v_at(t);
    // One ULD step: z' = z + c_v v - c_grad grad g + xi_z, v' = e v - c_v grad g + xi_v.
    Law::Matrix step = Law::identity(), noise{};
    step[1][0] = -c.c_grad * gb;
    step[1][1] = 1 - c.c_grad * ga;
    step[1][2] = c.c_v;
    step[2][0] = -c.c_v * gb;
    step[2][1] = -c.c_v * ga;
    step[2][2] = c.e;
    const Law::Vector shift{0, -c.c_grad * gc, -c.c_v * gc};
    noise[1][1] = static_cast<long double>(c.l_zz) * c.l_zz;
    noise[1][2] = noise[2][1] = static_cast<long double>(c.l_zz) * c.l_vz;
    noise[2][2] = static_cast<long double>(c.l_vz) * c.l_vz + static_cast<long double>(c.l_vv) * c.l_vv;
    for (int s = 0; s < plan.steps[k]; ++s) law.apply(step, shift, noise);
    // The chain's end is the next anchor: x <- z.
    Law::Matrix swap{};
    swap[0][1] = 1;
    law.apply(swap, Law::Vector{}, Law::Matrix{});
  }
  return law;
}

const std::vector<double> kMu{1.0, -0.5, 0.0}, kS2{0.5, 0.2, 1.0};

rtk::Plan rtk_uld_plan(rtk::WarmStart start, std::vector<int> steps) {
  rtk::Plan plan;
  plan.sampler = rtk::SamplerKind::RtkUld;
  plan.n = 20000;
  plan.d = 3;
  plan.seed = 11;
  plan.times = {2.5, 1.2, 0.6, 0.25, 0.0};
  plan.steps = std::move(steps);
  plan.step_size = 0.1;
  plan.friction = 2.0;
  plan.warm_starts.assign(plan.times.size() - 1, start);
  return plan;
}

}  // namespace

// The sampler's output moments match the exact law of the implemented recursion, with short
// inner chains (the warm start still matters) and longer ones.
TEST(rtk_uld, output_matches_its_exact_law) {
  const rtk::GaussianMixture target({1.0}, kMu, kS2, 3);
  rtk::ThreadPool pool(2);
  rtk::GaussianMixtureOracle<double> oracle(target, pool);
  const std::vector<int> short_chains{4, 3, 3, 5}, long_chains{30, 20, 20, 30};
  for (const std::vector<int>& steps : {short_chains, long_chains}) {
    for (rtk::WarmStart start : {rtk::WarmStart::Gaussian, rtk::WarmStart::Tweedie, rtk::WarmStart::Ddpm}) {
      const rtk::Plan plan = rtk_uld_plan(start, steps);
      std::vector<double> out(plan.n * plan.d);
      const rtk::Stats stats = rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, out.data());
      int inner = 0;
      for (int s : steps) inner += s;
      CHECK_EQ(stats.nfe, inner + (start == rtk::WarmStart::Gaussian ? 0 : 4));
      for (int i = 0; i < plan.d; ++i) {
        const Law law = rtk_uld_law(plan, kMu[i], kS2[i]);
        const double mean = static_cast<double>(law.mean[0]), var = static_cast<double>(law.cov[0][0]);
        const rtk_test::Moments m = rtk_test::column_moments(out.data(), plan.n, plan.d, i);
        CHECK_NEAR(m.mean, mean, 5 * rtk_test::mean_se(var, plan.n));
        CHECK_NEAR(m.var, var, 5 * rtk_test::gaussian_var_se(var, plan.n));
      }
    }
  }
}

// That law approaches p_0 = N(mu, s2) as the inner chains get longer and finer (the remaining
// error is the inner ULD's first-order step-size bias and its unconverged warm start).
TEST(rtk_uld, exact_law_approaches_the_target) {
  for (rtk::WarmStart start : {rtk::WarmStart::Gaussian, rtk::WarmStart::Tweedie}) {
    rtk::Plan coarse = rtk_uld_plan(start, {30, 20, 20, 30}), fine = coarse;
    fine.step_size = coarse.step_size / 20;
    for (int& steps : fine.steps) steps *= 40;  // twice the inner time
    for (int i = 0; i < 3; ++i) {
      const Law a = rtk_uld_law(coarse, kMu[i], kS2[i]), b = rtk_uld_law(fine, kMu[i], kS2[i]);
      const double coarse_error = std::fabs(static_cast<double>(a.cov[0][0]) / kS2[i] - 1);
      const double fine_error = std::fabs(static_cast<double>(b.cov[0][0]) / kS2[i] - 1);
      CHECK(fine_error < 0.02);
      CHECK(fine_error < coarse_error);
      CHECK_NEAR(static_cast<double>(b.mean[0]), kMu[i], 0.01);
    }
  }
}
