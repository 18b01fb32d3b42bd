// A fully resolved sampling plan (the TypeScript layer validates options, fills defaults and
// computes the time grid and NFE split) and the statistics a run reports back.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../kernels/mala.h"

namespace rtk {

enum class SamplerKind { RtkMala, RtkMalaEs, RtkUld, RtkUla, Ddpm, Ddim, PfHeun, Ald };
enum class WarmStart { Gaussian, Tweedie, Ddpm, Ddim };

struct Plan {
  SamplerKind sampler = SamplerKind::RtkMala;
  size_t n = 0;
  int d = 0;
  uint32_t seed = 0;
  int threads = 0;
  // The time grid t_0 = T > t_1 > ... > t_K (RTK: segment ends; baselines: step times).
  std::vector<double> times;
  // RTK: inner steps per segment (K entries); ALD: Langevin steps per grid time (K+1 entries).
  std::vector<int> steps;
  // RTK: the warm start of each segment (K entries; empty: 'gaussian', the paper's, for all). A
  // segment with 0 inner steps is its warm start alone: with 'ddpm', one DDPM step.
  std::vector<WarmStart> warm_starts;
  double step_size = 0;        // RTK inner step tau; 0 = adapted during the run
  double target_accept = 0.8;  // MALA: the acceptance rate the adaptation aims at
  double friction = 0;         // ULD gamma; 0 = from the curvature estimate
  double projection_radius = std::numeric_limits<double>::infinity();
  EnergyDelta energy_delta = EnergyDelta::Trapezoid;  // score-only MALA
  bool final_denoise = false;  // baselines: Tweedie denoise at the last grid time
  double ald_step_scale = 0.1; // ALD: tau_t = scale * (1 - e^{-2t})
};

struct SegmentStats {
  double t_start = 0;  // the segment's start time (RTK: t_k; baselines: the step's start)
  double t = 0;        // its end time
  double eta = 0;      // t_start - t
  int steps = 0;       // inner steps (RTK) or Langevin steps (ALD); 1 for a plain step
  int nfe = 0;         // score evaluations spent in it
  int energy_evals = 0;
  double accept_rate = -1;  // MALA: fraction of proposals accepted (-1 when not applicable)
  double step_size = 0;     // the last inner step size used
  double friction = 0;      // ULD
};

// The statistics of a segment or step from t_start = a to t = b with `steps` steps; the rest
// (NFE, acceptance, ...) is filled in by whoever runs it.
inline SegmentStats step_stats(double a, double b, int steps) {
  SegmentStats s;
  s.t_start = a;
  s.t = b;
  s.eta = a - b;
  s.steps = steps;
  return s;
}

struct Stats {
  int nfe = 0;
  int energy_evals = 0;
  std::vector<SegmentStats> segments;
};

}  // namespace rtk
