// Kernel-level entry points (one batched step each), for tests, benchmarks and users who
// compose their own samplers. Each takes typed arrays (Float64Array or Float32Array, all of
// one type) and checks every length against (n, d).
#pragma once
#include <napi.h>

namespace rtk_addon {

void DefineKernels(Napi::Env env, Napi::Object exports);

}  // namespace rtk_addon
