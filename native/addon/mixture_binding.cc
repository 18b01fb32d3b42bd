#include "mixture_binding.h"

#include <string>
#include <vector>

#include "convert.h"
#include "shared_pool.h"

namespace rtk_addon {

Napi::Function MixtureBinding::Define(Napi::Env env) {
  Napi::Function f = DefineClass(env, "NativeGaussianMixture",
                                 {InstanceMethod("evaluate", &MixtureBinding::Evaluate),
                                  InstanceMethod("sampleExact", &MixtureBinding::SampleExact),
                                  InstanceMethod("marginalBinMasses", &MixtureBinding::MarginalBinMasses),
                                  InstanceAccessor("dim", &MixtureBinding::Dim, nullptr)});
  register_target_class(env, f, [](const Napi::Object& o) -> std::shared_ptr<const NativeTarget> {
    return Napi::ObjectWrap<MixtureBinding>::Unwrap(o)->target_;
  });
  return f;
}

// new NativeGaussianMixture(weights: Float64Array(K), means: Float64Array(K*d), variances: Float64Array(K*d), d)
MixtureBinding::MixtureBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MixtureBinding>(info) {
  Napi::Env env = info.Env();
  const int d = static_cast<int>(count_arg(info[3], "dim", 1u << 20));
  if (d < 1) throw_range(env, "Expected dim >= 1 but received 0");
  if (!info[0].IsTypedArray()) throw_type(env, "weights", "a Float64Array", info[0]);
  const size_t k = info[0].As<Napi::TypedArray>().ElementLength();
  auto w = typed_array<double>(info[0], "weights", k);
  auto m = typed_array<double>(info[1], "means", k * d);
  auto v = typed_array<double>(info[2], "variances", k * d);
  try {
    mixture_ = std::make_shared<const rtk::GaussianMixture>(std::vector<double>(w.data, w.data + w.length),
                                                            std::vector<double>(m.data, m.data + m.length),
                                                            std::vector<double>(v.data, v.data + v.length), d);
  } catch (const std::invalid_argument& e) {
    throw_range(env, e.what());
  }
  target_ = std::make_shared<const MixtureTarget>(mixture_);
}

Napi::Value MixtureBinding::Dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), mixture_->dim());
}

template <class Real>
void MixtureBinding::evaluate_typed(const Napi::CallbackInfo& info, size_t n, double t) {
  const size_t d = static_cast<size_t>(mixture_->dim());
  auto x = typed_array<Real>(info[0], "x", n * d);
  Real* score = nullptr;
  Real* energy = nullptr;
  if (!info[2].IsNull() && !info[2].IsUndefined()) score = typed_array<Real>(info[2], "scoreOut", n * d).data;
  if (!info[3].IsNull() && !info[3].IsUndefined()) energy = typed_array<Real>(info[3], "energyOut", n).data;
  if (score == nullptr && energy == nullptr) return;
  std::vector<Real> scratch;
  if (score == nullptr) {
    scratch.resize(n * d);
    score = scratch.data();
  }
  mixture_->evaluate(shared_pool(), x.data, n, t, score, energy);
}

// evaluate(x, t, scoreOut | null, energyOut | null): score and/or energy of p_t at the rows of x.
Napi::Value MixtureBinding::Evaluate(const Napi::CallbackInfo& info) {
  return evaluate_from_js(info, mixture_->dim(), [&](Dtype type, size_t n, double t) {
    if (type == Dtype::Float64) evaluate_typed<double>(info, n, t);
    else evaluate_typed<float>(info, n, t);
  });
}

// sampleExact(n, t, seed, out, particleOffset): exact draws from p_t.
Napi::Value MixtureBinding::SampleExact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t n = count_arg(info[0], "n", 1ull << 32);
  const double t = number_arg(info[1], "t");
  if (t < 0) throw_range(env, "Expected t >= 0 but received " + describe(info[1]));
  const uint32_t seed = seed_arg(info[2], "seed");
  const uint64_t offset = info[4].IsUndefined() ? 0 : count_arg(info[4], "particleOffset", 1ull << 32);
  if (offset + n > (1ull << 32))
    throw_range(env, "Expected particleOffset + n <= 2^32 (particle indices key the RNG) but received " +
                         std::to_string(offset) + " + " + std::to_string(n));
  const rtk::Batch b{n, mixture_->dim(), offset};
  if (dtype_of(info[3], "out") == Dtype::Float64)
    mixture_->sample_exact(shared_pool(), b, t, seed, typed_array<double>(info[3], "out", b.values()).data);
  else
    mixture_->sample_exact(shared_pool(), b, t, seed, typed_array<float>(info[3], "out", b.values()).data);
  return env.Undefined();
}

// marginalBinMasses(t, bins, lo, hi) -> Float64Array(d * (bins + 2)): below, bins..., above.
Napi::Value MixtureBinding::MarginalBinMasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double t = number_arg(info[0], "t");
  const int bins = static_cast<int>(count_arg(info[1], "bins", 1u << 24));
  const double lo = number_arg(info[2], "lo"), hi = number_arg(info[3], "hi");
  if (bins < 1 || !(hi > lo) || t < 0) throw_range(env, "Expected bins >= 1, hi > lo and t >= 0");
  const std::vector<double> masses = mixture_->marginal_bin_masses(t, bins, lo, hi);
  auto out = Napi::Float64Array::New(env, masses.size());
  std::copy(masses.begin(), masses.end(), out.Data());
  return out;
}

}  // namespace rtk_addon
