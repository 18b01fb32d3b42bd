// rtk::sample (samplers/sample.h): every SamplerKind gives bit-identical samples and statistics
// with 1, 2 or 3 threads; NFE and energy evaluations are counted exactly as spent; cancellation,
// progress and non-finite scores behave as documented.
#include "rtk/samplers/sample.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include "check.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"
#include "same_bits.h"

namespace {

bool is_rtk(rtk::SamplerKind kind) {
  return kind == rtk::SamplerKind::RtkMala || kind == rtk::SamplerKind::RtkMalaEs ||
         kind == rtk::SamplerKind::RtkUld || kind == rtk::SamplerKind::RtkUla;
}

// A small plan of each kind: RTK with 4 segments to t = 0, baselines on a grid ending at 0.02
// with a final Tweedie denoise, ALD on 4 levels.
rtk::Plan small_plan(rtk::SamplerKind kind, size_t n) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = n;
  p.d = 10;
  p.seed = 2024;
  if (is_rtk(kind)) {
    p.times = {2.0, 1.2, 0.6, 0.25, 0.0};
    p.steps = {4, 3, 4, 5};
  } else if (kind == rtk::SamplerKind::Ald) {
    p.times = {1.0, 0.5, 0.2, 0.05};
    p.steps = {3, 2, 3, 2};
    p.final_denoise = true;
  } else {
    p.times = {2.0, 1.5, 1.0, 0.6, 0.3, 0.1, 0.02};
    p.final_denoise = true;
  }
  return p;
}

const rtk::SamplerKind kAllKinds[] = {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkMalaEs,
                                      rtk::SamplerKind::RtkUld,  rtk::SamplerKind::RtkUla,
                                      rtk::SamplerKind::Ddpm,    rtk::SamplerKind::Ddim,
                                      rtk::SamplerKind::PfHeun,  rtk::SamplerKind::Ald};

struct Run {
  std::vector<double> x;
  rtk::Stats stats;
};

Run run_plan(const rtk::Plan& plan, int threads) {
  static const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(threads);
  rtk::GaussianMixtureOracle<double> oracle(target, pool);
  Run r;
  r.x.resize(plan.n * plan.d);
  r.stats = rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, r.x.data());
  return r;
}

bool same_stats(const rtk::Stats& a, const rtk::Stats& b) {
  if (a.nfe != b.nfe || a.energy_evals != b.energy_evals || a.segments.size() != b.segments.size()) return false;
  for (size_t k = 0; k < a.segments.size(); ++k) {
    const rtk::SegmentStats &s = a.segments[k], &t = b.segments[k];
    if (s.t_start != t.t_start || s.t != t.t || s.steps != t.steps || s.nfe != t.nfe ||
        s.energy_evals != t.energy_evals || s.accept_rate != t.accept_rate || s.step_size != t.step_size ||
        s.friction != t.friction)
      return false;
  }
  return true;
}

bool all_finite(const std::vector<double>& x) {
  for (double v : x)
    if (!std::isfinite(v)) return false;
  return true;
}

void check_thread_independent(const rtk::Plan& plan) {
  const Run one = run_plan(plan, 1);
  CHECK(all_finite(one.x));
  for (int threads : {2, 3}) {
    const Run other = run_plan(plan, threads);
    CHECK(rtk_test::same_bits(other.x, one.x));
    CHECK(same_stats(other.stats, one.stats));
  }
}

}  // namespace

// n = 2100 rows: several 1024-row blocks for the MH and curvature reductions.
TEST(sample, same_bits_for_any_thread_count) {
  for (rtk::SamplerKind kind : kAllKinds) check_thread_independent(small_plan(kind, 2100));
}

TEST(sample, same_bits_for_any_thread_count_variants) {
  for (rtk::WarmStart start : {rtk::WarmStart::Tweedie, rtk::WarmStart::Ddpm}) {
    rtk::Plan p = small_plan(rtk::SamplerKind::RtkMala, 1500);
    p.warm_starts.assign(p.times.size() - 1, start);
    check_thread_independent(p);
  }
  rtk::Plan simpson = small_plan(rtk::SamplerKind::RtkMalaEs, 1500);
  simpson.energy_delta = rtk::EnergyDelta::Simpson;
  simpson.projection_radius = 1.0;
  check_thread_independent(simpson);
  rtk::Plan fixed = small_plan(rtk::SamplerKind::RtkUld, 1500);
  fixed.step_size = 0.05;
  fixed.friction = 3.0;
  check_thread_independent(fixed);
}

// The seed matters (the determinism test above cannot pass by ignoring the RNG).
TEST(sample, seed_changes_the_samples) {
  for (rtk::SamplerKind kind : {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkUld, rtk::SamplerKind::Ddpm}) {
    rtk::Plan p = small_plan(kind, 50);
    const Run a = run_plan(p, 1);
    p.seed += 1;
    const Run b = run_plan(p, 1);
    CHECK(!rtk_test::same_bits(a.x, b.x));
  }
  // DDIM is deterministic given its start, but the start is seeded.
  rtk::Plan p = small_plan(rtk::SamplerKind::Ddim, 50);
  const Run a = run_plan(p, 1);
  p.seed += 1;
  CHECK(!rtk_test::same_bits(a.x, run_plan(p, 1).x));
}

// NFE = batched score evaluations, energy evaluations counted separately (rtk-math.md).
TEST(sample, nfe_accounting) {
  const size_t n = 40;
  struct Case {
    rtk::SamplerKind kind;
    rtk::WarmStart start;
    rtk::EnergyDelta delta;
    int nfe, energy;
  };
  // RTK segments have steps {4, 3, 4, 5} (16 in all, K = 4). MALA: 1 NFE at the warm start and 1
  // a step (Simpson: 2 a step); Tweedie / DDPM warm starts add 1 once (MALA caches the score),
  // 1 a segment for ULD / ULA. Baselines: 6 grid steps then the final denoise.
  const Case cases[] = {
      {rtk::SamplerKind::RtkMala, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 4 + 16, 4 + 16},
      {rtk::SamplerKind::RtkMala, rtk::WarmStart::Tweedie, rtk::EnergyDelta::Trapezoid, 1 + 4 + 16, 4 + 16},
      {rtk::SamplerKind::RtkMala, rtk::WarmStart::Ddpm, rtk::EnergyDelta::Trapezoid, 1 + 4 + 16, 4 + 16},
      {rtk::SamplerKind::RtkMalaEs, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 4 + 16, 0},
      {rtk::SamplerKind::RtkMalaEs, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Simpson, 4 + 2 * 16, 0},
      {rtk::SamplerKind::RtkUld, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 16, 0},
      {rtk::SamplerKind::RtkUld, rtk::WarmStart::Tweedie, rtk::EnergyDelta::Trapezoid, 4 + 16, 0},
      {rtk::SamplerKind::RtkUla, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 16, 0},
      {rtk::SamplerKind::Ddpm, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 6 + 1, 0},
      {rtk::SamplerKind::Ddim, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 6 + 1, 0},
      {rtk::SamplerKind::PfHeun, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 2 * 6 + 1, 0},
      {rtk::SamplerKind::Ald, rtk::WarmStart::Gaussian, rtk::EnergyDelta::Trapezoid, 3 + 2 + 3 + 2 + 1, 0},
  };
  for (const Case& c : cases) {
    rtk::Plan p = small_plan(c.kind, n);
    p.warm_starts.assign(p.times.size() - 1, c.start);
    p.energy_delta = c.delta;
    const Run r = run_plan(p, 1);
    CHECK_EQ(r.stats.nfe, c.nfe);
    CHECK_EQ(r.stats.energy_evals, c.energy);
    int nfe = 0, energy = 0;
    for (const rtk::SegmentStats& s : r.stats.segments) {
      nfe += s.nfe;
      energy += s.energy_evals;
    }
    CHECK_EQ(nfe, r.stats.nfe);
    CHECK_EQ(energy, r.stats.energy_evals);
    const size_t grid = p.times.size();
    const size_t expected_segments =
        is_rtk(c.kind) ? grid - 1 : (c.kind == rtk::SamplerKind::Ald ? grid : grid - 1) + (p.final_denoise ? 1 : 0);
    CHECK_EQ(r.stats.segments.size(), expected_segments);
  }
  // Heun's last step to t = 0 is a single Euler step (1 NFE), and no denoise follows at 0.
  rtk::Plan heun = small_plan(rtk::SamplerKind::PfHeun, n);
  heun.times.back() = 0.0;
  CHECK_EQ(run_plan(heun, 1).stats.nfe, 2 * 5 + 1);
}

TEST(sample, mala_statistics_are_reported) {
  const Run r = run_plan(small_plan(rtk::SamplerKind::RtkMala, 500), 2);
  REQUIRE(r.stats.segments.size() == 4);
  for (const rtk::SegmentStats& s : r.stats.segments) {
    CHECK(s.accept_rate > 0.0 && s.accept_rate < 1.0);
    CHECK(s.step_size > 0.0);
    CHECK_NEAR(s.eta, s.t_start - s.t, 1e-15);
  }
  const Run u = run_plan(small_plan(rtk::SamplerKind::RtkUld, 500), 2);
  for (const rtk::SegmentStats& s : u.stats.segments) {
    CHECK_EQ(s.accept_rate, -1.0);
    CHECK(s.friction > 0.0 && s.step_size > 0.0);
  }
}

TEST(sample, cancellation_and_progress) {
  const rtk::Plan plan = small_plan(rtk::SamplerKind::RtkMala, 30);
  const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(1);
  rtk::GaussianMixtureOracle<double> oracle(target, pool);
  std::vector<double> out(plan.n * plan.d);
  int polls = 0, reports = 0, last_nfe = -1;
  bool monotone = true, budget_passed = true;
  rtk::RunHooks hooks;
  hooks.cancelled = [&] { return ++polls > 6; };
  hooks.progress = [&](const rtk::Progress& p) {
    ++reports;
    monotone = monotone && p.nfe_spent >= last_nfe;
    budget_passed = budget_passed && p.nfe_budget == 99 && p.segments == 4;
    last_nfe = p.nfe_spent;
  };
  CHECK_THROWS(rtk::RunCancelled, rtk::sample(plan, oracle, pool, hooks, 99, out.data()));
  CHECK_EQ(polls, 7);
  CHECK_EQ(reports, 6);
  CHECK(monotone);
  CHECK(budget_passed);
}

namespace {

// The paper target's score with NaN for particle 0 (a broken user model), on every call except
// the listed ones.
class PoisonedOracle : public rtk::ScoreOracle<double> {
 public:
  PoisonedOracle(const rtk::GaussianMixture& m, rtk::ThreadPool& pool, std::vector<int> clean_calls)
      : inner_(m, pool), clean_(std::move(clean_calls)) {}
  int dim() const override { return inner_.dim(); }
  bool has_energy() const override { return true; }
  void evaluate(const double* x, size_t n, double t, double* score, double* energy) override {
    inner_.evaluate(x, n, t, score, energy);
    if (std::find(clean_.begin(), clean_.end(), calls_++) != clean_.end()) return;
    score[0] = std::numeric_limits<double>::quiet_NaN();
    if (energy) energy[0] = std::numeric_limits<double>::quiet_NaN();
  }

 private:
  rtk::GaussianMixtureOracle<double> inner_;
  std::vector<int> clean_;
  int calls_ = 0;
};

}  // namespace

// Where no MH test can reject a non-finite score (baselines, ULD, ULA, and the start of every
// MALA chain) the run stops with SamplerError.
TEST(sample, non_finite_scores_stop_the_run) {
  const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(1);
  for (rtk::SamplerKind kind : kAllKinds) {
    PoisonedOracle oracle(target, pool, {});
    const rtk::Plan plan = small_plan(kind, 20);
    std::vector<double> out(plan.n * plan.d);
    CHECK_THROWS(rtk::SamplerError, rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, out.data()));
  }
}

// MALA rejects what a non-finite proposal score gives: the run completes, every sample is finite,
// and with a fixed step size (no batch-wide adaptation) only the poisoned particle differs
// from a clean run.
TEST(sample, mala_rejects_non_finite_proposals) {
  const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(1);
  for (rtk::SamplerKind kind : {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkMalaEs}) {
    rtk::Plan plan = small_plan(kind, 20);  // steps {4, 3, 4, 5}: chain starts at calls 0, 5, 9, 14
    plan.step_size = 0.01;
    PoisonedOracle poisoned(target, pool, {0, 5, 9, 14});
    std::vector<double> out(plan.n * plan.d), clean_out(plan.n * plan.d);
    rtk::Stats stats, clean_stats;
    try {
      stats = rtk::sample(plan, poisoned, pool, rtk::RunHooks{}, 0, out.data());
    } catch (const std::exception& e) {
      rtk_test::fail(__FILE__, __LINE__, std::string("threw: ") + e.what());
    }
    rtk::GaussianMixtureOracle<double> clean(target, pool);
    clean_stats = rtk::sample(plan, clean, pool, rtk::RunHooks{}, 0, clean_out.data());
    CHECK(all_finite(out));
    const size_t d = static_cast<size_t>(plan.d);
    CHECK(!std::equal(out.begin(), out.begin() + d, clean_out.begin()));
    CHECK(std::equal(out.begin() + d, out.end(), clean_out.begin() + d));
    REQUIRE(stats.segments.size() == clean_stats.segments.size());
    for (size_t k = 0; k < stats.segments.size(); ++k)
      CHECK(stats.segments[k].accept_rate < clean_stats.segments[k].accept_rate);
  }
}
