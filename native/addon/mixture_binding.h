// The JS class wrapping rtk::GaussianMixture (exposed through lib/gaussian-mixture.ts).
#pragma once
#include <napi.h>

#include <memory>

#include "rtk/targets/gaussian_mixture.h"

namespace rtk_addon {

class MixtureBinding : public Napi::ObjectWrap<MixtureBinding> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit MixtureBinding(const Napi::CallbackInfo& info);
  std::shared_ptr<const rtk::GaussianMixture> mixture() const { return mixture_; }
  // The binding behind a JS value, or null when it is not one.
  static MixtureBinding* Unwrap(const Napi::Value& v);

 private:
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value SampleExact(const Napi::CallbackInfo& info);
  Napi::Value MarginalBinMasses(const Napi::CallbackInfo& info);
  Napi::Value Dim(const Napi::CallbackInfo& info);
  template <class Real>
  void evaluate_typed(const Napi::CallbackInfo& info, size_t n, double t);
  std::shared_ptr<const rtk::GaussianMixture> mixture_;
};

}  // namespace rtk_addon
