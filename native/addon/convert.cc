#include "convert.h"

#include <limits>

namespace rtk_addon {

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    const double x = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(x)) return "NaN";
    if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
    std::string s = std::to_string(x);
    if (x == std::floor(x) && std::fabs(x) < 1e15) s = std::to_string(static_cast<long long>(x));
    return "the number " + s;
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) return "the string \"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsTypedArray()) {
    const auto t = v.As<Napi::TypedArray>();
    static const char* names[] = {"Int8Array",  "Uint8Array",   "Uint8ClampedArray", "Int16Array",
                                  "Uint16Array", "Int32Array",  "Uint32Array",       "Float32Array",
                                  "Float64Array", "BigInt64Array", "BigUint64Array"};
    const int type = static_cast<int>(t.TypedArrayType());
    const char* name = type >= 0 && type < 11 ? names[type] : "TypedArray";
    return std::string("a ") + name + " of length " + std::to_string(t.ElementLength());
  }
  if (v.IsArray()) return "an Array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

void throw_type(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got) {
  throw Napi::TypeError::New(env, "Expected " + expected + " for " + name + " but received " + describe(got));
}

void throw_range(Napi::Env env, const std::string& message) { throw Napi::RangeError::New(env, message); }

Dtype dtype_of(const Napi::Value& v, const std::string& name) {
  if (v.IsTypedArray()) {
    const auto type = v.As<Napi::TypedArray>().TypedArrayType();
    if (type == napi_float64_array) return Dtype::Float64;
    if (type == napi_float32_array) return Dtype::Float32;
  }
  throw_type(v.Env(), name, "a Float64Array or Float32Array", v);
}

template <class Real>
ArrayView<Real> typed_array(const Napi::Value& v, const std::string& name, size_t expected) {
  constexpr napi_typedarray_type want = sizeof(Real) == 8 ? napi_float64_array : napi_float32_array;
  const char* want_name = sizeof(Real) == 8 ? "a Float64Array" : "a Float32Array";
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != want) throw_type(v.Env(), name, want_name, v);
  auto array = v.As<Napi::TypedArray>();
  const size_t length = array.ElementLength();
  if (length != expected)
    throw_range(v.Env(), "Expected " + std::string(want_name) + " of length " + std::to_string(expected) + " for " +
                             name + " but received one of length " + std::to_string(length));
  ArrayView<Real> view;
  view.length = length;
  if (length > 0) {
    auto buffer = array.ArrayBuffer();
    if (buffer.Data() == nullptr) throw_range(v.Env(), name + " is backed by a detached ArrayBuffer");
    view.data = reinterpret_cast<Real*>(static_cast<uint8_t*>(buffer.Data()) + array.ByteOffset());
  }
  return view;
}

template ArrayView<double> typed_array<double>(const Napi::Value&, const std::string&, size_t);
template ArrayView<float> typed_array<float>(const Napi::Value&, const std::string&, size_t);

bool is_finite_number(const Napi::Value& v) {
  return v.IsNumber() && std::isfinite(v.As<Napi::Number>().DoubleValue());
}

double number_arg(const Napi::Value& v, const std::string& name) {
  if (!is_finite_number(v)) throw_type(v.Env(), name, "a finite number", v);
  return v.As<Napi::Number>().DoubleValue();
}

uint64_t count_arg(const Napi::Value& v, const std::string& name, uint64_t limit) {
  if (!v.IsNumber()) throw_type(v.Env(), name, "an integer", v);
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!(x >= 0) || x != std::floor(x) || x >= static_cast<double>(limit))
    throw_range(v.Env(), "Expected an integer in [0, " + std::to_string(limit) + ") for " + name + " but received " +
                             describe(v));
  return static_cast<uint64_t>(x);
}

uint32_t seed_arg(const Napi::Value& v, const std::string& name) {
  return static_cast<uint32_t>(count_arg(v, name, 4294967296ull));
}

namespace {

Napi::Value field(const Napi::Object& o, const char* name) { return o.Get(name); }

std::vector<double> number_list(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) throw_type(v.Env(), name, "an Array of numbers", v);
  auto a = v.As<Napi::Array>();
  if (a.Length() > 10000000u) throw_range(v.Env(), name + " has " + std::to_string(a.Length()) + " entries; at most 1e7");
  std::vector<double> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = number_arg(a.Get(i), name + "[" + std::to_string(i) + "]");
  return out;
}

}  // namespace

rtk::Plan plan_arg(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (!v.IsObject()) throw_type(env, "plan", "an object", v);
  auto o = v.As<Napi::Object>();
  rtk::Plan p;
  const std::string sampler = field(o, "sampler").ToString().Utf8Value();
  if (sampler == "rtk-mala") p.sampler = rtk::SamplerKind::RtkMala;
  else if (sampler == "rtk-mala-es") p.sampler = rtk::SamplerKind::RtkMalaEs;
  else if (sampler == "rtk-uld") p.sampler = rtk::SamplerKind::RtkUld;
  else if (sampler == "rtk-ula") p.sampler = rtk::SamplerKind::RtkUla;
  else if (sampler == "ddpm") p.sampler = rtk::SamplerKind::Ddpm;
  else if (sampler == "ddim") p.sampler = rtk::SamplerKind::Ddim;
  else if (sampler == "pf-heun") p.sampler = rtk::SamplerKind::PfHeun;
  else if (sampler == "ald") p.sampler = rtk::SamplerKind::Ald;
  else throw_range(env, "Unknown plan.sampler \"" + sampler + "\"");
  p.n = count_arg(field(o, "particles"), "plan.particles", 1ull << 32);
  p.d = static_cast<int>(count_arg(field(o, "dim"), "plan.dim", 1ull << 20));
  if (p.n == 0 || p.d == 0) throw_range(env, "plan.particles and plan.dim must be at least 1");
  if (static_cast<double>(p.n) * p.d > 4e9) throw_range(env, "plan.particles * plan.dim is too large");
  p.seed = seed_arg(field(o, "seed"), "plan.seed");
  p.threads = static_cast<int>(count_arg(field(o, "threads"), "plan.threads", 1025));
  p.times = number_list(field(o, "times"), "plan.times");
  if (p.times.size() < 1) throw_range(env, "plan.times must not be empty");
  for (size_t i = 0; i < p.times.size(); ++i) {
    if (p.times[i] < 0) throw_range(env, "plan.times must be >= 0");
    if (i > 0 && !(p.times[i] < p.times[i - 1])) throw_range(env, "plan.times must decrease strictly");
  }
  const std::vector<double> steps = number_list(field(o, "steps"), "plan.steps");
  for (double s : steps) {
    if (s < 0 || s != std::floor(s) || s > 1e7) throw_range(env, "plan.steps must hold integers in [0, 1e7]");
    p.steps.push_back(static_cast<int>(s));
  }
  const bool rtk_family = p.sampler == rtk::SamplerKind::RtkMala || p.sampler == rtk::SamplerKind::RtkMalaEs ||
                          p.sampler == rtk::SamplerKind::RtkUld || p.sampler == rtk::SamplerKind::RtkUla;
  if (rtk_family && (p.times.size() < 2 || p.steps.size() != p.times.size() - 1))
    throw_range(env, "plan.steps must have one entry per RTK segment");
  if (p.sampler == rtk::SamplerKind::Ald && p.steps.size() != p.times.size())
    throw_range(env, "plan.steps must have one entry per ALD grid time");
  // plan.warmStart: one name for every segment, or an Array with one name per segment.
  const Napi::Value warm_value = field(o, "warmStart");
  const size_t segments = p.times.size() > 0 ? p.times.size() - 1 : 0;
  auto warm_kind = [&](const Napi::Value& v, const std::string& name) {
    const std::string warm = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (warm == "gaussian") return rtk::WarmStart::Gaussian;
    if (warm == "tweedie") return rtk::WarmStart::Tweedie;
    if (warm == "ddpm") return rtk::WarmStart::Ddpm;
    if (warm == "ddim") return rtk::WarmStart::Ddim;
    throw_type(env, name, "'gaussian', 'tweedie', 'ddpm' or 'ddim'", v);
  };
  if (warm_value.IsArray()) {
    auto list = warm_value.As<Napi::Array>();
    if (list.Length() != segments) throw_range(env, "plan.warmStart must have one entry per RTK segment");
    for (uint32_t i = 0; i < list.Length(); ++i)
      p.warm_starts.push_back(warm_kind(list.Get(i), "plan.warmStart[" + std::to_string(i) + "]"));
  } else {
    p.warm_starts.assign(segments, warm_kind(warm_value, "plan.warmStart"));
  }
  p.step_size = number_arg(field(o, "stepSize"), "plan.stepSize");
  p.target_accept = number_arg(field(o, "targetAccept"), "plan.targetAccept");
  p.friction = number_arg(field(o, "friction"), "plan.friction");
  const Napi::Value radius = field(o, "projectionRadius");
  p.projection_radius = radius.IsNumber() ? radius.As<Napi::Number>().DoubleValue()
                                          : std::numeric_limits<double>::infinity();
  if (!(p.projection_radius > 0)) throw_range(env, "plan.projectionRadius must be > 0");
  const std::string delta = field(o, "energyEstimate").ToString().Utf8Value();
  p.energy_delta = delta == "simpson" ? rtk::EnergyDelta::Simpson : rtk::EnergyDelta::Trapezoid;
  p.final_denoise = field(o, "finalDenoise").ToBoolean().Value();
  p.ald_step_scale = number_arg(field(o, "aldStepScale"), "plan.aldStepScale");
  if (p.step_size < 0 || p.friction < 0 || p.ald_step_scale < 0 || !(p.target_accept > 0 && p.target_accept < 1))
    throw_range(env, "plan step size, friction and aldStepScale must be >= 0 and targetAccept in (0, 1)");
  return p;
}

}  // namespace rtk_addon
