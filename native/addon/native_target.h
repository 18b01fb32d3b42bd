// What JS can pass as `target` to a native run: anything that makes score oracles for the
// sampler thread. The Gaussian mixture is one; a user's compiled score plugin is another.
#pragma once
#include <napi.h>

#include <memory>

#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/target.h"
#include "convert.h"
#include "rtk/thread_pool.h"

namespace rtk_addon {

class NativeTarget {
 public:
  virtual ~NativeTarget() = default;
  virtual int dim() const = 0;
  virtual bool has_energy() const = 0;
  // Oracles evaluated on `pool`; a target that has no float32 form returns null from the second.
  virtual std::unique_ptr<rtk::ScoreOracle<double>> oracle_f64(rtk::ThreadPool& pool) const = 0;
  virtual std::unique_ptr<rtk::ScoreOracle<float>> oracle_f32(rtk::ThreadPool& pool) const = 0;
  // The mixture behind this target, which a GPU run evaluates on the device (null: the GPU
  // run evaluates oracle_f64/f32 on the host).
  virtual const rtk::GaussianMixture* gaussian_mixture() const { return nullptr; }
};

// The JS method evaluate(x, t, scoreOut | null, energyOut | null) of a target of dimension d:
// checks x (rows of d values) and t >= 0, then calls run(dtype, n, t).
template <class Run>
Napi::Value evaluate_from_js(const Napi::CallbackInfo& info, int d, Run&& run) {
  Napi::Env env = info.Env();
  const Dtype type = dtype_of(info[0], "x");
  const size_t length = info[0].As<Napi::TypedArray>().ElementLength();
  if (length % static_cast<size_t>(d) != 0)
    throw_range(env, "Expected x to hold rows of dim = " + std::to_string(d) + " values but received " +
                         describe(info[0]));
  const double t = number_arg(info[1], "t");
  if (t < 0) throw_range(env, "Expected t >= 0 but received " + describe(info[1]));
  run(type, length / static_cast<size_t>(d), t);
  return env.Undefined();
}

// The target behind a JS object created by one of the target classes, or null.
std::shared_ptr<const NativeTarget> native_target_of(const Napi::Value& v);

// Registers a JS class whose instances carry a NativeTarget (called by each target binding).
using TargetGetter = std::shared_ptr<const NativeTarget> (*)(const Napi::Object&);
void register_target_class(Napi::Env env, const Napi::Function& constructor, TargetGetter getter);

}  // namespace rtk_addon
