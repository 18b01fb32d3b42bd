// fused_unadjusted_step (kernels/fused_unadjusted_step.h, run by samplers/fused_unadjusted_chain.h):
// whole RTK-ULA and RTK-ULD runs with the built-in mixture give the same bits, statistics
// (the step sizes and frictions the secants set), checkpoints and errors fused as through the
// unfused loop (the mixture hidden behind another oracle), in double and float, on any thread
// count, with partial tiles, groups of one to four tiles, one or two groups of normals, chains
// of one step and fixed step sizes; the fused runs take the fused path.
#include "rtk/kernels/fused_unadjusted_step.h"

#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "mixture_oracles.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

using rtk::SamplerKind;
using rtk::WarmStart;

// Four RTK segments down to t = 0 with chains of 3, 1 (a first pass and the last move only), 4
// and 5 steps, all started from `start`.
rtk::Plan chain_plan(SamplerKind kind, WarmStart start, size_t n, int d) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = n;
  p.d = d;
  p.seed = 4242;
  p.times = {2.0, 1.2, 0.6, 0.25, 0.0};
  p.steps = {3, 1, 4, 5};
  p.warm_starts = std::vector<WarmStart>(4, start);
  return p;
}

int inner_steps(const rtk::Plan& plan) {
  int steps = 0;
  for (int s : plan.steps) steps += s;
  return steps;
}

// Only the warm starts' scores asked the oracle: every chain step ran fused.
template <class Real>
void check(const rtk::Plan& plan, const rtk::GaussianMixture& m) {
  rtk_test::check_fused_matches_unfused<Real>(plan, m, inner_steps(plan));
}

// Progress as the run reports it, one entry per checkpoint.
struct Checkpoint {
  int segment, step, steps, nfe;
  bool operator==(const Checkpoint& o) const {
    return segment == o.segment && step == o.step && steps == o.steps && nfe == o.nfe;
  }
};

template <class Oracle>
std::vector<Checkpoint> checkpoints_of(const rtk::Plan& plan, const rtk::GaussianMixture& m, int cancel_at) {
  rtk::ThreadPool pool(2);
  Oracle oracle(m, pool);
  std::vector<Checkpoint> seen;
  rtk::RunHooks hooks;
  hooks.progress = [&](const rtk::Progress& p) { seen.push_back({p.segment, p.step, p.steps, p.nfe_spent}); };
  hooks.cancelled = [&] { return static_cast<int>(seen.size()) == cancel_at; };
  std::vector<double> x(plan.n * plan.d);
  try {
    rtk::sample(plan, oracle, pool, hooks, 0, x.data());
  } catch (const rtk::RunCancelled&) {
    seen.push_back({-1, -1, -1, -1});
  }
  return seen;
}

}  // namespace

// n = 2101: three 1024-row blocks (the secants' blocks), the last ending in a 5-row tile.
TEST(fused_unadjusted_step, same_bits_and_statistics_as_unfused_paper_target) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld})
    for (WarmStart start : {WarmStart::Gaussian, WarmStart::Tweedie}) {
      check<double>(chain_plan(kind, start, 2101, 10), m);
      check<float>(chain_plan(kind, start, 2101, 10), m);
    }
}

// d = 7: a partial second Philox block of normals, fewer components than dimensions.
TEST(fused_unadjusted_step, same_bits_and_statistics_as_unfused_anisotropic) {
  const rtk::GaussianMixture m = rtk_test::anisotropic_mixture_d7();
  for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld}) {
    check<double>(chain_plan(kind, WarmStart::Ddpm, 1003, 7), m);
    check<float>(chain_plan(kind, WarmStart::Ddim, 1003, 7), m);
  }
}

// d = 3 and d = 17 (two groups of normals per stream).
TEST(fused_unadjusted_step, few_and_many_dimensions_same_bits_as_unfused) {
  for (int d : {3, 17})
    for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld})
      check<double>(chain_plan(kind, WarmStart::Tweedie, 1003, d),
                                          rtk_test::anisotropic_mixture(d));
}

// Tiles go four at a time: n = 1032 is a 1024-row block and then one full tile alone, n = 8 a
// batch of one tile, n = 1053 a block and then four tiles, the last of 5 rows, n = 1 one row.
TEST(fused_unadjusted_step, lone_tiles_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (size_t n : {1032, 8, 1053, 1})
    for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld})
      check<double>(chain_plan(kind, WarmStart::Gaussian, n, 10), m);
}

// A fixed step size (and for ULD a fixed friction): no secant moves the curvature, and ULA's
// noise-free step (a zero step size) is score_step without noise.
TEST(fused_unadjusted_step, fixed_step_sizes_same_bits_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  rtk::Plan uld = chain_plan(SamplerKind::RtkUld, WarmStart::Tweedie, 1003, 10);
  uld.step_size = 0.05;
  uld.friction = 3.0;
  check<double>(uld, m);
  uld.friction = 0;  // the step size fixed, the friction from the secants
  check<double>(uld, m);
  rtk::Plan ula = chain_plan(SamplerKind::RtkUla, WarmStart::Tweedie, 1003, 10);
  ula.step_size = 0.01;
  check<double>(ula, m);
}

// The same checkpoints in the same order, with the NFE spent at each, and a cancellation at
// any of them ends both runs there.
TEST(fused_unadjusted_step, same_checkpoints_and_cancellation_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld}) {
    const rtk::Plan plan = chain_plan(kind, WarmStart::Tweedie, 300, 10);
    const auto unfused = checkpoints_of<rtk_test::OpaqueMixture<double>>(plan, m, -1);
    CHECK_EQ(unfused.size(), static_cast<size_t>(4 + inner_steps(plan)));
    CHECK(checkpoints_of<rtk::GaussianMixtureOracle<double>>(plan, m, -1) == unfused);
    for (int cancel_at : {1, 2, 5, 9}) {
      const auto cancelled = checkpoints_of<rtk_test::OpaqueMixture<double>>(plan, m, cancel_at);
      CHECK_EQ(cancelled.size(), static_cast<size_t>(cancel_at + 1));
      CHECK(checkpoints_of<rtk::GaussianMixtureOracle<double>>(plan, m, cancel_at) == cancelled);
    }
  }
}

// A coordinate of variance 1e-60 evaluated at t = 1e-40 (precision ~5e39): the score overflows
// float at the chain's first point. Both paths stop there, naming the same index and value.
TEST(fused_unadjusted_step, non_finite_score_at_the_start_same_error_as_unfused) {
  const rtk::GaussianMixture m = rtk_test::overflowing_mixture_d7();
  for (SamplerKind kind : {SamplerKind::RtkUla, SamplerKind::RtkUld}) {
    rtk::Plan plan = chain_plan(kind, WarmStart::Gaussian, 1003, 7);
    plan.times = {1.0, 1e-40};
    plan.steps = {3};
    plan.warm_starts = {WarmStart::Gaussian};
    const std::string unfused = rtk_test::run_error<float>(plan, m, false);
    CHECK(unfused.find("segment 0, step 0") != std::string::npos);
    CHECK_EQ(rtk_test::run_error<float>(plan, m, true), unfused);
  }
}

// ULA with a step size far past stability: the chain blows up within a few steps, and both
// paths stop at the same later step (a pass that moved, then evaluated), index and value.
TEST(fused_unadjusted_step, non_finite_score_after_moves_same_error_as_unfused) {
  const rtk::GaussianMixture m = rtk::paper_target();
  rtk::Plan plan = chain_plan(SamplerKind::RtkUla, WarmStart::Gaussian, 1003, 10);
  plan.times = {1.0, 0.5};
  plan.steps = {40};
  plan.warm_starts = {WarmStart::Gaussian};
  plan.step_size = 1e4;
  const std::string unfused = rtk_test::run_error<float>(plan, m, false);
  CHECK(unfused.find("non-finite") != std::string::npos);
  CHECK(unfused.find("step 0,") == std::string::npos);
  CHECK_EQ(rtk_test::run_error<float>(plan, m, true), unfused);
}
