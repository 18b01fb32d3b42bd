// A run's samples handed to JS without a copy: the host buffer the sampler wrote becomes the
// backing store of the Float64Array / Float32Array that JS receives, and is freed when V8
// collects it. Its size is reported to V8 as external memory, so that the garbage collector
// sees what a large result holds.
#pragma once
#include <napi.h>

#include <utility>
#include <vector>

#include "rtk/uninitialized_allocator.h"

namespace rtk_addon {

// The samples of a run (n*d values), allocated untouched: the sampler's last copy (on its
// pool) is the first write.
template <class Real>
using SampleValues = std::vector<Real, rtk::UninitializedAllocator<Real>>;

// A typed array over values[0, count) whose memory `owner` keeps alive; owner is destroyed
// when the array is collected.
template <class Real, class Owner>
Napi::TypedArrayOf<Real> typed_array_over(Napi::Env env, Real* values, size_t count, Owner owner) {
  if (count == 0) return Napi::TypedArrayOf<Real>::New(env, 0);
  const size_t bytes = count * sizeof(Real);
  auto* held = new Owner(std::move(owner));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, values, bytes,
      [bytes](Napi::Env finalize_env, void*, Owner* o) {
        delete o;
        Napi::MemoryManagement::AdjustExternalMemory(finalize_env, -static_cast<int64_t>(bytes));
      },
      held);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return Napi::TypedArrayOf<Real>::New(env, count, buffer, 0);
}

// The samples as a typed array that takes over their memory.
template <class Real>
Napi::TypedArrayOf<Real> samples_to_js(Napi::Env env, SampleValues<Real>&& samples) {
  Real* values = samples.data();
  const size_t count = samples.size();
  return typed_array_over(env, values, count, std::move(samples));
}

}  // namespace rtk_addon
