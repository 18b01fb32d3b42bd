// What JS can pass as `target` to a native run: anything that makes score oracles for the
// sampler thread. The Gaussian mixture is one; a user's compiled score plugin is another.
#pragma once
#include <napi.h>

#include <memory>

#include "rtk/targets/target.h"
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
};

// The target behind a JS object created by one of the target classes, or null.
std::shared_ptr<const NativeTarget> native_target_of(const Napi::Value& v);

// Registers a JS class whose instances carry a NativeTarget (called by each target binding).
using TargetGetter = std::shared_ptr<const NativeTarget> (*)(const Napi::Object&);
void register_target_class(Napi::Env env, const Napi::Function& constructor, TargetGetter getter);

}  // namespace rtk_addon
