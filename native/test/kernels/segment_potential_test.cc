// segment_potential (kernels/segment_potential.h): the RTK segment target of Algorithm 1,
//   g(z) = energy(z, t) + ||x - e^{-eta} z||^2 / (2 sigma2),  sigma2 = 1 - e^{-2 eta}
//   grad g(z) = -score(z, t) + e^{-eta} (e^{-eta} z - x) / sigma2.
#include "rtk/kernels/segment_potential.h"

#include <cmath>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "rtk/targets/gaussian_mixture.h"

TEST(segment_potential, coefficients) {
  for (double eta : {1e-8, 0.01, 0.3, 2.0}) {
    const rtk::SegmentPotential s = rtk::segment_potential(eta);
    CHECK_REL(s.decay, std::exp(-eta), 1e-15);
    // sigma2 = 1 - e^{-2 eta}, accurate even for tiny eta (2 eta - 2 eta^2 + ...).
    const long double sigma2 = 1 - std::exp(-2.0L * eta);
    CHECK_REL(s.sigma2, static_cast<double>(sigma2), 1e-12);
  }
}

TEST(segment_potential, formula) {
  const size_t n = 19;
  const int d = 5;
  rtk_test::RandomInputs in(21);
  const std::vector<double> anchor = in.normals(n * d), z = in.normals(n * d, 2.0), score = in.normals(n * d, 3.0),
                            energy = in.normals(n, 4.0);
  std::vector<double> grad(n * d), g(n);
  rtk::ThreadPool pool(2);
  for (double eta : {0.05, 0.4, 1.5}) {
    rtk::segment_potential_batch(pool, rtk::Batch{n, d, 0}, rtk::segment_potential(eta), anchor.data(), z.data(),
                                 score.data(), energy.data(), grad.data(), g.data());
    const double decay = std::exp(-eta), sigma2 = 1 - std::exp(-2 * eta);
    for (size_t p = 0; p < n; ++p) {
      double quad = 0;
      for (int i = 0; i < d; ++i) {
        const size_t k = p * d + i;
        quad += (anchor[k] - decay * z[k]) * (anchor[k] - decay * z[k]);
        // grad g(z) = -score(z, t) + e^{-eta} (e^{-eta} z - x) / sigma2.
        const double expected = -score[k] + decay * (decay * z[k] - anchor[k]) / sigma2;
        CHECK_NEAR(grad[k], expected, 1e-13 * (1 + std::fabs(expected)));
      }
      // g(z) = energy(z, t) + ||x - e^{-eta} z||^2 / (2 sigma2).
      const double expected_g = energy[p] + quad / (2 * sigma2);
      CHECK_NEAR(g[p], expected_g, 1e-13 * (1 + std::fabs(expected_g)));
    }
  }
}

// Score-only use: energy and g null; grad g written, nothing else touched. The score and
// grad g arrays may be the same buffer (Simpson's midpoint reuses it).
TEST(segment_potential, score_only_and_in_place) {
  const size_t n = 7;
  const int d = 3;
  rtk_test::RandomInputs in(22);
  const std::vector<double> anchor = in.normals(n * d), z = in.normals(n * d), score = in.normals(n * d);
  std::vector<double> grad(n * d), inplace = score;
  rtk::ThreadPool pool(1);
  const rtk::SegmentPotential s = rtk::segment_potential(0.2);
  rtk::segment_potential_batch(pool, rtk::Batch{n, d, 0}, s, anchor.data(), z.data(), score.data(),
                               static_cast<const double*>(nullptr), grad.data(), static_cast<double*>(nullptr));
  rtk::segment_potential_batch(pool, rtk::Batch{n, d, 0}, s, anchor.data(), z.data(), inplace.data(),
                               static_cast<const double*>(nullptr), inplace.data(), static_cast<double*>(nullptr));
  CHECK(grad == inplace);
}

// The Gaussian factor alone (score 0) is N(e^eta x, (e^{2 eta} - 1) I): grad g = (z - e^eta x) / (e^{2 eta} - 1).
TEST(segment_potential, gaussian_factor) {
  const int d = 4;
  rtk_test::RandomInputs in(23);
  const std::vector<double> anchor = in.normals(d), z = in.normals(d), zero(d, 0.0);
  std::vector<double> grad(d);
  const double eta = 0.35;
  rtk::segment_potential_particle(rtk::segment_potential(eta), anchor.data(), z.data(), zero.data(),
                                  static_cast<const double*>(nullptr), grad.data(), static_cast<double*>(nullptr), d);
  for (int i = 0; i < d; ++i)
    CHECK_NEAR(grad[i], (z[i] - std::exp(eta) * anchor[i]) / std::expm1(2 * eta), 1e-13);
}

// With a real target, grad g is the gradient of g: central differences of g match it.
TEST(segment_potential, gradient_of_g) {
  const int d = 3;
  const rtk::GaussianMixture mixture({1.0, 2.0}, {0.5, -0.2, 1.0, -0.7, 0.3, 0.0}, {0.3, 0.5, 0.2, 0.4, 0.1, 0.6}, d);
  const rtk::SegmentPotential s = rtk::segment_potential(0.25);
  const double t = 0.4;
  const std::vector<double> anchor{0.3, -0.4, 0.8}, z{0.1, 0.2, -0.3};
  rtk::ThreadPool pool(1);
  auto g_at = [&](const std::vector<double>& point, std::vector<double>* grad) {
    std::vector<double> score(d), energy(1), gr(d), g(1);
    mixture.evaluate(pool, point.data(), 1, t, score.data(), energy.data());
    rtk::segment_potential_particle(s, anchor.data(), point.data(), score.data(), energy.data(), gr.data(), g.data(),
                                    d);
    if (grad) *grad = gr;
    return g[0];
  };
  std::vector<double> grad;
  g_at(z, &grad);
  const double h = 1e-5;
  for (int i = 0; i < d; ++i) {
    std::vector<double> up = z, down = z;
    up[i] += h;
    down[i] -= h;
    const double fd = (g_at(up, nullptr) - g_at(down, nullptr)) / (2 * h);
    CHECK_NEAR(grad[i], fd, 1e-6 * (1 + std::fabs(fd)));
  }
}
