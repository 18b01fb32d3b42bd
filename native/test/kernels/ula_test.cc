// ula_step (kernels/ula.h): z' = z - tau grad g(z) + sqrt(2 tau) xi  (rtk-math.md "Inner ULA").
#include "rtk/kernels/ula.h"

#include <cmath>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "split_invariance.h"

TEST(ula_step, formula) {
  const size_t n = 23;
  const int d = 6;
  const uint64_t offset = 5;
  rtk_test::RandomInputs in(8);
  const std::vector<double> z = in.normals(n * d), grad = in.normals(n * d, 3.0);
  std::vector<double> out(n * d);
  const rtk::StreamId noise{4, 1, 9, rtk::Purpose::Noise};
  rtk::ThreadPool pool(2);
  for (double tau : {1e-4, 0.05, 0.7}) {
    rtk::ula_step(pool, rtk::Batch{n, d, offset}, tau, z.data(), grad.data(), out.data(), noise);
    std::vector<double> xi(d);
    for (size_t p = 0; p < n; ++p) {
      rtk::fill_normals(noise, offset + p, d, xi.data());
      for (int i = 0; i < d; ++i) {
        const size_t k = p * d + i;
        // Inner ULA: z' = z - tau grad g(z) + sqrt(2 tau) xi.
        const double expected = z[k] - tau * grad[k] + std::sqrt(2 * tau) * xi[i];
        CHECK_NEAR(out[k], expected, 1e-14 * (1 + std::fabs(expected)));
      }
    }
  }
}

TEST(ula_step, same_bits_for_any_thread_count_and_split) {
  const size_t n = 1300;
  const int d = 3;
  rtk_test::RandomInputs in(9);
  const std::vector<float> z0(n * d, 0.25f);
  const std::vector<double> g64 = in.normals(n * d);
  const std::vector<float> grad(g64.begin(), g64.end());
  std::vector<float> z;
  const rtk::StreamId noise{2, 0, 1, rtk::Purpose::Noise};
  rtk_test::check_split_invariance(
      n, d, 0, 1025, [&] { z = z0; },
      [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
        rtk::ula_step(pool, b, 0.1, z.data() + row * d, grad.data() + row * d, z.data() + row * d, noise);
      },
      [&] { return z; });
}
