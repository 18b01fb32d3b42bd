#include "run_state.h"

namespace rtk_addon {

Napi::Object stats_to_js(Napi::Env env, const rtk::Stats& stats) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("nfe", stats.nfe);
  o.Set("energyEvals", stats.energy_evals);
  Napi::Array segments = Napi::Array::New(env, stats.segments.size());
  for (size_t i = 0; i < stats.segments.size(); ++i) {
    const rtk::SegmentStats& s = stats.segments[i];
    Napi::Object seg = Napi::Object::New(env);
    seg.Set("tStart", s.t_start);
    seg.Set("t", s.t);
    seg.Set("eta", s.eta);
    seg.Set("steps", s.steps);
    seg.Set("nfe", s.nfe);
    seg.Set("energyEvals", s.energy_evals);
    if (s.accept_rate >= 0) seg.Set("acceptRate", s.accept_rate);
    if (s.step_size > 0) seg.Set("stepSize", s.step_size);
    if (s.friction > 0) seg.Set("friction", s.friction);
    segments.Set(static_cast<uint32_t>(i), seg);
  }
  o.Set("segments", segments);
  return o;
}

}  // namespace rtk_addon
