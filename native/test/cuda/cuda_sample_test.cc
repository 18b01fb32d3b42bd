// rtk::cuda (native/cuda): GPU runs against the CPU. Float64 samples equal the CPU's to a
// relative 1e-12 with identical acceptance counts for every sampler; float32 within 1e-5;
// a host oracle staged through the GPU gives the CPU's bits; out-of-memory and a CUDA error
// mid-run throw clear errors and the next run works. Skipped (exit 77) without a CUDA device.
#include "cuda_sample.h"

#include <cuda_runtime.h>

#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "cuda_check.h"
#include "cuda_exec.h"
#include "device_buffer.h"
#include "rtk/samplers/sample.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"

namespace {

const rtk_test::SkipUnless kNeedsDevice([]() -> std::string {
  const rtk::cuda::DeviceInfo info = rtk::cuda::device_info();
  return info.devices > 0 ? std::string() : "no CUDA device (" + info.error + "); the GPU tests did not run";
});

// The paper's benchmark target, built once.
const rtk::GaussianMixture& paper_target() {
  static const rtk::GaussianMixture target = rtk::paper_target();
  return target;
}

rtk::Plan plan_of(rtk::SamplerKind kind, size_t n) {
  rtk::Plan p;
  p.sampler = kind;
  p.n = n;
  p.d = 10;
  p.seed = 77;
  p.threads = 2;
  const bool rtk_kind = kind == rtk::SamplerKind::RtkMala || kind == rtk::SamplerKind::RtkMalaEs ||
                        kind == rtk::SamplerKind::RtkUld || kind == rtk::SamplerKind::RtkUla;
  if (rtk_kind) {
    // A full run: 8 segments from T = 5 to 0, Tweedie warm starts, 40 inner steps.
    p.times = {5.0, 2.5, 1.2, 0.6, 0.3, 0.15, 0.07, 0.03, 0.0};
    p.steps = {3, 3, 4, 5, 5, 6, 7, 7};
    p.warm_starts.assign(8, rtk::WarmStart::Tweedie);
  } else if (kind == rtk::SamplerKind::Ald) {
    p.times = {1.0, 0.5, 0.2, 0.05};
    p.steps = {3, 2, 3, 2};
    p.final_denoise = true;
  } else {
    p.times = {3.0, 1.5, 1.0, 0.6, 0.3, 0.1, 0.02};
    p.final_denoise = true;
  }
  if (kind == rtk::SamplerKind::RtkMalaEs) p.energy_delta = rtk::EnergyDelta::Simpson;
  return p;
}

template <class Real>
struct Run {
  std::vector<Real> x;
  rtk::Stats stats;
};

template <class Real>
Run<Real> cpu_run(const rtk::Plan& plan) {
  rtk::ThreadPool pool(plan.threads);
  rtk::GaussianMixtureOracle<Real> oracle(paper_target(), pool);
  Run<Real> r;
  r.x.resize(plan.n * plan.d);
  r.stats = rtk::sample(plan, oracle, pool, rtk::RunHooks{}, 0, r.x.data());
  return r;
}

template <class Real>
Run<Real> gpu_run(const rtk::Plan& plan) {
  Run<Real> r;
  r.x.resize(plan.n * plan.d);
  r.stats = rtk::cuda::sample_mixture(plan, paper_target(), rtk::RunHooks{}, 0, r.x.data());
  return r;
}

// The largest |a - b| / (1 + |b|) over all values.
template <class Real>
double max_relative_gap(const std::vector<Real>& a, const std::vector<Real>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double gap = std::fabs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::fabs(static_cast<double>(b[i])));
    worst = gap > worst || gap != gap ? gap : worst;
  }
  return worst;
}

const rtk::SamplerKind kAllKinds[] = {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkMalaEs,
                                      rtk::SamplerKind::RtkUld,  rtk::SamplerKind::RtkUla,
                                      rtk::SamplerKind::Ddpm,    rtk::SamplerKind::Ddim,
                                      rtk::SamplerKind::PfHeun,  rtk::SamplerKind::Ald};

}  // namespace

TEST(cuda_sample, float64_matches_the_cpu_for_every_sampler) {
  for (rtk::SamplerKind kind : kAllKinds) {
    const rtk::Plan plan = plan_of(kind, 3001);  // not a multiple of the 1024-particle blocks
    const Run<double> cpu = cpu_run<double>(plan), gpu = gpu_run<double>(plan);
    CHECK(max_relative_gap(gpu.x, cpu.x) <= 1e-12);
    CHECK_EQ(gpu.stats.nfe, cpu.stats.nfe);
    REQUIRE(gpu.stats.segments.size() == cpu.stats.segments.size());
    for (size_t k = 0; k < cpu.stats.segments.size(); ++k) {
      // Identical accept/reject decisions: the same acceptance count in every segment.
      CHECK_EQ(gpu.stats.segments[k].accept_rate, cpu.stats.segments[k].accept_rate);
      CHECK_REL(gpu.stats.segments[k].step_size + 1e-300, cpu.stats.segments[k].step_size + 1e-300, 1e-12);
    }
  }
}

// A full RTK-MALA run at n = 20,000: the largest relative gap of the samples and of the
// per-segment acceptance rates, GPU against CPU.
template <class Real>
void check_full_run(const char* name, double sample_tolerance, double accept_tolerance) {
  const rtk::Plan plan = plan_of(rtk::SamplerKind::RtkMala, 20000);
  const Run<Real> cpu = cpu_run<Real>(plan), gpu = gpu_run<Real>(plan);
  const double gap = max_relative_gap(gpu.x, cpu.x);
  std::printf("    %s RTK-MALA, n = 20000: max relative gap GPU vs CPU %.3g\n", name, gap);
  CHECK(gap <= sample_tolerance);
  for (size_t k = 0; k < cpu.stats.segments.size(); ++k)
    CHECK_NEAR(gpu.stats.segments[k].accept_rate, cpu.stats.segments[k].accept_rate, accept_tolerance);
}

// float64: the same accept/reject decisions (equal acceptance counts) and samples to 1e-12.
TEST(cuda_sample, full_rtk_mala_run_on_the_paper_target_float64) { check_full_run<double>("float64", 1e-12, 0.0); }

// float32: both sides round to float at the same places, so the gap stays at float rounding.
TEST(cuda_sample, full_rtk_mala_run_on_the_paper_target_float32) { check_full_run<float>("float32", 1e-5, 1e-3); }

TEST(cuda_sample, host_oracle_staged_through_the_gpu_gives_the_cpu_bits) {
  const rtk::Plan plan = plan_of(rtk::SamplerKind::RtkUld, 2000);
  const Run<double> cpu = cpu_run<double>(plan);
  rtk::ThreadPool pool(2);
  rtk::GaussianMixtureOracle<double> host(paper_target(), pool);
  std::vector<double> x(plan.n * plan.d);
  rtk::cuda::sample_host_oracle(plan, host, rtk::RunHooks{}, 0, x.data());
  CHECK(max_relative_gap(x, cpu.x) <= 1e-12);
}

TEST(cuda_sample, out_of_memory_names_the_bytes_and_the_next_run_works) {
  bool thrown = false;
  try {
    rtk::cuda::DeviceBuffer<double> huge(size_t{1} << 46);  // 512 TiB
  } catch (const rtk::cuda::CudaError& e) {
    thrown = true;
    CHECK(std::string(e.what()).find("asked for 562949953421312 bytes") != std::string::npos);
  }
  CHECK(thrown);
  // A whole run that cannot fit: the first GPU buffer fails before anything is written to `out`.
  const rtk::Plan too_big = plan_of(rtk::SamplerKind::Ddpm, size_t{1} << 37);
  CHECK_THROWS(rtk::cuda::CudaError,
               rtk::cuda::sample_mixture<double>(too_big, paper_target(), rtk::RunHooks{}, 0, nullptr));
  const rtk::Plan small = plan_of(rtk::SamplerKind::RtkMala, 500);
  CHECK(max_relative_gap(gpu_run<double>(small).x, cpu_run<double>(small).x) <= 1e-12);
}

namespace {

// A device oracle (its buffers are GPU memory) whose third evaluation hits a CUDA error (a copy from an invalid address).
class FaultyOracle : public rtk::ScoreOracle<double> {
 public:
  int dim() const override { return 10; }
  bool has_energy() const override { return false; }
  void evaluate(const double*, size_t, double, double* score, double*) override {
    if (++calls_ == 3)
      rtk::cuda::check(cudaMemcpy(score, reinterpret_cast<const void*>(16), 8, cudaMemcpyDeviceToDevice),
                       "the test's faulty oracle");
    rtk::cuda::check(cudaMemset(score, 0, sizeof(double) * 10), "cudaMemset");
  }

 private:
  int calls_ = 0;
};

}  // namespace

TEST(cuda_sample, a_cuda_error_mid_run_carries_the_cuda_message_and_the_next_run_works) {
  FaultyOracle faulty;
  const rtk::Plan plan = plan_of(rtk::SamplerKind::Ddpm, 1);
  std::vector<double> x(plan.d);
  std::string message;
  try {
    rtk::cuda::CudaExec exec(plan.n);
    rtk::sample(plan, faulty, exec, rtk::RunHooks{}, 0, x.data());
  } catch (const std::exception& e) {
    message = e.what();
  }
  CHECK(message.find("CUDA error in the test's faulty oracle") != std::string::npos);
  const rtk::Plan small = plan_of(rtk::SamplerKind::Ddim, 700);
  CHECK(max_relative_gap(gpu_run<double>(small).x, cpu_run<double>(small).x) <= 1e-12);
}
