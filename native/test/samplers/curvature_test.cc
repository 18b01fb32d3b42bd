// mean_secant_curvature (samplers/curvature.h): the mean of ||g1 - g0|| / ||z1 - z0|| over the
// pairs with a step, summed in fixed 1,024-row blocks whatever the thread count, and
// potential_smoothness_bound.
#include "rtk/samplers/curvature.h"

#include <cmath>
#include <limits>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "same_bits.h"

namespace {

// Two batches of points and gradients on a quadratic with curvatures in [0.5, 3]; every fifth
// particle does not move (a zero step: skipped).
struct Pairs {
  size_t n;
  int d;
  std::vector<double> z0, g0, z1, g1;

  Pairs(size_t rows, int dim, uint64_t seed) : n(rows), d(dim) {
    rtk_test::RandomInputs in(seed);
    const std::vector<double> curvature = in.uniforms(d, 0.5, 3.0);
    z0 = in.normals(n * d);
    z1 = in.normals(n * d);
    g0.resize(n * d);
    g1.resize(n * d);
    for (size_t p = 0; p < n; ++p)
      for (int i = 0; i < d; ++i) {
        const size_t k = p * d + i;
        if (p % 5 == 0) z1[k] = z0[k];
        g0[k] = curvature[i] * z0[k];
        g1[k] = curvature[i] * z1[k];
      }
  }
};

}  // namespace

// At n = 3001 the threads' shares meet inside blocks (rows 1504 on 2 threads, 992 and 2016 on 3):
// the later pieces' secants are added to the first piece's sum afterwards, bit for bit as one
// thread sums the block.
TEST(curvature, mean_secant_sums_fixed_blocks_whatever_the_thread_count) {
  const Pairs s(3001, 4, 51);
  double total = 0, count = 0, block_sum = 0;
  long double exact = 0;
  for (size_t p = 0; p < s.n; ++p) {
    bool counted = false;
    const double secant = rtk::secant_curvature_particle(&s.z0[p * s.d], &s.g0[p * s.d], &s.z1[p * s.d],
                                                         &s.g1[p * s.d], s.d, &counted);
    CHECK_EQ(counted, p % 5 != 0);
    if (counted) {
      block_sum += secant;
      count += 1;
      long double dz = 0, dg = 0;
      for (int i = 0; i < s.d; ++i) {
        const long double a = s.z1[p * s.d + i] - s.z0[p * s.d + i], c = s.g1[p * s.d + i] - s.g0[p * s.d + i];
        dz += a * a;
        dg += c * c;
      }
      exact += std::sqrt(dg / dz);
    }
    if ((p + 1) % rtk::kSecantBlock == 0 || p + 1 == s.n) {
      total += block_sum;
      block_sum = 0;
    }
  }
  CHECK_NEAR(total / count, static_cast<double>(exact / count), 1e-12);
  for (int threads : {1, 2, 3}) {
    rtk::ThreadPool pool(threads);
    const double mean = rtk::mean_secant_curvature(pool, rtk::Batch{s.n, s.d, 0}, s.z0.data(), s.g0.data(),
                                                   s.z1.data(), s.g1.data());
    CHECK(rtk_test::same_bits(std::vector<double>{mean}, std::vector<double>{total / count}));
  }
}

// No pair with a step: the mean is NaN (update_curvature then keeps the estimate).
TEST(curvature, no_step_gives_nan_and_keeps_the_estimate) {
  Pairs s(100, 3, 52);
  s.z1 = s.z0;
  rtk::ThreadPool pool(2);
  const double mean =
      rtk::mean_secant_curvature(pool, rtk::Batch{s.n, s.d, 0}, s.z0.data(), s.g0.data(), s.z1.data(), s.g1.data());
  CHECK(std::isnan(mean));
  double curvature = 7.0;
  rtk::update_curvature(mean, curvature);
  CHECK_EQ(curvature, 7.0);
  rtk::update_curvature(2.5, curvature);
  CHECK_EQ(curvature, 2.5);
}

// The bound: 1 / (1 - e^{-2t}) + e^{-2 eta} / (1 - e^{-2 eta}), infinite at t = 0.
TEST(curvature, potential_smoothness_bound) {
  const double t = 0.3, eta = 0.2;
  CHECK_NEAR(rtk::potential_smoothness_bound(t, eta),
             1.0 / (1.0 - std::exp(-2 * t)) + std::exp(-2 * eta) / (1.0 - std::exp(-2 * eta)), 1e-12);
  CHECK(std::isinf(rtk::potential_smoothness_bound(0.0, eta)));
}
