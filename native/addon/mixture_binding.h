// The JS class wrapping rtk::GaussianMixture (exposed through lib/gaussian-mixture.ts).
#pragma once
#include <napi.h>

#include <memory>

#include "native_target.h"
#include "rtk/targets/gaussian_mixture.h"

namespace rtk_addon {

// The mixture as a native target: oracles evaluate it on the run's pool.
class MixtureTarget : public NativeTarget {
 public:
  explicit MixtureTarget(std::shared_ptr<const rtk::GaussianMixture> m) : mixture(std::move(m)) {}
  int dim() const override { return mixture->dim(); }
  bool has_energy() const override { return true; }
  const rtk::GaussianMixture* gaussian_mixture() const override { return mixture.get(); }
  std::unique_ptr<rtk::ScoreOracle<double>> oracle_f64(rtk::ThreadPool& pool) const override {
    return std::make_unique<rtk::GaussianMixtureOracle<double>>(*mixture, pool);
  }
  std::unique_ptr<rtk::ScoreOracle<float>> oracle_f32(rtk::ThreadPool& pool) const override {
    return std::make_unique<rtk::GaussianMixtureOracle<float>>(*mixture, pool);
  }
  std::shared_ptr<const rtk::GaussianMixture> mixture;
};

class MixtureBinding : public Napi::ObjectWrap<MixtureBinding> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MixtureBinding(const Napi::CallbackInfo& info);

 private:
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value SampleExact(const Napi::CallbackInfo& info);
  Napi::Value MarginalBinMasses(const Napi::CallbackInfo& info);
  Napi::Value Dim(const Napi::CallbackInfo& info);
  template <class Real>
  void evaluate_typed(const Napi::CallbackInfo& info, size_t n, double t);
  std::shared_ptr<const rtk::GaussianMixture> mixture_;
  std::shared_ptr<const MixtureTarget> target_;
};

}  // namespace rtk_addon
