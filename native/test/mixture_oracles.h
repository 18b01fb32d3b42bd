// Two oracles around the built-in mixture for the fused-kernel tests, one that hides it (every
// step runs unfused) and one that counts the batched evaluations the samplers still ask of it,
// a run of a plan with either, the comparison of two runs' statistics and errors, and small
// anisotropic mixtures.
#pragma once
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "check.h"
#include "same_bits.h"

#include "rtk/samplers/sample.h"
#include "rtk/targets/gaussian_mixture.h"

namespace rtk_test {

// A mixture in d dimensions with three components and anisotropic variances.
inline rtk::GaussianMixture anisotropic_mixture(int d) {
  std::vector<double> means, variances;
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < d; ++i) {
      means.push_back(std::sin(1.0 + j * d + i));
      variances.push_back(0.02 + 0.05 * ((j + i) % 4));
    }
  return rtk::GaussianMixture({1.0, 2.0, 0.5}, means, variances, d);
}

// The mixture in d = 7 (two Philox blocks, the second partial; fewer components than dimensions).
inline rtk::GaussianMixture anisotropic_mixture_d7() { return anisotropic_mixture(7); }

// The mixture as any other oracle: no built_in_mixture(), so every step runs unfused.
template <class Real>
class OpaqueMixture : public rtk::ScoreOracle<Real> {
 public:
  OpaqueMixture(const rtk::GaussianMixture& m, rtk::ThreadPool& pool) : mixture_(m), pool_(pool) {}
  int dim() const override { return mixture_.dim(); }
  bool has_energy() const override { return true; }
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override {
    mixture_.evaluate(pool_, x, n, t, score, energy);
  }

 private:
  const rtk::GaussianMixture& mixture_;
  rtk::ThreadPool& pool_;
};

// The built-in oracle, counting the batched evaluations that did not go through a fused kernel.
template <class Real>
class CountingMixture : public rtk::GaussianMixtureOracle<Real> {
 public:
  using rtk::GaussianMixtureOracle<Real>::GaussianMixtureOracle;
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override {
    ++calls;
    rtk::GaussianMixtureOracle<Real>::evaluate(x, n, t, score, energy);
  }
  int calls = 0;
};

// One run of the plan on the mixture: fused (the built-in oracle, counting what it is still
// asked) or unfused (the mixture hidden).
template <class Real>
struct MixtureRun {
  std::vector<Real> x;
  rtk::Stats stats;
  int unfused_calls = 0;
};

template <class Real>
MixtureRun<Real> run_mixture(const rtk::Plan& plan, const rtk::GaussianMixture& m, int threads, bool fused) {
  rtk::ThreadPool pool(threads);
  MixtureRun<Real> r;
  r.x.resize(plan.n * plan.d);
  if (fused) {
    CountingMixture<Real> oracle(m, pool);
    r.stats = rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, r.x.data());
    r.unfused_calls = oracle.calls;
  } else {
    OpaqueMixture<Real> oracle(m, pool);
    r.stats = rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, r.x.data());
  }
  return r;
}

// Whether two runs report the same statistics, run-wide and segment by segment, field by field.
inline bool same_stats(const rtk::Stats& a, const rtk::Stats& b) {
  if (a.nfe != b.nfe || a.energy_evals != b.energy_evals || a.segments.size() != b.segments.size()) return false;
  for (size_t k = 0; k < a.segments.size(); ++k) {
    const rtk::SegmentStats &s = a.segments[k], &t = b.segments[k];
    if (s.t_start != t.t_start || s.t != t.t || s.eta != t.eta || s.steps != t.steps || s.nfe != t.nfe ||
        s.energy_evals != t.energy_evals || s.accept_rate != t.accept_rate || s.step_size != t.step_size ||
        s.friction != t.friction)
      return false;
  }
  return true;
}

// The plan run fused on 1, 2 and 3 threads gives the unfused run's bits and statistics, and the
// oracle saw every evaluation but the `fused_evaluations` the fused kernels made themselves.
template <class Real>
void check_fused_matches_unfused(const rtk::Plan& plan, const rtk::GaussianMixture& m, int fused_evaluations) {
  const MixtureRun<Real> unfused = run_mixture<Real>(plan, m, 1, false);
  for (int threads : {1, 2, 3}) {
    const MixtureRun<Real> fused = run_mixture<Real>(plan, m, threads, true);
    CHECK(same_bits(fused.x, unfused.x));
    CHECK(same_stats(fused.stats, unfused.stats));
    CHECK_EQ(fused.unfused_calls, fused.stats.nfe - fused_evaluations);
  }
}

// The message of the SamplerError a run of the plan (2 threads, fused or not) stops with; "" when
// it completes.
template <class Real>
std::string run_error(const rtk::Plan& plan, const rtk::GaussianMixture& m, bool fused) {
  try {
    run_mixture<Real>(plan, m, 2, fused);
  } catch (const rtk::SamplerError& e) {
    return e.what();
  }
  return "";
}

// A mixture in d = 7 whose coordinate 3 has variance 1e-60 in both components: at t = 1e-40 its
// precision (~5e39) overflows float, at t >= 1e-20 it does not.
inline rtk::GaussianMixture overflowing_mixture_d7() {
  std::vector<double> means, variances;
  for (int j = 0; j < 2; ++j)
    for (int i = 0; i < 7; ++i) {
      means.push_back(0.3 * j - 0.1 * i);
      variances.push_back(i == 3 ? 1e-60 : 0.05);
    }
  return rtk::GaussianMixture({1.0, 1.0}, means, variances, 7);
}

}  // namespace rtk_test
