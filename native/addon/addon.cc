// The N-API module: the only translation unit family that includes napi.h. Every entry point
// converts JS values into plain C++ (convert.h), checks them, runs the numerical core and
// turns C++ exceptions into JS errors (NAPI_CPP_EXCEPTIONS: nothing leaks across N-API).
#include <napi.h>

#include <thread>

#include "device_run.h"
#include "js_run.h"
#include "kernels_binding.h"
#include "mixture_binding.h"
#include "native_run.h"
#include "plugin_binding.h"

namespace rtk_addon {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeGaussianMixture", MixtureBinding::Define(env));
  exports.Set("NativeScorePlugin", PluginBinding::Define(env));
  exports.Set("JsScoreRun", JsScoreRun::Define(env));
  exports.Set("sampleNative", Napi::Function::New(env, SampleNative, "sampleNative"));
  exports.Set("sampleNativeSync", Napi::Function::New(env, SampleNativeSync, "sampleNativeSync"));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  DefineKernels(env, exports);
  Napi::Object build = Napi::Object::New(env);
  build.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  exports.Set("build", build);
  return exports;
}

}  // namespace rtk_addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rtk_addon::Init(env, exports); }

NODE_API_MODULE(rtk_addon, InitModule)
