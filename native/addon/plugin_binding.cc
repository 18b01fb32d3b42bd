#include "plugin_binding.h"

#include <stdexcept>
#include <string>

#include "convert.h"
#include "shared_pool.h"

namespace rtk_addon {

Napi::Function PluginBinding::Define(Napi::Env env) {
  Napi::Function f = DefineClass(env, "NativeScorePlugin",
                                 {InstanceMethod("evaluate", &PluginBinding::Evaluate),
                                  InstanceAccessor("dim", &PluginBinding::Dim, nullptr),
                                  InstanceAccessor("hasEnergy", &PluginBinding::HasEnergy, nullptr),
                                  InstanceAccessor("path", &PluginBinding::Path, nullptr)});
  register_target_class(env, f, [](const Napi::Object& o) -> std::shared_ptr<const NativeTarget> {
    return Napi::ObjectWrap<PluginBinding>::Unwrap(o)->target_;
  });
  return f;
}

// new NativeScorePlugin(path, dim, configJson)
PluginBinding::PluginBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PluginBinding>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw_type(env, "path", "the path of a shared library (a string)", info[0]);
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int dim = static_cast<int>(count_arg(info[1], "dim", 1u << 20));
  if (dim < 1) throw_range(env, "Expected a positive integer for dim but received 0");
  if (!info[2].IsString()) throw_type(env, "configJson", "a JSON string", info[2]);
  const std::string config = info[2].As<Napi::String>().Utf8Value();
  try {
    library_ = ScorePluginLibrary::load(path, dim, config);
  } catch (const std::invalid_argument& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  target_ = std::make_shared<const PluginTarget>(library_);
}

Napi::Value PluginBinding::Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), library_->dim()); }

Napi::Value PluginBinding::HasEnergy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), library_->has_energy());
}

Napi::Value PluginBinding::Path(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), library_->path()); }

template <class Real>
void PluginBinding::evaluate_typed(const Napi::CallbackInfo& info, size_t n, double t) {
  const size_t d = static_cast<size_t>(library_->dim());
  auto x = typed_array<Real>(info[0], "x", n * d);
  Real* score = nullptr;
  Real* energy = nullptr;
  if (!info[2].IsNull() && !info[2].IsUndefined()) score = typed_array<Real>(info[2], "scoreOut", n * d).data;
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    energy = typed_array<Real>(info[3], "energyOut", n).data;
    if (!library_->has_energy())
      throw Napi::TypeError::New(info.Env(), "score plugin '" + library_->path() +
                                                 "' has no energy function (its table's energy is NULL)");
  }
  if (score == nullptr && energy == nullptr) return;
  try {
    library_->evaluate(shared_pool(), x.data, n, t, score, energy);
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

// evaluate(x, t, scoreOut | null, energyOut | null): score and/or energy of p_t at the rows of x.
Napi::Value PluginBinding::Evaluate(const Napi::CallbackInfo& info) {
  return evaluate_from_js(info, library_->dim(), [&](Dtype type, size_t n, double t) {
    if (type == Dtype::Float64) evaluate_typed<double>(info, n, t);
    else evaluate_typed<float>(info, n, t);
  });
}

}  // namespace rtk_addon
