// A run's samples handed to JS without a copy: the host buffer the sampler wrote becomes the
// backing store of the Float64Array / Float32Array that JS receives, and is freed when V8
// collects it. Its size is reported to V8 as external memory, so that the garbage collector
// sees what a large result holds. Or, when JS gave the run an `out` array, copied into that.
#pragma once
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "convert.h"
#include "rtk/uninitialized_allocator.h"

namespace rtk_addon {

// The samples of a run (n*d values), allocated untouched: the sampler's last copy (on its
// pool) is the first write.
template <class Real>
using SampleValues = std::vector<Real, rtk::UninitializedAllocator<Real>>;

// A typed array over values[0, count) whose memory `owner` keeps alive; owner is destroyed
// when the array is collected. Where the runtime does not allow external buffers (Node-API's
// napi_no_external_buffers_allowed, e.g. under V8's sandbox), the values are copied instead.
template <class Real, class Owner>
Napi::TypedArrayOf<Real> typed_array_over(Napi::Env env, Real* values, size_t count, Owner owner) {
  if (count == 0) return Napi::TypedArrayOf<Real>::New(env, 0);
  struct Held {
    Owner owner;
    size_t bytes;
  };
  const size_t bytes = count * sizeof(Real);
  auto* held = new Held{std::move(owner), bytes};
  const auto finalize = [](napi_env finalize_env, void*, void* hint) {
    const auto* h = static_cast<Held*>(hint);
    const int64_t freed = static_cast<int64_t>(h->bytes);
    delete h;
    int64_t ignored = 0;
    napi_adjust_external_memory(finalize_env, -freed, &ignored);
  };
  napi_value buffer = nullptr;
  if (napi_create_external_arraybuffer(env, values, bytes, finalize, held, &buffer) != napi_ok) {
    auto copy = Napi::TypedArrayOf<Real>::New(env, count);
    std::copy(values, values + count, copy.Data());
    delete held;
    return copy;
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return Napi::TypedArrayOf<Real>::New(env, count, Napi::ArrayBuffer(env, buffer), 0);
}

// The samples as a typed array that takes over their memory.
template <class Real>
Napi::TypedArrayOf<Real> samples_to_js(Napi::Env env, SampleValues<Real>&& samples) {
  Real* values = samples.data();
  const size_t count = samples.size();
  return typed_array_over(env, values, count, std::move(samples));
}

// Checks a run's `out` argument before the run: undefined, or a typed array of Real with
// `count` values (TypeError / RangeError naming `out` otherwise).
template <class Real>
void check_samples_out(const Napi::Value& out, size_t count) {
  if (!out.IsUndefined()) typed_array<Real>(out, "out", count);
}

// The samples for JS at the end of a run, on the JS thread: without `out` (undefined) a typed
// array over their memory (samples_to_js); with `out`, copied into it and returned, their
// memory going straight back to the block cache (uninitialized_allocator.h), so that the next
// run of the same size finds its pages mapped instead of faulting in fresh ones while V8 still
// holds the previous runs' arrays. `out` is checked again: JS may have detached or resized it
// during the run.
template <class Real>
Napi::Value samples_for_js(Napi::Env env, SampleValues<Real>&& samples, const Napi::Value& out) {
  if (out.IsUndefined()) return samples_to_js(env, std::move(samples));
  const ArrayView<Real> view = typed_array<Real>(out, "out", samples.size());
  std::copy(samples.begin(), samples.end(), view.data);
  SampleValues<Real>().swap(samples);
  return out;
}

}  // namespace rtk_addon
