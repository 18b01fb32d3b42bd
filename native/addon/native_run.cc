#include "native_run.h"

#include <memory>
#include <string>
#include <vector>

#include "convert.h"
#include "device_run.h"
#include "native_target.h"
#include "run_state.h"
#include "samples_array.h"
#include "shared_pool.h"

namespace rtk_addon {

namespace {

// One run of `target` on `plan` with the target's oracle on a borrowed pool (or on the GPU, see
// device_run.h); what both entry points execute, on a worker thread or on the JS thread.
template <class Real>
rtk::Stats run_target(const rtk::Plan& plan, Device device, const NativeTarget& target, const rtk::RunHooks& hooks,
                      int nfe_budget, Real* out) {
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(plan.threads);
  rtk::ThreadPool& pool = *lease;
  std::unique_ptr<rtk::ScoreOracle<Real>> oracle;
  if constexpr (sizeof(Real) == 8) oracle = target.oracle_f64(pool);
  else oracle = target.oracle_f32(pool);
  if (!oracle) throw std::runtime_error("this target has no float32 form: use dtype 'float64'");
  return run_on_device(device, plan, *oracle, target.gaussian_mixture(), pool, hooks, nfe_budget, out);
}

// The message when the run's buffers cannot be allocated.
template <class Real>
std::string out_of_memory_message(const rtk::Plan& plan) {
  return "out of memory: the run needs about " + std::to_string(12.0 * plan.n * plan.d * sizeof(Real) / 1e6) +
         " MB of buffers";
}

template <class Real>
class NativeRunWorker : public Napi::AsyncWorker {
 public:
  // out: undefined, or the typed array the samples are copied into (check_samples_out).
  NativeRunWorker(Napi::Env env, rtk::Plan plan, Device device, std::shared_ptr<const NativeTarget> target,
                  std::shared_ptr<RunState> state, const Napi::Value& out)
      : Napi::AsyncWorker(env, "rtk-diffusion:sample"),
        deferred_(Napi::Promise::Deferred::New(env)),
        plan_(std::move(plan)),
        device_(device),
        target_(std::move(target)),
        state_(std::move(state)) {
    if (!out.IsUndefined()) out_ = Napi::Persistent(out);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      samples_.resize(plan_.n * static_cast<size_t>(plan_.d));
      stats_ = run_target(plan_, device_, *target_, state_->hooks(), state_->nfe_budget, samples_.data());
    } catch (const rtk::RunCancelled&) {
      cancelled_ = true;
      SetError("the run was cancelled");
    } catch (const std::bad_alloc&) {
      SetError(out_of_memory_message<Real>(plan_));
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    try {
      result.Set("samples", samples_for_js(env, std::move(samples_), out_.IsEmpty() ? env.Undefined() : out_.Value()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());  // `out` no longer fits (detached or resized during the run)
      return;
    }
    result.Set("stats", stats_to_js(env, stats_));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    SampleValues<Real>().swap(samples_);
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
  Napi::Reference<Napi::Value> out_;  // empty without `out`
  SampleValues<Real> samples_;
  rtk::Stats stats_;
  bool cancelled_ = false;
};

// The arguments both entry points share: (plan, target, nfeBudget, dtype) and `out`, checked.
struct NativeRunArgs {
  rtk::Plan plan;
  Device device;
  std::shared_ptr<const NativeTarget> target;
  int nfe_budget;
  bool float32;
};

NativeRunArgs native_run_args(const Napi::CallbackInfo& info, const Napi::Value& out) {
  Napi::Env env = info.Env();
  NativeRunArgs a{plan_arg(info[0]), device_arg(info[0]), native_target_of(info[1]), 0, false};
  if (!a.target) throw_type(env, "target", "a native target (GaussianMixture or a score plugin)", info[1]);
  if (a.target->dim() != a.plan.d)
    throw_range(env, "The target has dim " + std::to_string(a.target->dim()) + " but plan.dim is " +
                         std::to_string(a.plan.d));
  if (a.plan.sampler == rtk::SamplerKind::RtkMala && !a.target->has_energy())
    throw_type(env, "target", "a target with an energy for sampler 'rtk-mala' (use 'rtk-mala-es')", info[1]);
  a.nfe_budget = static_cast<int>(count_arg(info[2], "nfeBudget", 1ull << 31));
  a.float32 = info[3].IsString() && info[3].As<Napi::String>().Utf8Value() == "float32";
  const size_t values = a.plan.n * static_cast<size_t>(a.plan.d);
  if (a.float32) check_samples_out<float>(out, values);
  else check_samples_out<double>(out, values);
  return a;
}

template <class Real>
Napi::Object run_here(Napi::Env env, const NativeRunArgs& a, const Napi::Value& on_step, const Napi::Value& out) {
  RunState state;
  state.nfe_budget = a.nfe_budget;
  rtk::RunHooks hooks = state.hooks();
  if (on_step.IsFunction()) {
    // Between steps, on this (the JS) thread: a JS exception thrown there unwinds the run.
    const Napi::Function step = on_step.As<Napi::Function>();
    const auto record = hooks.progress;
    hooks.progress = [record, step, env, &state](const rtk::Progress& p) {
      record(p);
      step.Call({state.snapshot(env)});
    };
  }
  rtk::Stats stats;
  SampleValues<Real> samples;
  try {
    samples.resize(a.plan.n * static_cast<size_t>(a.plan.d));
    stats = run_target(a.plan, a.device, *a.target, hooks, a.nfe_budget, samples.data());
  } catch (const Napi::Error&) {
    throw;  // the onStep callback's own exception, unchanged
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, out_of_memory_message<Real>(a.plan));
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("samples", samples_for_js(env, std::move(samples), out));
  result.Set("stats", stats_to_js(env, stats));
  return result;
}

}  // namespace

// sampleNativeSync(plan, target, nfeBudget, dtype, onStep?, out?)
Napi::Value SampleNativeSync(const Napi::CallbackInfo& info) {
  const NativeRunArgs a = native_run_args(info, info[5]);
  return a.float32 ? run_here<float>(info.Env(), a, info[4], info[5]) : run_here<double>(info.Env(), a, info[4], info[5]);
}

// sampleNative(plan, target: NativeGaussianMixture, nfeBudget, dtype: 'float64' | 'float32', out?)
Napi::Value SampleNative(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeRunArgs a = native_run_args(info, info[4]);
  rtk::Plan plan = std::move(a.plan);
  const Device device = a.device;
  std::shared_ptr<const NativeTarget> target = std::move(a.target);
  auto state = std::make_shared<RunState>();
  state->nfe_budget = a.nfe_budget;
  Napi::Promise promise;
  if (a.float32) {
    auto* worker = new NativeRunWorker<float>(env, plan, device, target, state, info[4]);
    promise = worker->Promise();
    worker->Queue();
  } else {
    auto* worker = new NativeRunWorker<double>(env, plan, device, target, state, info[4]);
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
