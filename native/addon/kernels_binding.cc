#include "kernels_binding.h"

#include <memory>
#include <string>

#include "convert.h"
#include "rtk/kernels/mala.h"
#include "rtk/kernels/score_step.h"
#include "rtk/kernels/segment_potential.h"
#include "rtk/kernels/uld.h"
#include "rtk/philox.h"
#include "shared_pool.h"

namespace rtk_addon {

namespace {

// The common trailing arguments: { n, d, seed, segment, step, particleOffset, threads }.
struct KernelCall {
  rtk::Batch batch;
  uint32_t seed = 0, segment = 0, step = 0;
  int threads = 0;
};

KernelCall call_arg(const Napi::Value& v) {
  if (!v.IsObject()) throw_type(v.Env(), "options", "an object { n, d, seed, segment, step, particleOffset, threads }", v);
  auto o = v.As<Napi::Object>();
  KernelCall c;
  c.batch.n = count_arg(o.Get("n"), "options.n", 1ull << 32);
  c.batch.d = static_cast<int>(count_arg(o.Get("d"), "options.d", 1u << 20));
  if (c.batch.d < 1) throw_range(v.Env(), "Expected options.d >= 1 but received 0");
  auto opt = [&](const char* name, uint64_t limit) {
    const Napi::Value x = o.Get(name);
    return x.IsUndefined() ? 0 : count_arg(x, std::string("options.") + name, limit);
  };
  c.seed = static_cast<uint32_t>(opt("seed", 1ull << 32));
  c.segment = static_cast<uint32_t>(opt("segment", 1ull << 32));
  c.step = static_cast<uint32_t>(opt("step", 1ull << 32));
  c.batch.particle_offset = opt("particleOffset", 1ull << 32);
  c.threads = static_cast<int>(opt("threads", 1025));
  if (c.batch.particle_offset + c.batch.n > (1ull << 32))
    throw_range(v.Env(), "Expected options.particleOffset + options.n <= 2^32 (particle indices key the RNG) but "
                         "received " + std::to_string(c.batch.particle_offset) + " + " + std::to_string(c.batch.n));
  return c;
}

rtk::StreamId stream(const KernelCall& c, rtk::Purpose p) { return rtk::StreamId{c.seed, c.segment, c.step, p}; }

// philox4x32(counter: Uint32Array(4), key: Uint32Array(2)) -> Uint32Array(4)
Napi::Value Philox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto u32 = [&](const Napi::Value& v, const char* name, size_t len) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        v.As<Napi::TypedArray>().ElementLength() != len)
      throw_type(env, name, "a Uint32Array of length " + std::to_string(len), v);
    return v.As<Napi::Uint32Array>();
  };
  auto ctr = u32(info[0], "counter", 4);
  auto key = u32(info[1], "key", 2);
  const rtk::Philox4x32 r =
      rtk::philox4x32_10(rtk::Philox4x32{{ctr[0], ctr[1], ctr[2], ctr[3]}}, rtk::PhiloxKey{{key[0], key[1]}});
  auto out = Napi::Uint32Array::New(env, 4);
  for (int i = 0; i < 4; ++i) out[i] = r.v[i];
  return out;
}

template <class Real>
void normals_typed(const Napi::CallbackInfo& info, const KernelCall& c) {
  auto out = typed_array<Real>(info[0], "out", c.batch.values());
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(c.threads);
  rtk::ThreadPool& pool = *lease;
  pool.parallel_for(c.batch.n, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p)
      rtk::fill_normals(stream(c, rtk::Purpose::Noise), c.batch.particle_offset + p, c.batch.d, out.data + p * c.batch.d);
  });
}

// normals(out, options): the Noise stream's standard normals for each particle.
Napi::Value Normals(const Napi::CallbackInfo& info) {
  const KernelCall c = call_arg(info[1]);
  if (dtype_of(info[0], "out") == Dtype::Float64) normals_typed<double>(info, c);
  else normals_typed<float>(info, c);
  return info.Env().Undefined();
}

rtk::ScoreStep coefficients_arg(const Napi::Value& v) {
  if (!v.IsObject()) throw_type(v.Env(), "coefficients", "an object { cx, cs, cn }", v);
  auto o = v.As<Napi::Object>();
  return rtk::ScoreStep{number_arg(o.Get("cx"), "coefficients.cx"), number_arg(o.Get("cs"), "coefficients.cs"),
                        number_arg(o.Get("cn"), "coefficients.cn")};
}

template <class Real>
void score_step_typed(const Napi::CallbackInfo& info, const rtk::ScoreStep& coef, const KernelCall& c) {
  const size_t values = c.batch.values();
  auto x = typed_array<Real>(info[1], "x", values);
  auto s = typed_array<Real>(info[2], "score", values);
  auto out = typed_array<Real>(info[3], "out", values);
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(c.threads);
  rtk::ThreadPool& pool = *lease;
  rtk::score_step(pool, c.batch, coef, x.data, s.data, out.data, stream(c, rtk::Purpose::Noise));
}

// scoreStep(coefficients, x, score, out, options): out = cx x + cs score + cn xi.
Napi::Value ScoreStepJs(const Napi::CallbackInfo& info) {
  const rtk::ScoreStep coef = coefficients_arg(info[0]);
  const KernelCall c = call_arg(info[4]);
  if (dtype_of(info[1], "x") == Dtype::Float64) score_step_typed<double>(info, coef, c);
  else score_step_typed<float>(info, coef, c);
  return info.Env().Undefined();
}

Napi::Value coefficients_js(Napi::Env env, const rtk::ScoreStep& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("cx", c.cx);
  o.Set("cs", c.cs);
  o.Set("cn", c.cn);
  return o;
}

// stepCoefficients(kind: 'ddpm' | 'ddim' | 'tweedie' | 'pf-euler' | 'langevin', a, b)
Napi::Value StepCoefficients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string kind = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (kind != "tweedie" && kind != "langevin" && kind != "ddpm" && kind != "ddim" && kind != "pf-euler")
    throw_type(env, "kind", "'ddpm', 'ddim', 'tweedie', 'pf-euler' or 'langevin'", info[0]);
  const double a = number_arg(info[1], "a");
  if (kind == "tweedie") {
    if (!(a >= 0)) throw_range(env, "Expected a time >= 0 for a but received " + describe(info[1]));
    return coefficients_js(env, rtk::tweedie_coefficients(a));
  }
  if (kind == "langevin") {
    if (!(a > 0)) throw_range(env, "Expected a step size > 0 for a but received " + describe(info[1]));
    return coefficients_js(env, rtk::langevin_coefficients(a, 1.0));
  }
  const double b = number_arg(info[2], "b");
  if (!(b >= 0) || !(a > b))
    throw_range(env, "Expected times a > b >= 0 for a and b but received " + describe(info[1]) + " and " + describe(info[2]));
  if (kind == "ddpm") return coefficients_js(env, rtk::ddpm_coefficients(a, b));
  if (kind == "ddim") return coefficients_js(env, rtk::ddim_coefficients(a, b));
  return coefficients_js(env, rtk::pf_euler_coefficients(a, b));
}

template <class Real>
Napi::Value mala_accept_typed(const Napi::CallbackInfo& info, const rtk::MalaAcceptParams& p, const KernelCall& c) {
  Napi::Env env = info.Env();
  const size_t values = c.batch.values(), n = c.batch.n;
  auto a = info[1].As<Napi::Object>();
  auto arr = [&](const char* name, size_t len, bool needed) -> Real* {
    const Napi::Value v = a.Get(name);
    if (!needed && (v.IsUndefined() || v.IsNull())) return nullptr;
    return typed_array<Real>(v, std::string("arrays.") + name, len).data;
  };
  const bool exact = p.delta == rtk::EnergyDelta::Exact;
  rtk::MalaArrays<Real> m{arr("z", values, true),         arr("gradG", values, true),
                          exact ? arr("g", n, true) : nullptr, nullptr,
                          arr("zProp", values, true),      arr("gradGProp", values, true),
                          exact ? arr("gProp", n, true) : nullptr, nullptr,
                          arr("gradGMid", values, p.delta == rtk::EnergyDelta::Simpson)};
  auto flags = Napi::Uint8Array::New(env, n);
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(c.threads);
  rtk::ThreadPool& pool = *lease;
  const rtk::MalaAcceptInfo r = rtk::mala_accept(pool, c.batch, p, m, stream(c, rtk::Purpose::Accept), flags.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("accepted", flags);
  out.Set("acceptRate", n ? static_cast<double>(r.accepted) / n : 0.0);
  out.Set("meanAcceptProb", r.mean_accept_prob);
  return out;
}

// malaAccept({ tau, projectionRadius?, energyDelta: 'exact' | 'trapezoid' | 'simpson' },
//            { z, gradG, g?, zProp, gradGProp, gProp?, gradGMid? }, options)
// -> { accepted: Uint8Array, acceptRate, meanAcceptProb }; accepted rows of z, gradG, g updated.
Napi::Value MalaAccept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_type(env, "params", "an object { tau, projectionRadius, energyDelta }", info[0]);
  if (!info[1].IsObject()) throw_type(env, "arrays", "an object of typed arrays", info[1]);
  auto po = info[0].As<Napi::Object>();
  rtk::MalaAcceptParams p;
  p.tau = number_arg(po.Get("tau"), "params.tau");
  if (!(p.tau > 0)) throw_range(env, "Expected params.tau > 0 but received " + describe(po.Get("tau")));
  const Napi::Value radius = po.Get("projectionRadius");
  if (!radius.IsUndefined()) {
    if (!radius.IsNumber()) throw_type(env, "params.projectionRadius", "a number > 0 (Infinity: no projection)", radius);
    p.projection_radius = radius.As<Napi::Number>().DoubleValue();
    if (!(p.projection_radius > 0))
      throw_range(env, "Expected a number > 0 for params.projectionRadius but received " + describe(radius));
  }
  const Napi::Value delta_value = po.Get("energyDelta");
  if (!delta_value.IsUndefined() && !delta_value.IsString())
    throw_type(env, "params.energyDelta", "'exact', 'trapezoid' or 'simpson'", delta_value);
  const std::string delta = delta_value.IsString() ? delta_value.As<Napi::String>().Utf8Value() : "exact";
  if (delta == "exact") p.delta = rtk::EnergyDelta::Exact;
  else if (delta == "trapezoid") p.delta = rtk::EnergyDelta::Trapezoid;
  else if (delta == "simpson") p.delta = rtk::EnergyDelta::Simpson;
  else throw_type(env, "params.energyDelta", "'exact', 'trapezoid' or 'simpson'", po.Get("energyDelta"));
  const KernelCall c = call_arg(info[2]);
  if (dtype_of(info[1].As<Napi::Object>().Get("z"), "arrays.z") == Dtype::Float64)
    return mala_accept_typed<double>(info, p, c);
  return mala_accept_typed<float>(info, p, c);
}

template <class Real>
void uld_typed(const Napi::CallbackInfo& info, const rtk::UldCoefficients& coef, const KernelCall& c) {
  const size_t values = c.batch.values();
  auto z = typed_array<Real>(info[2], "z", values);
  auto v = typed_array<Real>(info[3], "v", values);
  auto g = typed_array<Real>(info[4], "gradG", values);
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(c.threads);
  rtk::ThreadPool& pool = *lease;
  rtk::uld_step(pool, c.batch, coef, z.data, v.data, g.data, stream(c, rtk::Purpose::Noise),
                stream(c, rtk::Purpose::Noise2));
}

// uldStep(gamma, tau, z, v, gradG, options): one exact ULD transition, z and v in place.
Napi::Value UldStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double gamma = number_arg(info[0], "gamma"), tau = number_arg(info[1], "tau");
  if (!(gamma >= 1e-100) || !(tau > 0)) throw_range(env, "Expected gamma >= 1e-100 and tau > 0 but received " + describe(info[0]) + " and " + describe(info[1]));
  const KernelCall c = call_arg(info[5]);
  const rtk::UldCoefficients coef = rtk::uld_coefficients(gamma, tau);
  if (dtype_of(info[2], "z") == Dtype::Float64) uld_typed<double>(info, coef, c);
  else uld_typed<float>(info, coef, c);
  return env.Undefined();
}

// uldCoefficients(gamma, tau) -> { e, cV, cGrad, lZZ, lVZ, lVV }
Napi::Value UldCoefficientsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double gamma = number_arg(info[0], "gamma"), tau = number_arg(info[1], "tau");
  if (!(gamma >= 1e-100) || !(tau > 0)) throw_range(env, "Expected gamma >= 1e-100 and tau > 0 but received " + describe(info[0]) + " and " + describe(info[1]));
  const rtk::UldCoefficients c = rtk::uld_coefficients(gamma, tau);
  Napi::Object o = Napi::Object::New(env);
  o.Set("e", c.e);
  o.Set("cV", c.c_v);
  o.Set("cGrad", c.c_grad);
  o.Set("lZZ", c.l_zz);
  o.Set("lVZ", c.l_vz);
  o.Set("lVV", c.l_vv);
  return o;
}

template <class Real>
void potential_typed(const Napi::CallbackInfo& info, double eta, const KernelCall& c) {
  const size_t values = c.batch.values(), n = c.batch.n;
  auto anchor = typed_array<Real>(info[1], "anchor", values);
  auto z = typed_array<Real>(info[2], "z", values);
  auto score = typed_array<Real>(info[3], "score", values);
  const bool with_energy = !info[4].IsNull() && !info[4].IsUndefined();
  Real* energy = with_energy ? typed_array<Real>(info[4], "energy", n).data : nullptr;
  auto grad = typed_array<Real>(info[5], "gradGOut", values);
  Real* g = with_energy ? typed_array<Real>(info[6], "gOut", n).data : nullptr;
  const std::shared_ptr<rtk::ThreadPool> lease = lease_pool(c.threads);
  rtk::ThreadPool& pool = *lease;
  rtk::segment_potential_batch(pool, c.batch, rtk::segment_potential(eta), anchor.data, z.data, score.data, energy,
                               grad.data, g);
}

// segmentPotential(eta, anchor, z, score, energy | null, gradGOut, gOut | null, options)
Napi::Value SegmentPotentialJs(const Napi::CallbackInfo& info) {
  const double eta = number_arg(info[0], "eta");
  if (!(eta > 0)) throw_range(info.Env(), "Expected eta > 0 but received " + describe(info[0]));
  const KernelCall c = call_arg(info[7]);
  if (dtype_of(info[2], "z") == Dtype::Float64) potential_typed<double>(info, eta, c);
  else potential_typed<float>(info, eta, c);
  return info.Env().Undefined();
}

}  // namespace

void DefineKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("philox4x32", Napi::Function::New(env, Philox, "philox4x32"));
  exports.Set("normals", Napi::Function::New(env, Normals, "normals"));
  exports.Set("scoreStep", Napi::Function::New(env, ScoreStepJs, "scoreStep"));
  exports.Set("stepCoefficients", Napi::Function::New(env, StepCoefficients, "stepCoefficients"));
  exports.Set("malaAccept", Napi::Function::New(env, MalaAccept, "malaAccept"));
  exports.Set("uldStep", Napi::Function::New(env, UldStep, "uldStep"));
  exports.Set("uldCoefficients", Napi::Function::New(env, UldCoefficientsJs, "uldCoefficients"));
  exports.Set("segmentPotential", Napi::Function::New(env, SegmentPotentialJs, "segmentPotential"));
}

}  // namespace rtk_addon
