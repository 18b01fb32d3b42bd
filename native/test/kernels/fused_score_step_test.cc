// fused_score_step (kernels/fused_score_step.h): whole DDPM, DDIM and ALD runs with the built-in
// mixture give the same bits and statistics fused as through evaluate + find_non_finite +
// score_step (the mixture hidden behind another oracle), in double and float, on any thread
// count, with partial tiles, groups of one to four tiles (they go four at a time), partial
// noise blocks and one or two groups of normals; the fused runs take the fused path; a non-finite score stops both with the same
// message (same index, same value).
#include "rtk/kernels/fused_score_step.h"

#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "mixture_oracles.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

rtk::Plan baseline_plan(rtk::SamplerKind kind, size_t n, int d) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = n;
  p.d = d;
  p.seed = 4242;
  p.times = {2.0, 1.5, 1.0, 0.6, 0.3, 0.1, 0.02};
  p.final_denoise = true;
  return p;
}

// Only the final denoise asked the oracle: every grid step ran fused.
template <class Real>
void check_fused_matches_unfused(const rtk::Plan& plan, const rtk::GaussianMixture& m) {
  rtk_test::check_fused_matches_unfused<Real>(plan, m, static_cast<int>(plan.times.size()) - 1);
}

// d = 7 (a partial second noise block) and anisotropic variances.
rtk::GaussianMixture anisotropic_mixture(double tiny_variance = 0) {
  const int d = 7;
  std::vector<double> means, variances;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < d; ++i) {
      means.push_back(std::cos(2.0 + j * d + i));
      variances.push_back(tiny_variance > 0 && i == 3 ? tiny_variance : 0.03 + 0.04 * ((j + 2 * i) % 3));
    }
  return rtk::GaussianMixture({0.5, 1.0, 2.0}, means, variances, d);
}

}  // namespace

// n = 2101: three 1024-row blocks, the last ending in a 5-row tile.
TEST(fused_score_step, ddpm_and_ddim_same_bits_as_unfused_paper_target) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (rtk::SamplerKind kind : {rtk::SamplerKind::Ddpm, rtk::SamplerKind::Ddim}) {
    check_fused_matches_unfused<double>(baseline_plan(kind, 2101, 10), m);
    check_fused_matches_unfused<float>(baseline_plan(kind, 2101, 10), m);
  }
}

TEST(fused_score_step, ddpm_and_ddim_same_bits_as_unfused_partial_noise_block) {
  const rtk::GaussianMixture m = anisotropic_mixture();
  for (rtk::SamplerKind kind : {rtk::SamplerKind::Ddpm, rtk::SamplerKind::Ddim}) {
    check_fused_matches_unfused<double>(baseline_plan(kind, 1003, 7), m);
    check_fused_matches_unfused<float>(baseline_plan(kind, 1003, 7), m);
  }
}

// Each tile's normals are drawn in two stages, the Philox words a tile ahead, for d <= 16 (d = 3
// here, 7 and 10 above), and in one go for more (d = 17: two groups of normals).
TEST(fused_score_step, staged_and_whole_noise_same_bits_as_unfused) {
  for (int d : {3, 17})
    check_fused_matches_unfused<double>(baseline_plan(rtk::SamplerKind::Ddpm, 1003, d), rtk_test::anisotropic_mixture(d));
}

// Tiles go four at a time: n = 1032 is a 1024-row block and then one full tile alone, n = 8 a
// batch of one tile, n = 1053 a block and then four tiles, the last of 5 rows. (The other tests'
// batches end in groups of three tiles (n = 2101) and two (1003).)
TEST(fused_score_step, lone_tiles_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (size_t n : {1032, 8, 1053})
    check_fused_matches_unfused<double>(baseline_plan(rtk::SamplerKind::Ddpm, n, 10), m);
}

// A coordinate of variance 1e-60 evaluated at t = 1e-40: precision ~5e39, so the score overflows
// float. Both paths stop at the same grid step, naming the same first index and value.
TEST(fused_score_step, non_finite_score_same_error_as_unfused) {
  const rtk::GaussianMixture m = anisotropic_mixture(1e-60);
  rtk::Plan plan = baseline_plan(rtk::SamplerKind::Ddpm, 1003, 7);
  plan.times = {1.0, 0.5, 1e-40, 0.0};
  plan.final_denoise = false;
  const std::string unfused = rtk_test::run_error<float>(plan, m, false);
  CHECK(unfused.find("non-finite") != std::string::npos);
  CHECK(unfused.find("segment 2") != std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, m, true), unfused);
}

namespace {

// A hybrid RTK plan: plain-step segments (no inner steps; DDIM, then DDPM warm starts) down to
// t = 0.3, then RTK segments with inner chains.
rtk::Plan hybrid_plan(rtk::SamplerKind kind, size_t n, int d) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = n;
  p.d = d;
  p.seed = 99;
  p.times = {3.0, 2.0, 1.2, 0.7, 0.3, 0.12, 0.0};
  p.steps = {0, 0, 0, 0, 4, 5};
  p.warm_starts = {rtk::WarmStart::Ddim, rtk::WarmStart::Ddim, rtk::WarmStart::Ddpm, rtk::WarmStart::Ddim,
                   rtk::WarmStart::Ddpm, rtk::WarmStart::Tweedie};
  return p;
}

template <class Real>
void check_hybrid(rtk::SamplerKind kind, const rtk::GaussianMixture& m) {
  const rtk::Plan plan = hybrid_plan(kind, 2101, m.dim());
  const rtk_test::MixtureRun<Real> unfused = rtk_test::run_mixture<Real>(plan, m, 1, false);
  for (int threads : {1, 2, 3}) {
    const rtk_test::MixtureRun<Real> fused = rtk_test::run_mixture<Real>(plan, m, threads, true);
    CHECK(rtk_test::same_bits(fused.x, unfused.x));
    CHECK(rtk_test::same_stats(fused.stats, unfused.stats));
    // The four plain-step segments never asked the oracle, nor did the two chains' 9 inner steps
    // (nor RTK-MALA's chains' starts).
    const int fused_evaluations = 4 + 9 + (kind == rtk::SamplerKind::RtkMala ? 2 : 0);
    CHECK_EQ(fused.unfused_calls, fused.stats.nfe - fused_evaluations);
  }
}

}  // namespace

// The hybrid schedule's prefix: segments with no inner steps run as fused plain steps.
TEST(fused_score_step, hybrid_prefix_same_bits_and_statistics_as_unfused) {
  const rtk::GaussianMixture paper = rtk::paper_target();
  const rtk::GaussianMixture aniso = anisotropic_mixture();
  for (rtk::SamplerKind kind : {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkUld}) {
    check_hybrid<double>(kind, paper);
    check_hybrid<float>(kind, paper);
    check_hybrid<double>(kind, aniso);
  }
}

// A plain-step segment between chains: x goes tiled into z_prop after a chain has used z_prop
// for its previous point (ULA, ULD) or its proposal (MALA-ES), and the next chain starts from it.
TEST(fused_score_step, plain_step_between_chains_same_bits_and_statistics_as_unfused) {
  const rtk::GaussianMixture m = anisotropic_mixture();
  for (rtk::SamplerKind kind : {rtk::SamplerKind::RtkUla, rtk::SamplerKind::RtkUld, rtk::SamplerKind::RtkMalaEs}) {
    rtk::Plan plan = hybrid_plan(kind, 1003, m.dim());
    plan.times = {2.0, 1.2, 0.7, 0.3, 0.0};
    plan.steps = {3, 0, 4, 3};
    plan.warm_starts = {rtk::WarmStart::Ddim, rtk::WarmStart::Ddpm, rtk::WarmStart::Ddpm, rtk::WarmStart::Tweedie};
    const rtk_test::MixtureRun<double> unfused = rtk_test::run_mixture<double>(plan, m, 1, false);
    for (int threads : {1, 2}) {
      const rtk_test::MixtureRun<double> fused = rtk_test::run_mixture<double>(plan, m, threads, true);
      CHECK(rtk_test::same_bits(fused.x, unfused.x));
      CHECK(rtk_test::same_stats(fused.stats, unfused.stats));
      // The plain step runs fused, except after MALA-ES, whose chain leaves the score at its
      // final point cached for the step (unfused); so do the chains' 10 inner steps.
      CHECK_EQ(fused.unfused_calls, fused.stats.nfe - (kind == rtk::SamplerKind::RtkMalaEs ? 0 : 1) - 10);
    }
  }
}

// Annealed Langevin's steps (levels of one to three steps, the last level at t = 0 without any)
// run fused: the same bits and statistics as the score, its check and score_step in turn.
TEST(fused_score_step, ald_same_bits_and_statistics_as_unfused) {
  const rtk::GaussianMixture paper = rtk::paper_target();
  const rtk::GaussianMixture aniso = anisotropic_mixture();
  for (const rtk::GaussianMixture* m : {&paper, &aniso}) {
    rtk::Plan plan = baseline_plan(rtk::SamplerKind::Ald, 1003, m->dim());
    plan.times = {2.0, 1.0, 0.5, 0.2, 0.05, 0.0};
    plan.steps = {2, 3, 1, 2, 2, 2};
    plan.ald_step_scale = 0.1;
    const int steps = 10;  // the level at t = 0 has tau = 0: no steps
    for (bool denoise : {true, false}) {
      plan.final_denoise = denoise;
      const rtk_test::MixtureRun<double> unfused = rtk_test::run_mixture<double>(plan, *m, 1, false);
      const rtk_test::MixtureRun<float> unfused_f = rtk_test::run_mixture<float>(plan, *m, 1, false);
      for (int threads : {1, 2, 3}) {
        const rtk_test::MixtureRun<double> fused = rtk_test::run_mixture<double>(plan, *m, threads, true);
        CHECK(rtk_test::same_bits(fused.x, unfused.x));
        CHECK(rtk_test::same_stats(fused.stats, unfused.stats));
        CHECK_EQ(fused.unfused_calls, fused.stats.nfe - steps);
        CHECK(rtk_test::same_bits(rtk_test::run_mixture<float>(plan, *m, threads, true).x, unfused_f.x));
      }
    }
  }
}

// ALD's score overflowing float at a level: both paths stop at the same level and step.
TEST(fused_score_step, ald_non_finite_same_error_as_unfused) {
  const rtk::GaussianMixture m = anisotropic_mixture(1e-60);
  rtk::Plan plan = baseline_plan(rtk::SamplerKind::Ald, 1003, 7);
  plan.times = {1.0, 1e-40};
  plan.steps = {2, 3};
  plan.ald_step_scale = 0.1;
  plan.final_denoise = false;
  const std::string unfused = rtk_test::run_error<float>(plan, m, false);
  CHECK(unfused.find("segment 1, step 0") != std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, m, true), unfused);
}

// A non-finite score in a plain-step segment names the segment's warm start, as unfused.
TEST(fused_score_step, hybrid_prefix_non_finite_same_error_as_unfused) {
  const rtk::GaussianMixture m = anisotropic_mixture(1e-60);
  rtk::Plan plan = hybrid_plan(rtk::SamplerKind::RtkMala, 1003, 7);
  plan.times = {1.0, 1e-40, 1e-41, 0.0};
  plan.steps = {0, 0, 3};
  plan.warm_starts = {rtk::WarmStart::Ddim, rtk::WarmStart::Ddpm, rtk::WarmStart::Tweedie};
  const std::string unfused = rtk_test::run_error<float>(plan, m, false);
  CHECK(unfused.find("segment 1, warm start") != std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, m, true), unfused);
}
