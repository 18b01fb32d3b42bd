// An array in GPU memory, owned (freed when it goes out of scope, also when a run fails
// half-way). Allocation failure throws an error naming the bytes asked for and what is free.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>

#include "cuda_check.h"

namespace rtk::cuda {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : count_(count) {
    if (count == 0) return;
    const size_t bytes = count * sizeof(T);
    const cudaError_t status = cudaMalloc(reinterpret_cast<void**>(&data_), bytes);
    if (status != cudaSuccess) {
      data_ = nullptr;
      cudaGetLastError();  // clear the (non-sticky) allocation error
      size_t free_bytes = 0, total_bytes = 0;
      cudaMemGetInfo(&free_bytes, &total_bytes);
      throw CudaError("CUDA out of memory: asked for " + std::to_string(bytes) + " bytes (" + std::to_string(count) +
                      " values of " + std::to_string(sizeof(T)) + " bytes); " + std::to_string(free_bytes) +
                      " of " + std::to_string(total_bytes) + " bytes free (" + cudaGetErrorString(status) + ")");
    }
  }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return count_; }

  void upload(const T* host, size_t count) {
    check(cudaMemcpy(data_, host, count * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy (to the device)");
  }
  void download(T* host, size_t count) const {
    check(cudaMemcpy(host, data_, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy (to the host)");
  }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

}  // namespace rtk::cuda
