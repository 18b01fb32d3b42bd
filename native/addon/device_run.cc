#include "device_run.h"

#include <stdexcept>
#include <string>

#include "convert.h"
#include "rtk/samplers/sample.h"
#ifdef RTK_WITH_CUDA
#include "cuda_sample.h"
#endif

namespace rtk_addon {

namespace {

constexpr const char* kNoCudaBuild =
    "this build of rtk-diffusion has no CUDA backend (npm install builds the CPU one): run `npm run build:cuda` "
    "on a machine with nvcc";

}  // namespace

Device device_arg(const Napi::Value& plan) {
  const Napi::Value v = plan.As<Napi::Object>().Get("device");
  if (v.IsUndefined()) return Device::Cpu;
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (name == "cpu") return Device::Cpu;
  if (name == "cuda") return Device::Cuda;
  throw_type(plan.Env(), "plan.device", "'cpu' or 'cuda'", v);
}

template <class Real>
rtk::Stats run_on_device(Device device, const rtk::Plan& plan, rtk::ScoreOracle<Real>& host_oracle,
                         const rtk::GaussianMixture* mixture, rtk::ThreadPool& pool, const rtk::RunHooks& hooks,
                         int nfe_budget, Real* out) {
  if (device == Device::Cpu) return rtk::sample(plan, host_oracle, pool, hooks, nfe_budget, out);
#ifdef RTK_WITH_CUDA
  if (mixture) return rtk::cuda::sample_mixture(plan, *mixture, hooks, nfe_budget, out);
  return rtk::cuda::sample_host_oracle(plan, host_oracle, hooks, nfe_budget, out);
#else
  (void)mixture;
  throw std::runtime_error(kNoCudaBuild);
#endif
}

template rtk::Stats run_on_device<double>(Device, const rtk::Plan&, rtk::ScoreOracle<double>&,
                                          const rtk::GaussianMixture*, rtk::ThreadPool&, const rtk::RunHooks&, int,
                                          double*);
template rtk::Stats run_on_device<float>(Device, const rtk::Plan&, rtk::ScoreOracle<float>&,
                                         const rtk::GaussianMixture*, rtk::ThreadPool&, const rtk::RunHooks&, int,
                                         float*);

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
#ifdef RTK_WITH_CUDA
  const rtk::cuda::DeviceInfo d = rtk::cuda::device_info();
  out.Set("compiled", true);
  out.Set("devices", d.devices);
  out.Set("name", d.name);
  out.Set("error", d.error);
#else
  out.Set("compiled", false);
  out.Set("devices", 0);
  out.Set("name", "");
  out.Set("error", kNoCudaBuild);
#endif
  return out;
}

}  // namespace rtk_addon
