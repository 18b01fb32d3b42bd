// CUDA runtime errors as C++ exceptions carrying the runtime's own message, so that a failed
// run rejects its promise with the CUDA error string (the addon turns exceptions into JS errors).
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace rtk::cuda {

struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw CudaError(std::string("CUDA error in ") + what + ": " + cudaGetErrorName(status) + " (" +
                    cudaGetErrorString(status) + ")");
}

// After a kernel launch: a bad configuration shows up here, a fault in the kernel at the next sync.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

}  // namespace rtk::cuda
