// GPU throughput of the inner chains on the paper's target (d = 10, K = 12, variance 0.007),
// with the samplers' own code (rtk::inner_mala, rtk::inner_uld) on a CudaExec: one "step" is
// the mixture score (and energy) of the batch plus one MALA step (proposal, segment potential,
// MH test), or plus one exact ULD transition. Printed beside the floor: the time to move the
// step's bytes at the copy bandwidth measured here, or to do its flops at the FMA peak measured
// here, whichever is longer. The 2-thread CPU runs the same code at n = 1e5 for the ratio.
//
// Built by CMake with -DRTK_CUDA=ON (target rtk_gpu_bench); run by bench/gpu-check.sh.
// Options: --n 1e5,1e6,1e7  --steps 20  --reps 5  --cpu-only (the CPU column alone; no GPU needed)
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda_check.h"
#include "cuda_exec.h"
#include "cuda_sample.h"
#include "mixture_oracle.h"
#include "rtk/samplers/inner_mala.h"
#include "rtk/samplers/inner_uld.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"
#include "peak_flops.h"

namespace {

constexpr double kT = 0.1, kEta = 0.2;  // a segment near the data: the hardest, most typical one

enum class Chain { Mala, Uld };

// Bytes one particle-step moves through memory, counting each array a kernel reads or writes
// once (the chain's kernels as launched: ula/uld step, mixture, segment potential, MH test).
double bytes_per_step(Chain chain, int d, double R, double accept) {
  const double mixture = (2.0 * d + 1) * R;               // read z', write score' and energy'
  if (chain == Chain::Mala) {
    const double proposal = 3.0 * d * R;                  // read z, grad g; write z'
    const double potential = (4.0 * d + 2) * R;           // read x, z', score', energy'; write grad g', g'
    // read z, z', grad g, grad g', g, g'; write and re-read prob, flag; on acceptance read
    // score', write z, grad g, score, g
    const double test = (4.0 * d + 2) * R + 32 + accept * (4.0 * d + 1) * R;
    return mixture + proposal + potential + test;
  }
  // With a fixed step size and friction (as timed here) ULD takes no secant.
  const double finite_check = 1.0 * d * R;                // read score
  const double potential = 4.0 * d * R;                   // read x, z, score; write grad g
  const double copies = 4.0 * d * R;                      // keep z, grad g for the next secant
  const double transition = 5.0 * d * R;                  // read z, v, grad g; write z, v
  return mixture - R + finite_check + potential + copies + transition;  // no energy
}

// Floating-point operations of one particle-step (the mixture dominates: K (6d + ~30) for the
// quadratic forms, the exponentials and the weighted sum; a normal costs ~45 in Box-Muller).
double flops_per_step(Chain chain, int d, int k) {
  const double mixture = k * (6.0 * d + 30) + d;
  const double normals = 45.0 * d * (chain == Chain::Uld ? 2 : 1);
  const double rest = chain == Chain::Mala ? 20.0 * d : 24.0 * d;
  return mixture + normals + rest;
}

struct Machine {
  double bandwidth = 0;  // bytes/s, device-to-device copy
  double peak64 = 0, peak32 = 0;
};

double copy_bandwidth() {
  const size_t bytes = size_t{2} << 30;
  rtk::cuda::DeviceBuffer<char> a(bytes), b(bytes);
  cudaEvent_t start, stop;
  rtk::cuda::check(cudaEventCreate(&start), "cudaEventCreate");
  rtk::cuda::check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<float> ms;
  for (int rep = 0; rep < 6; ++rep) {
    rtk::cuda::check(cudaEventRecord(start), "cudaEventRecord");
    rtk::cuda::check(cudaMemcpy(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy");
    rtk::cuda::check(cudaEventRecord(stop), "cudaEventRecord");
    rtk::cuda::check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float t = 0;
    cudaEventElapsedTime(&t, start, stop);
    if (rep > 0) ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return 2.0 * bytes / (ms[ms.size() / 2] * 1e-3);  // read + write
}

template <class Real, class Exec>
double median_step_seconds(Exec& exec, rtk::ScoreOracle<Real>& oracle, Chain chain, size_t n, int steps, int reps,
                           bool sync_gpu, double* accept) {
  rtk::Plan plan;
  plan.n = n;
  plan.d = 10;
  plan.seed = 9;
  plan.step_size = chain == Chain::Mala ? 0.004 : 0.01;  // fixed: no adaptation drift between reps
  plan.friction = chain == Chain::Uld ? 20.0 : 0.0;
  const rtk::RunHooks hooks;  // outlives ctx, which keeps a reference
  rtk::RunContext<Real, Exec> ctx(plan, oracle, exec, hooks, 0);
  rtk::Workspace<Real, Exec> w(n, plan.d);
  fill_normals_batch(exec, ctx.batch, rtk::StreamId{9, 0, 0, rtk::Purpose::Init}, w.x.data());
  copy_values(exec, w.x.data(), ctx.values(), w.z.data());
  const rtk::SegmentPotential pot = rtk::segment_potential(kEta);
  std::vector<double> times;
  for (int rep = 0; rep <= reps; ++rep) {  // rep 0 warms up
    double tau = plan.step_size, curvature = 100.0;
    rtk::SegmentStats seg;
    ctx.evaluate(w.z.data(), kT, w.score.data(), w.energy.data());
    if (sync_gpu) rtk::cuda::check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    const auto t0 = std::chrono::steady_clock::now();
    if (chain == Chain::Mala)
      rtk::inner_mala(ctx, w, rep, reps + 1, pot, kT, steps, true, tau, seg);
    else
      rtk::inner_uld(ctx, w, rep, reps + 1, pot, kT, steps, curvature, seg);
    if (sync_gpu) rtk::cuda::check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (rep > 0) times.push_back(s / steps);
    if (accept) *accept = seg.accept_rate;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::vector<size_t> parse_sizes(const char* s) {
  std::vector<size_t> out;
  std::string text(s);
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    out.push_back(static_cast<size_t>(std::atof(text.substr(pos, comma - pos).c_str())));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// The table's rows for one precision; with cpu_only (no GPU needed) just the CPU column.
template <class Real>
void rows(const char* real_name, const Machine& m, const rtk::GaussianMixture& target, const std::vector<size_t>& sizes,
          int steps, int reps, bool cpu_only) {
  const double peak = sizeof(Real) == 8 ? m.peak64 : m.peak32;
  for (Chain chain : {Chain::Mala, Chain::Uld}) {
    const char* name = chain == Chain::Mala ? "mixture + MALA step" : "mixture + ULD step";
    // The 2-thread CPU on the same code, n = 1e5.
    double cpu_rate = 0;
    {
      rtk::ThreadPool pool(2);
      rtk::GaussianMixtureOracle<Real> oracle(target, pool);
      cpu_rate = 1e5 / median_step_seconds<Real>(pool, oracle, chain, 100000, steps, reps, false, nullptr);
    }
    if (cpu_only) {
      std::printf("%-20s %-6s CPU 2 threads, n = 1e5: %.2f M particle-steps/s\n", name, real_name, cpu_rate * 1e-6);
      continue;
    }
    for (size_t n : sizes) {
      rtk::cuda::CudaExec exec(n);
      rtk::cuda::CudaMixtureOracle<Real> oracle(target, n);
      double accept = 1;
      const double s = median_step_seconds<Real>(exec, oracle, chain, n, steps, reps, true, &accept);
      const double rate = n / s;
      const double bytes = bytes_per_step(chain, 10, sizeof(Real), chain == Chain::Mala ? accept : 0);
      const double flops = flops_per_step(chain, 10, 12);
      const double floor_rate = 1.0 / std::max(bytes / m.bandwidth, flops / peak);
      std::printf("%-20s %-6s %9.0e | %10.1f | %9.0f %8.0f | %10.1f %6.1f%% %-4s | %8.2f %8.0fx\n", name, real_name,
                  static_cast<double>(n), rate * 1e-6, bytes, flops, floor_rate * 1e-6, 100.0 * rate / floor_rate,
                  bytes / m.bandwidth > flops / peak ? "mem" : "flop", cpu_rate * 1e-6, rate / cpu_rate);
      std::fflush(stdout);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes{100000, 1000000, 10000000};
  int steps = 20, reps = 5;
  bool cpu_only = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--cpu-only") {
      cpu_only = true;
      --i;
    } else if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", argv[i]);
      return 2;
    } else if (flag == "--n") sizes = parse_sizes(argv[i + 1]);
    else if (flag == "--steps") steps = std::atoi(argv[i + 1]);
    else if (flag == "--reps") reps = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s (use --n LIST --steps S --reps R --cpu-only)\n", argv[i]);
      return 2;
    }
  }
  const rtk::cuda::DeviceInfo info = rtk::cuda::device_info();
  if (cpu_only) {
    const rtk::GaussianMixture target = rtk::paper_target();
    rows<float>("float", Machine{}, target, sizes, steps, reps, true);
    rows<double>("double", Machine{}, target, sizes, steps, reps, true);
    return 0;
  }
  if (info.devices == 0) {
    std::printf("rtk_gpu_bench: no CUDA device (%s); nothing measured\n", info.error.c_str());
    return 77;
  }
  try {
    Machine m;
    m.bandwidth = copy_bandwidth();
    m.peak64 = rtk_bench::peak_fma_flops<double>();
    m.peak32 = rtk_bench::peak_fma_flops<float>();
    std::printf("device %s: copy bandwidth %.0f GB/s (2 GiB device-to-device, read + write), FMA peak %.1f TFLOP/s "
                "float64, %.1f float32 (measured)\n",
                info.name.c_str(), m.bandwidth * 1e-9, m.peak64 * 1e-12, m.peak32 * 1e-12);
    std::printf("paper target d = 10, K = 12; %d steps per timing, median of %d; floor = max(bytes / bandwidth, "
                "flops / peak)\n\n",
                steps, reps);
    std::printf("%-20s %-6s %9s | %10s | %9s %8s | %10s %7s %-4s | %8s %9s\n", "step", "real", "n", "M p-st/s",
                "bytes/p", "flops/p", "floor M/s", "of", "bind", "CPU 2T", "GPU/CPU");
    const rtk::GaussianMixture target = rtk::paper_target();
    rows<float>("float", m, target, sizes, steps, reps, false);
    rows<double>("double", m, target, sizes, steps, reps, false);
    std::printf("\ngoal: float mixture + MALA step >= 50%% of its floor and >= 100x the 2-thread CPU\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtk_gpu_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
