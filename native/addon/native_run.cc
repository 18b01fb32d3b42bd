#include "native_run.h"

#include <memory>
#include <string>
#include <vector>

#include "convert.h"
#include "device_run.h"
#include "native_target.h"
#include "run_state.h"

namespace rtk_addon {

namespace {

// Makes the JS Float64Array / Float32Array holding the samples.
template <class Real>
Napi::Value samples_to_js(Napi::Env env, const std::vector<Real>& samples) {
  if constexpr (sizeof(Real) == 8) {
    auto out = Napi::Float64Array::New(env, samples.size());
    std::copy(samples.begin(), samples.end(), out.Data());
    return out;
  } else {
    auto out = Napi::Float32Array::New(env, samples.size());
    std::copy(samples.begin(), samples.end(), out.Data());
    return out;
  }
}

template <class Real>
class NativeRunWorker : public Napi::AsyncWorker {
 public:
  NativeRunWorker(Napi::Env env, rtk::Plan plan, Device device, std::shared_ptr<const NativeTarget> target,
                  std::shared_ptr<RunState> state)
      : Napi::AsyncWorker(env, "rtk-diffusion:sample"),
        deferred_(Napi::Promise::Deferred::New(env)),
        plan_(std::move(plan)),
        device_(device),
        target_(std::move(target)),
        state_(std::move(state)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      samples_.resize(plan_.n * static_cast<size_t>(plan_.d));
      rtk::ThreadPool pool(plan_.threads);
      std::unique_ptr<rtk::ScoreOracle<Real>> oracle;
      if constexpr (sizeof(Real) == 8) oracle = target_->oracle_f64(pool);
      else oracle = target_->oracle_f32(pool);
      if (!oracle) throw std::runtime_error("this target has no float32 form: use dtype 'float64'");
      stats_ = run_on_device(device_, plan_, *oracle, target_->gaussian_mixture(), pool, state_->hooks(),
                             state_->nfe_budget, samples_.data());
    } catch (const rtk::RunCancelled&) {
      cancelled_ = true;
      SetError("the run was cancelled");
    } catch (const std::bad_alloc&) {
      SetError("out of memory: the run needs about " +
               std::to_string(12.0 * plan_.n * plan_.d * sizeof(Real) / 1e6) + " MB of buffers");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("samples", samples_to_js(env, samples_));
    result.Set("stats", stats_to_js(env, stats_));
    std::vector<Real>().swap(samples_);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    std::vector<Real>().swap(samples_);
    Napi::Object e = error.Value();
    if (cancelled_) e.Set("code", "RTK_CANCELLED");
    deferred_.Reject(e);
  }

 private:
  Napi::Promise::Deferred deferred_;
  rtk::Plan plan_;
  Device device_;
  std::shared_ptr<const NativeTarget> target_;
  std::shared_ptr<RunState> state_;
  std::vector<Real> samples_;
  rtk::Stats stats_;
  bool cancelled_ = false;
};

}  // namespace

// sampleNative(plan, target: NativeGaussianMixture, nfeBudget, dtype: 'float64' | 'float32')
Napi::Value SampleNative(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rtk::Plan plan = plan_arg(info[0]);
  const Device device = device_arg(info[0]);
  std::shared_ptr<const NativeTarget> target = native_target_of(info[1]);
  if (!target) throw_type(env, "target", "a native target (GaussianMixture or a score plugin)", info[1]);
  if (target->dim() != plan.d)
    throw_range(env, "The target has dim " + std::to_string(target->dim()) + " but plan.dim is " +
                         std::to_string(plan.d));
  if (plan.sampler == rtk::SamplerKind::RtkMala && !target->has_energy())
    throw_type(env, "target", "a target with an energy for sampler 'rtk-mala' (use 'rtk-mala-es')", info[1]);
  auto state = std::make_shared<RunState>();
  state->nfe_budget = static_cast<int>(count_arg(info[2], "nfeBudget", 1ull << 31));
  const std::string dtype = info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "float64";
  Napi::Promise promise;
  if (dtype == "float32") {
    auto* worker = new NativeRunWorker<float>(env, plan, device, target, state);
    promise = worker->Promise();
    worker->Queue();
  } else {
    auto* worker = new NativeRunWorker<double>(env, plan, device, target, state);
    promise = worker->Promise();
    worker->Queue();
  }
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  handle.Set("cancel", Napi::Function::New(env, [state](const Napi::CallbackInfo&) { state->cancel = true; }));
  handle.Set("progress",
             Napi::Function::New(env, [state](const Napi::CallbackInfo& i) { return state->snapshot(i.Env()); }));
  return handle;
}

}  // namespace rtk_addon
