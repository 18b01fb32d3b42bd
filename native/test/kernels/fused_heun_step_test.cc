// fused_heun_step (kernels/fused_heun_step.h, run by fused_heun_steps in
// samplers/fused_plain_steps.h): whole probability-flow Heun runs with the built-in mixture give
// the same bits, statistics, checkpoints and errors fused as through evaluate, find_non_finite,
// score_step, evaluate, find_non_finite and heun_update (the mixture hidden behind another
// oracle), in double and float, on any thread count, with partial tiles and groups of one to four
// tiles, grids that end at 0 (an Euler step last) or above it, with and without the final denoise.
#include "rtk/kernels/fused_heun_step.h"

#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "mixture_oracles.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

rtk::Plan heun_plan(size_t n, int d, bool to_zero) {
  rtk::Plan p;
  p.sampler = rtk::SamplerKind::PfHeun;
  p.n = n;
  p.d = d;
  p.seed = 77;
  p.times = {2.0, 1.4, 0.9, 0.5, 0.2, 0.05};
  if (to_zero) p.times.push_back(0.0);
  p.final_denoise = !to_zero;
  return p;
}

// Score evaluations on the grid: two per step, one for a step ending at 0.
int grid_evaluations(const rtk::Plan& plan) {
  int nfe = 0;
  for (size_t k = 0; k + 1 < plan.times.size(); ++k) nfe += plan.times[k + 1] > 0 ? 2 : 1;
  return nfe;
}

// Every grid step ran fused: only the final denoise asked the oracle.
template <class Real>
void check(const rtk::Plan& plan, const rtk::GaussianMixture& m) {
  rtk_test::check_fused_matches_unfused<Real>(plan, m, grid_evaluations(plan));
}

}  // namespace

// n = 2101: three 1024-row blocks, the last ending in a 5-row tile.
TEST(fused_heun_step, same_bits_and_statistics_as_unfused_paper_target) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (bool to_zero : {true, false}) {
    check<double>(heun_plan(2101, 10, to_zero), m);
    check<float>(heun_plan(2101, 10, to_zero), m);
  }
}

TEST(fused_heun_step, same_bits_and_statistics_as_unfused_anisotropic) {
  for (int d : {3, 7, 17}) {
    const rtk::GaussianMixture m = rtk_test::anisotropic_mixture(d);
    check<double>(heun_plan(1003, d, true), m);
    check<float>(heun_plan(1003, d, false), m);
  }
}

// Tiles go four at a time: n = 1032 is a 1024-row block and then one full tile alone, n = 8 a
// batch of one tile, n = 1053 a block and then four tiles, the last of 5 rows, n = 1 one row.
TEST(fused_heun_step, lone_tiles_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (size_t n : {1032, 8, 1053, 1}) check<double>(heun_plan(n, 10, true), m);
}

// The score at x overflows float at a step's start (t = 1e-40): both paths name that step's
// first evaluation (step 0), with the same index and value.
TEST(fused_heun_step, non_finite_score_at_the_start_same_error_as_unfused) {
  rtk::Plan plan = heun_plan(1003, 7, false);
  plan.times = {1e-40, 1e-41};
  plan.final_denoise = false;
  const std::string unfused = rtk_test::run_error<float>(plan, rtk_test::overflowing_mixture_d7(), false);
  CHECK(unfused.find("segment 0, step 0, t = 1e-40") != std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, rtk_test::overflowing_mixture_d7(), true), unfused);
}

// Finite at x (t = 1), overflowing at the Euler predictor (t = 1e-40): both paths name the
// step's second evaluation (step 1).
TEST(fused_heun_step, non_finite_score_at_the_predictor_same_error_as_unfused) {
  rtk::Plan plan = heun_plan(1003, 7, false);
  plan.times = {1.0, 1e-40};
  plan.final_denoise = false;
  const std::string unfused = rtk_test::run_error<float>(plan, rtk_test::overflowing_mixture_d7(), false);
  CHECK(unfused.find("segment 0, step 1, t = 1e-40") != std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, rtk_test::overflowing_mixture_d7(), true), unfused);
}
