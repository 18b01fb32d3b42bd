#include "peak_flops.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "cuda_check.h"
#include "device_buffer.h"

namespace rtk_bench {

namespace {

constexpr int kChains = 8, kIterations = 4096;

template <class Real>
__global__ void fma_kernel(Real* out, Real a, Real b) {
  Real x[kChains];
  for (int c = 0; c < kChains; ++c) x[c] = static_cast<Real>(threadIdx.x + c);
  for (int i = 0; i < kIterations; ++i)
#pragma unroll
    for (int c = 0; c < kChains; ++c) x[c] = fma(x[c], a, b);
  Real sum = 0;
  for (int c = 0; c < kChains; ++c) sum += x[c];
  out[blockIdx.x * blockDim.x + threadIdx.x] = sum;  // keeps the chains live
}

}  // namespace

template <class Real>
double peak_fma_flops() {
  int sms = 0;
  rtk::cuda::check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "cudaDeviceGetAttribute");
  const unsigned blocks = static_cast<unsigned>(sms) * 8, threads = 256;
  rtk::cuda::DeviceBuffer<Real> out(static_cast<size_t>(blocks) * threads);
  cudaEvent_t start, stop;
  rtk::cuda::check(cudaEventCreate(&start), "cudaEventCreate");
  rtk::cuda::check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<float> ms;
  for (int rep = 0; rep < 6; ++rep) {
    cudaEventRecord(start);
    fma_kernel<Real><<<blocks, threads>>>(out.data(), static_cast<Real>(0.999999), static_cast<Real>(1e-7));
    cudaEventRecord(stop);
    rtk::cuda::check(cudaEventSynchronize(stop), "fma_kernel");
    float t = 0;
    cudaEventElapsedTime(&t, start, stop);
    if (rep > 0) ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  const double flops = 2.0 * kChains * kIterations * static_cast<double>(blocks) * threads;
  return flops / (ms[ms.size() / 2] * 1e-3);
}

template double peak_fma_flops<float>();
template double peak_fma_flops<double>();

}  // namespace rtk_bench
