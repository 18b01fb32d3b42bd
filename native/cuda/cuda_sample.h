// The GPU entry points, callable from plain C++ (no CUDA headers): what the addon and the tests
// use. Runs on the first CUDA device. Errors (no device, out of memory, a fault mid-run) are
// thrown as std::runtime_error carrying the CUDA runtime's message.
#pragma once
#include <string>

#include "rtk/samplers/plan.h"
#include "rtk/samplers/run_context.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/target.h"

namespace rtk::cuda {

struct DeviceInfo {
  int devices = 0;    // CUDA devices visible to this process
  std::string name;   // the first one's name
  std::string error;  // why none is usable, when devices == 0
};

DeviceInfo device_info();

// The plan with the mixture evaluated on the GPU: the batch stays in GPU memory for the whole
// run; n*d samples are written to host memory `out`.
template <class Real>
Stats sample_mixture(const Plan& plan, const GaussianMixture& mixture, const RunHooks& hooks, int nfe_budget,
                     Real* out);

// The plan with a host oracle (JS score, plugin): each evaluation copies the batch both ways.
template <class Real>
Stats sample_host_oracle(const Plan& plan, ScoreOracle<Real>& host, const RunHooks& hooks, int nfe_budget, Real* out);

}  // namespace rtk::cuda
