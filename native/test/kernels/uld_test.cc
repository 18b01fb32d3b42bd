// uld_coefficients / uld_step (kernels/uld.h): the exact Gaussian transition of underdamped
// Langevin with a frozen gradient (rtk-math.md "Inner ULD"), against the closed form and the
// small-gamma*tau series in long double, and the noise covariance against Var/Cov by Monte Carlo.
#include "rtk/kernels/uld.h"

#include <cmath>
#include <vector>

#include "check.h"
#include "moments.h"
#include "random_inputs.h"
#include "split_invariance.h"

namespace {

// The transition of rtk-math.md "Inner ULD" in long double, with e = e^{-gamma tau}:
//   Var xi_z = (2 gamma tau - 3 + 4e - e^2) / gamma^2, Var xi_v = 1 - e^2, Cov = (1 - e)^2 / gamma.
// `series` sums gamma^2 Var xi_z = sum_{k>=3} (-1)^k (4 - 2^k) x^k / k! instead of the closed form.
struct Exact {
  long double e, c_v, c_grad, var_z, var_v, cov;

  Exact(long double gamma, long double tau, bool series) {
    const long double x = gamma * tau;
    e = std::exp(-x);
    const long double one_minus_e = -std::expm1(-x);  // 1 - e without cancellation
    c_v = one_minus_e / gamma;
    if (series) {
      long double sum = 0, term = x * x / 2;  // x^k / k! at k = 2
      long double scaled_grad = term;         // x + e^{-x} - 1 = sum_{k>=2} (-x)^k / k!
      for (int k = 3; k <= 40; ++k) {
        term *= x / k;
        const long double sign = (k % 2 == 0) ? 1 : -1;
        sum += sign * (4 - std::ldexp(1.0L, k)) * term;
        scaled_grad += sign * term;
      }
      var_z = sum / (gamma * gamma);
      c_grad = scaled_grad / (gamma * gamma);
    } else {
      var_z = (2 * x - 3 + 4 * e - e * e) / (gamma * gamma);
      c_grad = (tau - c_v) / gamma;
    }
    var_v = -std::expm1(-2 * x);
    cov = one_minus_e * one_minus_e / gamma;
  }
};

void check_against(double gamma, double tau, bool series, double rel) {
  const rtk::UldCoefficients c = rtk::uld_coefficients(gamma, tau);
  const Exact x(gamma, tau, series);
  CHECK_REL(c.e, static_cast<double>(x.e), rel);
  CHECK_REL(c.c_v, static_cast<double>(x.c_v), rel);
  CHECK_REL(c.c_grad, static_cast<double>(x.c_grad), rel);
  // The Cholesky factor reproduces the covariance: xi_z = l_zz n1, xi_v = l_vz n1 + l_vv n2.
  CHECK_REL(c.l_zz * c.l_zz, static_cast<double>(x.var_z), rel);
  CHECK_REL(c.l_zz * c.l_vz, static_cast<double>(x.cov), rel);
  CHECK_REL(c.l_vz * c.l_vz + c.l_vv * c.l_vv, static_cast<double>(x.var_v), rel);
  // and is the Cholesky factor (l_vv the conditional standard deviation).
  CHECK_REL(c.l_vv, static_cast<double>(std::sqrt(x.var_v - x.cov * x.cov / x.var_z)), rel);
}

}  // namespace

TEST(uld, coefficients_closed_form) {
  for (double gamma : {0.3, 1.0, 2.5, 40.0})
    for (double x : {0.5, 0.5000001, 0.7, 1.0, 2.0, 3.3, 5.0}) check_against(gamma, x / gamma, false, 1e-10);
}

TEST(uld, coefficients_small_gamma_tau_series) {
  for (double gamma : {0.3, 1.0, 7.0})
    for (double x : {1e-9, 1e-6, 1e-4, 0.01, 0.1, 0.49}) check_against(gamma, x / gamma, true, 1e-10);
}

TEST(uld, step_formula) {
  const size_t n = 17;
  const int d = 6;
  const uint64_t offset = 40;
  rtk_test::RandomInputs in(51);
  const std::vector<double> z0 = in.normals(n * d), v0 = in.normals(n * d), grad = in.normals(n * d, 2.0);
  const double gamma = 1.7, tau = 0.3;
  const Exact x(gamma, tau, false);
  std::vector<double> z = z0, v = v0;
  const rtk::StreamId noise{3, 4, 5, rtk::Purpose::Noise}, noise2{3, 4, 5, rtk::Purpose::Noise2};
  rtk::ThreadPool pool(2);
  rtk::uld_step(pool, rtk::Batch{n, d, offset}, rtk::uld_coefficients(gamma, tau), z.data(), v.data(), grad.data(),
                noise, noise2);
  const long double l_zz = std::sqrt(x.var_z), l_vz = x.cov / l_zz, l_vv = std::sqrt(x.var_v - l_vz * l_vz);
  std::vector<double> n1(d), n2(d);
  for (size_t p = 0; p < n; ++p) {
    rtk::fill_normals(noise, offset + p, d, n1.data());
    rtk::fill_normals(noise2, offset + p, d, n2.data());
    for (int i = 0; i < d; ++i) {
      const size_t k = p * d + i;
      // z' = z + (1-e)/gamma v - (tau - (1-e)/gamma)/gamma grad g + xi_z;  v' = e v - (1-e)/gamma grad g + xi_v.
      const long double xi_z = l_zz * n1[i], xi_v = l_vz * n1[i] + l_vv * n2[i];
      const double ez = static_cast<double>(z0[k] + x.c_v * v0[k] - x.c_grad * grad[k] + xi_z);
      const double ev = static_cast<double>(x.e * v0[k] - x.c_v * grad[k] + xi_v);
      CHECK_NEAR(z[k], ez, 1e-13 * (1 + std::fabs(ez)));
      CHECK_NEAR(v[k], ev, 1e-13 * (1 + std::fabs(ev)));
    }
  }
}

// From z = v = 0 with grad g = 0 one step gives (xi_z, xi_v): their sample covariance matches
// Var xi_z, Var xi_v, Cov(xi_z, xi_v), and coordinates are independent.
TEST(uld, noise_covariance) {
  const size_t n = 100000;
  const int d = 3;
  for (double x : {1e-3, 0.8, 3.0}) {
    const double gamma = 2.0, tau = x / gamma;
    const Exact e(gamma, tau, x < 0.5);
    const double var_z = static_cast<double>(e.var_z), var_v = static_cast<double>(e.var_v),
                 cov = static_cast<double>(e.cov);
    std::vector<double> z(n * d, 0.0), v(n * d, 0.0), grad(n * d, 0.0);
    rtk::ThreadPool pool(2);
    rtk::uld_step(pool, rtk::Batch{n, d, 0}, rtk::uld_coefficients(gamma, tau), z.data(), v.data(), grad.data(),
                  rtk::StreamId{7, 0, 0, rtk::Purpose::Noise}, rtk::StreamId{7, 0, 0, rtk::Purpose::Noise2});
    for (int i = 0; i < d; ++i) {
      const rtk_test::Moments mz = rtk_test::column_moments(z.data(), n, d, i);
      const rtk_test::Moments mv = rtk_test::column_moments(v.data(), n, d, i);
      CHECK_NEAR(mz.mean, 0.0, 5 * rtk_test::mean_se(var_z, n));
      CHECK_NEAR(mv.mean, 0.0, 5 * rtk_test::mean_se(var_v, n));
      CHECK_NEAR(mz.var, var_z, 5 * rtk_test::gaussian_var_se(var_z, n));
      CHECK_NEAR(mv.var, var_v, 5 * rtk_test::gaussian_var_se(var_v, n));
      CHECK_NEAR(rtk_test::column_covariance(z.data(), v.data(), n, d, i, i), cov,
                 5 * rtk_test::gaussian_cov_se(var_z, var_v, cov, n));
    }
    CHECK_NEAR(rtk_test::column_covariance(z.data(), v.data(), n, d, 0, 1), 0.0,
               5 * rtk_test::gaussian_cov_se(var_z, var_v, 0.0, n));
    CHECK_NEAR(rtk_test::column_covariance(z.data(), z.data(), n, d, 1, 2), 0.0,
               5 * rtk_test::gaussian_cov_se(var_z, var_z, 0.0, n));
  }
}

// d = 5: both streams' Philox words drawn a tile ahead; d = 18: two groups of normals, in one go.
TEST(uld, same_bits_for_any_thread_count_and_split) {
  for (int d : {5, 18}) {
    const size_t n = 1200;
    rtk_test::RandomInputs in(52);
    const std::vector<double> z0 = in.normals(n * d), v0 = in.normals(n * d), grad = in.normals(n * d);
    std::vector<double> z, v;
    const rtk::UldCoefficients c = rtk::uld_coefficients(1.5, 0.2);
    rtk_test::check_split_invariance(
        n, d, 9, 700,
        [&] {
          z = z0;
          v = v0;
        },
        [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
          rtk::uld_step(pool, b, c, z.data() + row * d, v.data() + row * d, grad.data() + row * d,
                        rtk::StreamId{1, 2, 3, rtk::Purpose::Noise}, rtk::StreamId{1, 2, 3, rtk::Purpose::Noise2});
        },
        [&] {
          std::vector<double> out = z;
          out.insert(out.end(), v.begin(), v.end());
          return out;
        });
  }
}
