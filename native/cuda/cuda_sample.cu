#include "cuda_sample.h"

#include <cuda_runtime.h>

#include "cuda_exec.h"
#include "host_staged_oracle.h"
#include "mixture_oracle.h"
#include "rtk/samplers/sample.h"

namespace rtk::cuda {

DeviceInfo device_info() {
  DeviceInfo info;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    info.error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
    return info;
  }
  if (count == 0) {
    info.error = "no CUDA device is visible";
    return info;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) info.name = prop.name;
  info.devices = count;
  return info;
}

namespace {

void require_device() {
  const DeviceInfo info = device_info();
  if (info.devices == 0) throw CudaError("no usable CUDA device: " + info.error);
}

}  // namespace

template <class Real>
Stats sample_mixture(const Plan& plan, const GaussianMixture& mixture, const RunHooks& hooks, int nfe_budget,
                     Real* out) {
  require_device();
  CudaExec exec(plan.n);
  CudaMixtureOracle<Real> oracle(mixture, plan.n);
  return rtk::sample(plan, oracle, exec, hooks, nfe_budget, out);
}

template <class Real>
Stats sample_host_oracle(const Plan& plan, ScoreOracle<Real>& host, const RunHooks& hooks, int nfe_budget,
                         Real* out) {
  require_device();
  CudaExec exec(plan.n);
  HostStagedOracle<Real> oracle(host, plan.n, plan.d);
  return rtk::sample(plan, oracle, exec, hooks, nfe_budget, out);
}

template Stats sample_mixture<float>(const Plan&, const GaussianMixture&, const RunHooks&, int, float*);
template Stats sample_mixture<double>(const Plan&, const GaussianMixture&, const RunHooks&, int, double*);
template Stats sample_host_oracle<float>(const Plan&, ScoreOracle<float>&, const RunHooks&, int, float*);
template Stats sample_host_oracle<double>(const Plan&, ScoreOracle<double>&, const RunHooks&, int, double*);

}  // namespace rtk::cuda
