// The fused kernels whose executed instructions bench/op-mix.js counts: one fused RTK-MALA step,
// one fused DDPM step and one fused RTK-ULD and RTK-ULA step (a pass that moves, then evaluates)
// on the paper's target, n = 1,024 particles (128 tiles of 8), each
// called between op_mix_begin(kernel) and op_mix_end(), the markers the tracer (trace.c) looks
// for. Each kernel runs a few times first, so that the counted call finds its scratch grown and
// the MALA chain at a realistic acceptance rate (step size adapted towards 0.6, as the samplers
// do).
#include <cmath>
#include <cstdio>
#include <vector>

#include "rtk/kernels/fused_mala_step.h"
#include "rtk/kernels/fused_score_step.h"
#include "rtk/kernels/fused_unadjusted_step.h"
#include "rtk/kernels/score_step.h"
#include "rtk/kernels/segment_potential.h"
#include "rtk/kernels/tiled_layout.h"
#include "rtk/targets/paper_target.h"

extern "C" __attribute__((noinline)) void op_mix_begin(int kernel) { asm volatile("" : : "r"(kernel) : "memory"); }
extern "C" __attribute__((noinline)) void op_mix_end() { asm volatile("" : : : "memory"); }

namespace {

constexpr size_t kParticles = 1024;
constexpr uint32_t kSeed = 7;
constexpr double kT = 0.2, kEta = 0.2;  // the segment: anchor at t + eta, chain at t

// Kernel 0: the fused MALA step.
void mala(const rtk::GaussianMixture& target, rtk::ThreadPool& pool) {
  const int d = target.dim();
  const size_t n = kParticles;
  const rtk::Batch b{n, d, 0};
  std::vector<double> anchor(n * d), z(n * d), score(n * d), energy(n), grad(n * d), g(n);
  const rtk::SegmentPotential pot = rtk::segment_potential(kEta);
  target.sample_exact(pool, b, kT + kEta, kSeed, anchor.data());
  rtk::score_step(pool, b, rtk::ScoreStep{std::exp(kEta), 0.0, std::sqrt(std::expm1(2.0 * kEta))}, anchor.data(),
                  anchor.data(), z.data(), rtk::StreamId{kSeed, 0, 0, rtk::Purpose::WarmStart});
  target.evaluate(pool, z.data(), n, kT, score.data(), energy.data());
  rtk::segment_potential_batch(pool, b, pot, anchor.data(), z.data(), score.data(), energy.data(), grad.data(),
                               g.data());
  const size_t tiled = rtk::tiled_size(n, d);
  std::vector<double> tz(tiled), tscore(tiled), tanchor(tiled), tg(rtk::tiled_size(n, 1));
  rtk::to_tiles(pool, n, d, z.data(), tz.data());
  rtk::to_tiles(pool, n, d, score.data(), tscore.data());
  rtk::to_tiles(pool, n, d, anchor.data(), tanchor.data());
  rtk::to_tiles(pool, n, 1, g.data(), tg.data());
  const rtk::TiledChain<double> chain{tz.data(), tg.data(), tscore.data(), tanchor.data()};
  rtk::GaussianMixture::AtTime at;
  target.at_time(kT, at);
  double tau = 0.05, accept = 0;
  constexpr uint32_t kSteps = 12;
  for (uint32_t step = 0; step < kSteps; ++step) {
    const rtk::MalaAcceptParams p{tau, INFINITY, rtk::EnergyDelta::Exact};
    if (step + 1 == kSteps) op_mix_begin(0);
    const rtk::MalaAcceptInfo info =
        rtk::fused_mala_step(pool, b, target, at, pot, p, chain, rtk::StreamId{kSeed, 1, step, rtk::Purpose::Noise},
                             rtk::StreamId{kSeed, 1, step, rtk::Purpose::Accept});
    if (step + 1 == kSteps) op_mix_end();
    if (step < 8) tau *= std::exp(3.0 * (info.mean_accept_prob - 0.6));
    accept = static_cast<double>(info.accepted) / static_cast<double>(n);
  }
  std::printf("fused MALA step: step size %.4f, acceptance of the counted step %.3f\n", tau, accept);
}

// Kernel 1: the fused DDPM step.
void ddpm(const rtk::GaussianMixture& target, rtk::ThreadPool& pool) {
  const int d = target.dim();
  const size_t n = kParticles;
  const rtk::Batch b{n, d, 0};
  std::vector<double> x(n * d), tx(rtk::tiled_size(n, d));
  target.sample_exact(pool, b, kT + kEta, kSeed, x.data());
  rtk::to_tiles(pool, n, d, x.data(), tx.data());
  rtk::GaussianMixture::AtTime at;
  target.at_time(kT + kEta, at);
  const rtk::ScoreStep c = rtk::ddpm_coefficients(kT + kEta, kT);
  for (uint32_t step = 0; step < 4; ++step) {
    if (step == 3) op_mix_begin(1);
    rtk::fused_score_step(pool, b, target, at, c, tx.data(), rtk::StreamId{kSeed, 2, step, rtk::Purpose::Noise});
    if (step == 3) op_mix_end();
  }
  std::printf("fused DDPM step: done\n");
}

// Kernels 2 and 3: the fused ULD and ULA steps, on a chain started at the Gaussian warm start
// (its first pass evaluates only), at the step sizes and friction of the library's defaults
// (for ULD, c = 3 / 15 of 1 / sqrt(L), gamma = 2 sqrt(L); for ULA, 0.25 / L), L the secant
// curvature of the pass before.
void unadjusted(const rtk::GaussianMixture& target, rtk::ThreadPool& pool, rtk::UnadjustedMove::Kind kind) {
  const int d = target.dim();
  const size_t n = kParticles;
  const rtk::Batch b{n, d, 0};
  const bool uld = kind == rtk::UnadjustedMove::Uld;
  std::vector<double> anchor(n * d), z(n * d);
  target.sample_exact(pool, b, kT + kEta, kSeed, anchor.data());
  rtk::score_step(pool, b, rtk::ScoreStep{std::exp(kEta), 0.0, std::sqrt(std::expm1(2.0 * kEta))}, anchor.data(),
                  anchor.data(), z.data(), rtk::StreamId{kSeed, 0, 0, rtk::Purpose::WarmStart});
  const size_t tiled = rtk::tiled_size(n, d);
  std::vector<double> tz(tiled), tv(tiled), tgrad(tiled), tanchor(tiled);
  rtk::to_tiles(pool, n, d, z.data(), tz.data());
  rtk::to_tiles(pool, n, d, anchor.data(), tanchor.data());
  rtk::fill_normals_tiles(pool, b, rtk::StreamId{kSeed, 3, 0, rtk::Purpose::Velocity}, tv.data());
  const rtk::TiledUnadjustedChain<double> chain{tz.data(), uld ? tv.data() : nullptr, tgrad.data(), tanchor.data()};
  const rtk::SegmentPotential pot = rtk::segment_potential(kEta);
  rtk::GaussianMixture::AtTime at;
  target.at_time(kT, at);
  double curvature = rtk::potential_smoothness_bound(kT, kEta);
  rtk::UnadjustedMove move;
  for (uint32_t step = 0; step < 4; ++step) {
    if (step == 3) op_mix_begin(uld ? 2 : 3);
    const rtk::UnadjustedPass pass = rtk::fused_unadjusted_step(pool, b, target, at, pot, move, true, chain);
    if (step == 3) op_mix_end();
    if (step > 0 && pass.secants.mean() > 0) curvature = pass.secants.mean();
    move.kind = kind;
    move.noise = rtk::StreamId{kSeed, 3, step, rtk::Purpose::Noise};
    move.noise2 = rtk::StreamId{kSeed, 3, step, rtk::Purpose::Noise2};
    if (uld) move.uld = rtk::uld_coefficients(2.0 * std::sqrt(curvature), 0.2 / std::sqrt(curvature));
    else move.ula = rtk::langevin_coefficients(0.25 / curvature, -1.0);
  }
  std::printf("fused %s step: curvature %.2f\n", uld ? "ULD" : "ULA", curvature);
}

}  // namespace

int main() {
  const rtk::GaussianMixture target = rtk::paper_target();
  rtk::ThreadPool pool(1);  // the calling thread only: the tracer follows one thread
  mala(target, pool);
  ddpm(target, pool);
  unadjusted(target, pool, rtk::UnadjustedMove::Uld);
  unadjusted(target, pool, rtk::UnadjustedMove::Ula);
  std::printf("particles %zu, tiles %zu\n", kParticles, kParticles / rtk::kLanes);
}
