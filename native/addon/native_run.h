// sampleNative(plan, target, nfeBudget, dtype, out?) -> { promise, cancel(), progress() }: the
// whole run in C++ on a libuv worker thread (Napi::AsyncWorker), the main thread free meanwhile.
// With out (a typed array of the dtype and n*d values) the samples are copied into it at the end
// and the promise resolves with samples = out (samples_array.h, samples_for_js).
#pragma once
#include <napi.h>

namespace rtk_addon {

Napi::Value SampleNative(const Napi::CallbackInfo& info);

// sampleNativeSync(plan, target, nfeBudget, dtype, onStep?, out?) -> { samples, stats }: the same run
// on the calling (JS) thread, blocking it; onStep(progress) is called between steps.
Napi::Value SampleNativeSync(const Napi::CallbackInfo& info);

}  // namespace rtk_addon
