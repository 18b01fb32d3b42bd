// sampleNative(plan, target, nfeBudget) -> { promise, cancel(), progress() }: the whole run in
// C++ on a libuv worker thread (Napi::AsyncWorker), the main thread free meanwhile.
#pragma once
#include <napi.h>

namespace rtk_addon {

Napi::Value SampleNative(const Napi::CallbackInfo& info);

// sampleNativeSync(plan, target, nfeBudget, dtype, onStep?) -> { samples, stats }: the same run
// on the calling (JS) thread, blocking it; onStep(progress) is called between steps.
Napi::Value SampleNativeSync(const Napi::CallbackInfo& info);

}  // namespace rtk_addon
