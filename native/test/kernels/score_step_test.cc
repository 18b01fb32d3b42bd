// score_step (kernels/score_step.h): x' = cx x + cs s + cn xi with the DDPM, DDIM, Tweedie and
// probability-flow Euler coefficients, against the rtk-math.md formulas written out here.
#include "rtk/kernels/score_step.h"

#include <cmath>
#include <functional>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "split_invariance.h"

namespace {

using Formula = std::function<long double(long double x, long double s, long double xi)>;

// Runs the batched step on random x, s and compares every value with the formula, evaluated in
// long double with xi the documented noise (fill_normals of the stream, keyed by particle).
template <class Real>
void check_step(const rtk::ScoreStep& c, const Formula& formula, double rel) {
  const size_t n = 37;
  const int d = 7;  // not a multiple of 4: the last Philox block is used in part
  const uint64_t offset = 1000;
  rtk_test::RandomInputs in(17);
  const std::vector<double> x64 = in.normals(n * d, 1.5), s64 = in.normals(n * d, 2.0);
  std::vector<Real> x(x64.begin(), x64.end()), s(s64.begin(), s64.end()), out(n * d);
  const rtk::StreamId noise{11, 2, 3, rtk::Purpose::Noise};
  rtk::ThreadPool pool(2);
  rtk::score_step(pool, rtk::Batch{n, d, offset}, c, x.data(), s.data(), out.data(), noise);
  std::vector<double> xi(d);
  for (size_t p = 0; p < n; ++p) {
    rtk::fill_normals(noise, offset + p, d, xi.data());
    for (int i = 0; i < d; ++i) {
      const size_t k = p * d + i;
      const double expected = static_cast<double>(formula(x[k], s[k], xi[i]));
      CHECK_NEAR(out[k], expected, rel * (1 + std::fabs(expected)));
    }
  }
}

template <class Real>
void check_all_coefficients(double rel) {
  const double pairs[][2] = {{1.3, 0.9}, {5.0, 4.0}, {0.2, 0.0}, {0.0101, 0.01}, {2.0, 1e-3}};
  for (const auto& ab : pairs) {
    const long double a = ab[0], b = ab[1], h = a - b;
    // DDPM: x' = e^h x + 2 (e^h - 1) score + sqrt(e^{2h} - 1) xi.
    check_step<Real>(rtk::ddpm_coefficients(a, b), [&](long double x, long double s, long double xi) {
      return std::exp(h) * x + 2 * (std::exp(h) - 1) * s + std::sqrt(std::exp(2 * h) - 1) * xi;
    }, rel);
    // DDIM: x0hat = e^a (x + (1 - e^{-2a}) s), epshat = -sqrt(1 - e^{-2a}) s,
    // x' = e^{-b} x0hat + sqrt(1 - e^{-2b}) epshat.
    check_step<Real>(rtk::ddim_coefficients(a, b), [&](long double x, long double s, long double) {
      const long double x0hat = std::exp(a) * (x + (1 - std::exp(-2 * a)) * s);
      const long double epshat = -std::sqrt(1 - std::exp(-2 * a)) * s;
      return std::exp(-b) * x0hat + std::sqrt(1 - std::exp(-2 * b)) * epshat;
    }, rel);
    // Euler on the probability-flow ODE dx/dt = -x - score, backwards from a to b.
    check_step<Real>(rtk::pf_euler_coefficients(a, b), [&](long double x, long double s, long double) {
      return x + (b - a) * (-x - s);
    }, rel);
    // Tweedie: x0 = e^t (x + (1 - e^{-2t}) score(x, t)).
    check_step<Real>(rtk::tweedie_coefficients(a), [&](long double x, long double s, long double) {
      return std::exp(a) * (x + (1 - std::exp(-2 * a)) * s);
    }, rel);
  }
  // Langevin on a log-density: x' = x + tau score + sqrt(2 tau) xi.
  check_step<Real>(rtk::langevin_coefficients(0.03, 1.0), [](long double x, long double s, long double xi) {
    return x + 0.03L * s + std::sqrt(2 * 0.03L) * xi;
  }, rel);
}

// The batched step gives score_step_particle's bits (what a GPU thread computes), with noise
// (tiles) and without (one flat loop), on 1 and 2 threads.
template <class Real>
void check_particle_form() {
  const size_t n = 203;
  const int d = 7;
  const uint64_t offset = 40;
  rtk_test::RandomInputs in(23);
  const std::vector<double> x64 = in.normals(n * d, 1.5), s64 = in.normals(n * d, 2.0);
  const std::vector<Real> x(x64.begin(), x64.end()), s(s64.begin(), s64.end());
  const rtk::StreamId noise{4, 1, 2, rtk::Purpose::Noise};
  const rtk::ScoreStep steps[] = {rtk::ddpm_coefficients(1.3, 0.9), rtk::ddim_coefficients(1.3, 0.9),
                                  rtk::tweedie_coefficients(0.4), rtk::pf_euler_coefficients(0.5, 0.45)};
  for (const rtk::ScoreStep& c : steps) {
    std::vector<Real> want(n * d), got(n * d);
    for (size_t p = 0; p < n; ++p)
      rtk::score_step_particle(c, x.data() + p * d, s.data() + p * d, want.data() + p * d, d, noise, offset + p);
    for (int threads : {1, 2}) {
      rtk::ThreadPool pool(threads);
      rtk::score_step(pool, rtk::Batch{n, d, offset}, c, x.data(), s.data(), got.data(), noise);
      CHECK(rtk_test::same_bits(got, want));
    }
  }
}

}  // namespace

TEST(score_step, formulas_in_double) { check_all_coefficients<double>(1e-13); }

TEST(score_step, formulas_in_float) { check_all_coefficients<float>(2e-6); }

TEST(score_step, same_bits_as_the_particle_form_in_double) { check_particle_form<double>(); }

TEST(score_step, same_bits_as_the_particle_form_in_float) { check_particle_form<float>(); }

// DDIM between equal times is the identity, and DDPM's noise has variance e^{2h} - 1.
TEST(score_step, coefficient_limits) {
  const rtk::ScoreStep same = rtk::ddim_coefficients(0.7, 0.7);
  CHECK_NEAR(same.cx, 1.0, 1e-15);
  CHECK_NEAR(same.cs, 0.0, 1e-15);
  CHECK_EQ(same.cn, 0.0);
  const rtk::ScoreStep tiny = rtk::ddpm_coefficients(1.0 + 1e-9, 1.0);
  CHECK_REL(tiny.cn * tiny.cn, std::expm1(2e-9), 1e-6);
  CHECK_REL(tiny.cs, 2e-9, 1e-6);
}

// out may alias x.
TEST(score_step, in_place) {
  const size_t n = 9;
  const int d = 5;
  rtk_test::RandomInputs in(3);
  std::vector<double> x = in.normals(n * d), s = in.normals(n * d), out(n * d);
  const rtk::StreamId noise{1, 0, 0, rtk::Purpose::Noise};
  rtk::ThreadPool pool(1);
  const rtk::ScoreStep c = rtk::ddpm_coefficients(0.5, 0.25);
  rtk::score_step(pool, rtk::Batch{n, d, 0}, c, x.data(), s.data(), out.data(), noise);
  rtk::score_step(pool, rtk::Batch{n, d, 0}, c, x.data(), s.data(), x.data(), noise);
  CHECK(rtk_test::same_bits(x, out));
}

// GCC 12 warns -Wfree-nonheap-object on a result vector's destructor in check_split_invariance
// as inlined here (since the float particle-form check above is compiled into this file): a
// false positive, the pointer is the vector's own allocation.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
// d = 6: the tiles' Philox words drawn a tile ahead; d = 17: two groups of normals, in one go.
TEST(score_step, same_bits_for_any_thread_count_and_split) {
  for (int d : {6, 17}) {
    const size_t n = 1500;
    rtk_test::RandomInputs in(5);
    const std::vector<double> x0 = in.normals(n * d), s = in.normals(n * d);
    std::vector<double> x;
    const rtk::StreamId noise{9, 1, 4, rtk::Purpose::Noise};
    rtk_test::check_split_invariance(
        n, d, 77, 611, [&] { x = x0; },
        [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
          rtk::score_step(pool, b, rtk::ddpm_coefficients(1.0, 0.8), x.data() + row * d, s.data() + row * d,
                          x.data() + row * d, noise);
        },
        [&] { return x; });
  }
}
#pragma GCC diagnostic pop
