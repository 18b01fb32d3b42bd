// The JS class wrapping a loaded score plugin (exposed through lib/score-plugin.ts):
//   new NativeScorePlugin(path: string, dim: number, configJson: string)
// dlopen()s the shared library, checks its ABI and creates its context (plugin_oracle.h).
#pragma once
#include <napi.h>

#include <memory>

#include "native_target.h"
#include "plugin_oracle.h"

namespace rtk_addon {

// The plugin as a native target: runs evaluate it on their own pool, in parallel chunks.
class PluginTarget : public NativeTarget {
 public:
  explicit PluginTarget(std::shared_ptr<const ScorePluginLibrary> l) : library(std::move(l)) {}
  int dim() const override { return library->dim(); }
  bool has_energy() const override { return library->has_energy(); }
  std::unique_ptr<rtk::ScoreOracle<double>> oracle_f64(rtk::ThreadPool& pool) const override {
    return std::make_unique<PluginOracle<double>>(library, pool);
  }
  // float32 runs hand the plugin converted double copies of each chunk.
  std::unique_ptr<rtk::ScoreOracle<float>> oracle_f32(rtk::ThreadPool& pool) const override {
    return std::make_unique<PluginOracle<float>>(library, pool);
  }
  std::shared_ptr<const ScorePluginLibrary> library;
};

class PluginBinding : public Napi::ObjectWrap<PluginBinding> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit PluginBinding(const Napi::CallbackInfo& info);

 private:
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Dim(const Napi::CallbackInfo& info);
  Napi::Value HasEnergy(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  template <class Real>
  void evaluate_typed(const Napi::CallbackInfo& info, size_t n, double t);
  std::shared_ptr<const ScorePluginLibrary> library_;
  std::shared_ptr<const PluginTarget> target_;
};

}  // namespace rtk_addon
