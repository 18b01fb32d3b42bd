// fused_mala_step (kernels/fused_mala_step.h) and fused_mala_start (kernels/fused_mala_start.h):
// whole RTK-MALA runs with the built-in mixture give the same bits and statistics fused as
// through the unfused kernels (the mixture behind an oracle that hides it), in double and float,
// on any thread count, with batches that end in a partial tile or in a group of one to four tiles
// (tiles go four at a time), with one to three blocks of normals beside the MH uniform's block
// (the last partial or not) or more, with a fixed or an adapted step size and with the
// projection; the fused runs really take the fused path. Score-only RTK-MALA (RTK-MALA-ES, the
// energy difference by the trapezoid or Simpson's rule) too.
#include "rtk/kernels/fused_mala_step.h"

#include <cmath>
#include <vector>

#include "check.h"
#include "rtk/samplers/sample.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"
#include "mixture_oracles.h"
#include "same_bits.h"

namespace {

rtk::Plan mala_plan(size_t n, int d) {
  rtk::Plan p;
  p.sampler = rtk::SamplerKind::RtkMala;
  p.energy_delta = rtk::EnergyDelta::Exact;
  p.n = n;
  p.d = d;
  p.seed = 77;
  p.times = {2.0, 1.2, 0.6, 0.25, 0.0};
  p.steps = {4, 3, 4, 5};
  p.warm_starts.assign(4, rtk::WarmStart::Tweedie);
  return p;
}

template <class Real>
void check_fused_matches_unfused(const rtk::Plan& plan, const rtk::GaussianMixture& m) {
  const rtk_test::MixtureRun<Real> unfused = rtk_test::run_mixture<Real>(plan, m, 1, false);
  int steps = 0, chains = 0;
  for (int s : plan.steps) {
    steps += s;
    chains += s > 0;
  }
  for (int threads : {1, 2, 3}) {
    const rtk_test::MixtureRun<Real> fused = rtk_test::run_mixture<Real>(plan, m, threads, true);
    CHECK(rtk_test::same_bits(fused.x, unfused.x));
    CHECK(rtk_test::same_stats(fused.stats, unfused.stats));
    // Every inner step and (exact energy) every chain's start was fused (fused_mala_start): the
    // oracle only saw the warm starts that had no score cached and (score-only) the chains'
    // starts.
    const bool exact = plan.sampler == rtk::SamplerKind::RtkMala;
    const int per_step = !exact && plan.energy_delta == rtk::EnergyDelta::Simpson ? 2 : 1;
    CHECK_EQ(fused.unfused_calls, fused.stats.nfe - per_step * steps - (exact ? chains : 0));
  }
  // Both accepts and rejects were frequent, so the test exercises both outcomes.
  double accepted = 0;
  for (const rtk::SegmentStats& s : unfused.stats.segments) accepted += s.accept_rate * s.steps;
  CHECK(accepted / steps > 0.05);
  CHECK(accepted / steps < 0.95);
}

// The plan as score-only MALA with the energy difference `delta`.
rtk::Plan score_only(rtk::Plan p, rtk::EnergyDelta delta) {
  p.sampler = rtk::SamplerKind::RtkMalaEs;
  p.energy_delta = delta;
  return p;
}

constexpr rtk::EnergyDelta kScoreOnly[] = {rtk::EnergyDelta::Trapezoid, rtk::EnergyDelta::Simpson};

}  // namespace

// n = 2101: three 1024-row reduction blocks, the last ending in a 5-row tile.
TEST(fused_mala_step, paper_target_same_bits_as_unfused_double) {
  const rtk::GaussianMixture m = rtk::paper_target();
  check_fused_matches_unfused<double>(mala_plan(2101, 10), m);
}

TEST(fused_mala_step, paper_target_same_bits_as_unfused_float) {
  const rtk::GaussianMixture m = rtk::paper_target();
  check_fused_matches_unfused<float>(mala_plan(2101, 10), m);
}

TEST(fused_mala_step, partial_noise_block_fixed_step_double_and_float) {
  const rtk::GaussianMixture m = rtk_test::anisotropic_mixture_d7();
  rtk::Plan plan = mala_plan(1003, 7);
  plan.step_size = 0.04;
  check_fused_matches_unfused<double>(plan, m);
  check_fused_matches_unfused<float>(plan, m);
}

// The noise's Philox words are drawn a tile ahead of their normals with the uniform's block and
// one to three blocks of normals (d <= 12: d = 10, 7 above, 3 here), and in one go otherwise
// (d = 14).
TEST(fused_mala_step, every_noise_block_count_same_bits_as_unfused) {
  for (int d : {3, 14}) check_fused_matches_unfused<double>(mala_plan(1003, d), rtk_test::anisotropic_mixture(d));
}

// Tiles go four at a time: n = 1032 is a 1024-row block and then one full tile alone, n = 8 a
// batch of one tile, n = 1053 a block and then four tiles, the last of 5 rows. (The other tests'
// batches end in groups of three tiles (n = 2101), two (1003) and one (999).)
TEST(fused_mala_step, lone_tiles_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  check_fused_matches_unfused<double>(mala_plan(1032, 10), m);
  check_fused_matches_unfused<double>(mala_plan(8, 10), m);
  check_fused_matches_unfused<double>(mala_plan(1053, 10), m);
}

// A projection radius that turns down a visible share of the proposals.
TEST(fused_mala_step, projection_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  rtk::Plan plan = mala_plan(999, 10);
  plan.step_size = 0.01;
  plan.projection_radius = 0.75;
  check_fused_matches_unfused<double>(plan, m);
  const rtk_test::MixtureRun<double> projected = rtk_test::run_mixture<double>(plan, m, 2, true);
  plan.projection_radius = INFINITY;
  const rtk_test::MixtureRun<double> free = rtk_test::run_mixture<double>(plan, m, 2, true);
  CHECK(projected.stats.segments.back().accept_rate < free.stats.segments.back().accept_rate - 0.2);
}

// The warm starts the chain's start computes (Tweedie, above, and DDIM) and those it does not
// (Gaussian, DDPM: score_step with noise), each with the unfused path's bits.
TEST(fused_mala_step, every_warm_start_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (rtk::WarmStart start : {rtk::WarmStart::Ddim, rtk::WarmStart::Ddpm, rtk::WarmStart::Gaussian}) {
    rtk::Plan plan = mala_plan(1003, 10);
    plan.warm_starts.assign(4, start);
    check_fused_matches_unfused<double>(plan, m);
  }
}

// Score-only MALA, both rules, double and float (the midpoint's sum in float arithmetic).
TEST(fused_mala_step, score_only_paper_target_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (rtk::EnergyDelta delta : kScoreOnly) {
    check_fused_matches_unfused<double>(score_only(mala_plan(2101, 10), delta), m);
    check_fused_matches_unfused<float>(score_only(mala_plan(2101, 10), delta), m);
  }
}

// Score-only MALA with d = 7 (fixed step), 3 and 14 (the noise's blocks drawn ahead or in one
// go), lone tiles and groups of one to four, Gaussian and DDPM warm starts and the projection.
TEST(fused_mala_step, score_only_shapes_and_options_same_bits_as_unfused) {
  const rtk::GaussianMixture paper = rtk::paper_target();
  for (rtk::EnergyDelta delta : kScoreOnly) {
    rtk::Plan fixed = score_only(mala_plan(1003, 7), delta);
    fixed.step_size = 0.04;
    check_fused_matches_unfused<double>(fixed, rtk_test::anisotropic_mixture_d7());
    check_fused_matches_unfused<float>(fixed, rtk_test::anisotropic_mixture_d7());
    for (int d : {3, 14})
      check_fused_matches_unfused<double>(score_only(mala_plan(1003, d), delta), rtk_test::anisotropic_mixture(d));
    for (size_t n : {1032, 8, 1053}) check_fused_matches_unfused<double>(score_only(mala_plan(n, 10), delta), paper);
    for (rtk::WarmStart start : {rtk::WarmStart::Ddpm, rtk::WarmStart::Gaussian}) {
      rtk::Plan plan = score_only(mala_plan(1003, 10), delta);
      plan.warm_starts.assign(4, start);
      check_fused_matches_unfused<double>(plan, paper);
    }
    rtk::Plan projected = score_only(mala_plan(999, 10), delta);
    projected.step_size = 0.01;
    projected.projection_radius = 0.75;
    check_fused_matches_unfused<double>(projected, paper);
  }
}
