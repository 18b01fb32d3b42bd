// buffer_use (samplers/buffer_use.h): every sampler path, fused on the built-in mixture or
// unfused behind an opaque oracle, gives the same bits and statistics with only the buffers
// the table names as with every buffer (a buffer left out that a path needs would be null
// there), and whatever values those buffers hold when the run starts (workspace.h leaves them
// unfilled: a value read before it was written would change the samples or the statistics);
// and the fused paths allocate the arrays the table promises.
#include "rtk/samplers/buffer_use.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <vector>

#include "check.h"
#include "mixture_oracles.h"
#include "rtk/samplers/sample.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

using rtk::SamplerKind;
using rtk::WarmStart;

// A plan on 4 segments / grid steps; RTK plans with the warm start `start` everywhere, or the
// hybrid schedule's shape (two plain DDPM steps, then Tweedie-started chains).
rtk::Plan plan_of(SamplerKind kind, WarmStart start, bool hybrid) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = 300;
  p.d = 10;
  p.seed = 11;
  p.times = {2.0, 1.2, 0.6, 0.25, 0.05};
  const bool rtk_kind = kind == SamplerKind::RtkMala || kind == SamplerKind::RtkMalaEs ||
                        kind == SamplerKind::RtkUld || kind == SamplerKind::RtkUla;
  if (rtk_kind) {
    p.times.back() = 0.0;
    p.steps = hybrid ? std::vector<int>{0, 0, 3, 4} : std::vector<int>{3, 2, 3, 4};
    p.warm_starts = hybrid ? std::vector<WarmStart>{WarmStart::Ddpm, WarmStart::Ddpm, WarmStart::Tweedie,
                                                    WarmStart::Tweedie}
                           : std::vector<WarmStart>(4, start);
  } else if (kind == SamplerKind::Ald) {
    p.steps = {2, 2, 3, 2, 2};
  }
  return p;
}

// One run on the paper target with the buffers `use`, each filled with `fill` before the run:
// fused (the built-in oracle) or unfused.
template <class Real>
rtk_test::MixtureRun<Real> run_with(const rtk::Plan& plan, bool fused, const rtk::BufferUse& use, Real fill) {
  static const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(2);
  rtk::Workspace<Real> w(plan.n, plan.d, use);
  for (auto* b : {&w.x, &w.z, &w.score, &w.grad_g, &w.g, &w.energy, &w.z_prop, &w.score_prop, &w.grad_g_prop,
                  &w.g_prop, &w.aux, &w.aux_score})
    std::fill(b->begin(), b->end(), fill);
  rtk_test::MixtureRun<Real> r;
  r.x.resize(plan.n * plan.d);
  if (fused) {
    rtk::GaussianMixtureOracle<Real> oracle(target, pool);
    r.stats = rtk::sample_in(plan, oracle, pool, rtk::RunHooks{}, 0, w, r.x.data());
  } else {
    rtk_test::OpaqueMixture<Real> oracle(target, pool);
    r.stats = rtk::sample_in(plan, oracle, pool, rtk::RunHooks{}, 0, w, r.x.data());
  }
  return r;
}

// The trimmed buffers against every buffer; and the trimmed buffers filled with NaN, with the
// largest finite value and with its negative against them filled with zeros.
template <class Real>
void check_same_as_every_buffer(const rtk::Plan& plan) {
  for (bool fused : {true, false}) {
    const rtk::BufferUse use = rtk::buffer_use(plan, fused);
    const auto trimmed = run_with<Real>(plan, fused, use, Real{0});
    const auto every = run_with<Real>(plan, fused, rtk::BufferUse{}, Real{0});
    CHECK(rtk_test::same_bits(trimmed.x, every.x));
    CHECK(rtk_test::same_stats(trimmed.stats, every.stats));
    for (Real fill : {std::numeric_limits<Real>::quiet_NaN(), std::numeric_limits<Real>::max(),
                      std::numeric_limits<Real>::lowest()}) {
      const auto filled = run_with<Real>(plan, fused, use, fill);
      CHECK(rtk_test::same_bits(filled.x, trimmed.x));
      CHECK(rtk_test::same_stats(filled.stats, trimmed.stats));
    }
  }
}

// The arrays of n·d values (or the tiled layout's few more) a BufferUse allocates.
int row_arrays(const rtk::BufferUse& u) {
  return 1 + u.z + u.score + u.grad_g + u.z_prop + u.score_prop + u.grad_g_prop + u.aux + u.aux_score;
}

}  // namespace

TEST(buffer_use, every_path_gives_the_bits_of_every_buffer_whatever_they_hold_at_the_start) {
  for (SamplerKind kind : {SamplerKind::RtkMala, SamplerKind::RtkMalaEs, SamplerKind::RtkUld, SamplerKind::RtkUla})
    for (WarmStart start : {WarmStart::Gaussian, WarmStart::Tweedie, WarmStart::Ddpm, WarmStart::Ddim})
      check_same_as_every_buffer<double>(plan_of(kind, start, false));
  for (SamplerKind kind : {SamplerKind::RtkMala, SamplerKind::RtkMalaEs, SamplerKind::RtkUld, SamplerKind::RtkUla})
    check_same_as_every_buffer<double>(plan_of(kind, WarmStart::Tweedie, true));
  rtk::Plan simpson = plan_of(SamplerKind::RtkMalaEs, WarmStart::Tweedie, false);
  simpson.energy_delta = rtk::EnergyDelta::Simpson;
  check_same_as_every_buffer<double>(simpson);
  for (SamplerKind kind : {SamplerKind::Ddpm, SamplerKind::Ddim, SamplerKind::PfHeun, SamplerKind::Ald})
    for (bool denoise : {false, true}) {
      rtk::Plan p = plan_of(kind, WarmStart::Gaussian, false);
      p.final_denoise = denoise;
      check_same_as_every_buffer<double>(p);
    }
  check_same_as_every_buffer<float>(plan_of(SamplerKind::RtkMala, WarmStart::Tweedie, false));
  check_same_as_every_buffer<float>(plan_of(SamplerKind::Ddpm, WarmStart::Gaussian, false));
}

TEST(buffer_use, fused_paths_allocate_no_more_arrays_than_unfused) {
  const rtk::Plan mala = plan_of(SamplerKind::RtkMala, WarmStart::Tweedie, false);
  CHECK_EQ(row_arrays(rtk::buffer_use(mala, true)), 6);
  CHECK_EQ(row_arrays(rtk::buffer_use(mala, false)), 7);
  rtk::Plan ddpm = plan_of(SamplerKind::Ddpm, WarmStart::Gaussian, false);
  ddpm.final_denoise = true;
  CHECK_EQ(row_arrays(rtk::buffer_use(ddpm, true)), 3);
  ddpm.final_denoise = false;
  CHECK_EQ(row_arrays(rtk::buffer_use(ddpm, true)), 2);
  // ULD and ULA fused: z, grad g and the anchor tiled instead of grad g and the secant's point
  // in rows (the same count).
  const rtk::Plan uld = plan_of(SamplerKind::RtkUld, WarmStart::Tweedie, false);
  CHECK_EQ(row_arrays(rtk::buffer_use(uld, true)), 7);
  CHECK_EQ(row_arrays(rtk::buffer_use(uld, false)), 7);
  const rtk::Plan ula = plan_of(SamplerKind::RtkUla, WarmStart::Tweedie, false);
  CHECK_EQ(row_arrays(rtk::buffer_use(ula, true)), 6);
  CHECK_EQ(row_arrays(rtk::buffer_use(ula, false)), 6);
  // Score-only MALA fused: z, the score and the anchor tiled instead of grad g, grad g at the
  // proposal (and, for Simpson's rule, the midpoint and its score).
  rtk::Plan es = plan_of(SamplerKind::RtkMalaEs, WarmStart::Tweedie, false);
  CHECK_EQ(row_arrays(rtk::buffer_use(es, true)), 6);
  CHECK_EQ(row_arrays(rtk::buffer_use(es, false)), 7);
  es.energy_delta = rtk::EnergyDelta::Simpson;
  CHECK_EQ(row_arrays(rtk::buffer_use(es, true)), 6);
  CHECK_EQ(row_arrays(rtk::buffer_use(es, false)), 9);
  // Heun fused: the tiled x (and the score for the final denoise) instead of the score, the
  // Euler predictor and its score.
  rtk::Plan heun = plan_of(SamplerKind::PfHeun, WarmStart::Gaussian, false);
  heun.final_denoise = false;
  CHECK_EQ(row_arrays(rtk::buffer_use(heun, true)), 2);
  CHECK_EQ(row_arrays(rtk::buffer_use(heun, false)), 4);
  CHECK_EQ(row_arrays(rtk::BufferUse{}), 9);
}
