// Where a run executes: the CPU thread pool, or the GPU when this addon was built with the CUDA
// backend (npm run build:cuda). The mixture then runs natively on the GPU; any other oracle (a
// JS score, a plugin) is evaluated on the host with the batch copied across for each call.
#pragma once
#include <napi.h>

#include "rtk/samplers/plan.h"
#include "rtk/samplers/run_context.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/target.h"
#include "rtk/thread_pool.h"

namespace rtk_addon {

enum class Device { Cpu, Cuda };

// plan.device ('cpu' when absent; lib/ has already resolved 'auto').
Device device_arg(const Napi::Value& plan);

// Runs the plan; `mixture` (may be null) lets a GPU run evaluate the target on the device.
template <class Real>
rtk::Stats run_on_device(Device device, const rtk::Plan& plan, rtk::ScoreOracle<Real>& host_oracle,
                         const rtk::GaussianMixture* mixture, rtk::ThreadPool& pool, const rtk::RunHooks& hooks,
                         int nfe_budget, Real* out);

// cudaInfo(): { compiled, devices, name, error } for lib/ to resolve 'cuda' and 'auto'.
Napi::Value CudaInfo(const Napi::CallbackInfo& info);

}  // namespace rtk_addon
