// What a running sampler shares with JS: the cancel flag and a progress snapshot, written by
// the sampler between steps and read by JS whenever it likes (no callbacks into JS).
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>

#include "rtk/samplers/plan.h"
#include "rtk/samplers/run_context.h"

namespace rtk_addon {

struct RunState {
  std::atomic<bool> cancel{false};
  std::atomic<int> segment{0}, segments{0}, step{0}, steps{0}, nfe{0};
  int nfe_budget = 0;

  rtk::RunHooks hooks() {
    rtk::RunHooks h;
    h.cancelled = [this] { return cancel.load(std::memory_order_relaxed); };
    h.progress = [this](const rtk::Progress& p) {
      segment.store(p.segment, std::memory_order_relaxed);
      segments.store(p.segments, std::memory_order_relaxed);
      step.store(p.step, std::memory_order_relaxed);
      steps.store(p.steps, std::memory_order_relaxed);
      nfe.store(p.nfe_spent, std::memory_order_relaxed);
    };
    return h;
  }

  Napi::Object snapshot(Napi::Env env) const {
    Napi::Object o = Napi::Object::New(env);
    o.Set("segment", segment.load());
    o.Set("segments", segments.load());
    o.Set("step", step.load());
    o.Set("steps", steps.load());
    o.Set("nfeSpent", nfe.load());
    o.Set("nfeBudget", nfe_budget);
    return o;
  }
};

// The run's statistics as a JS object.
Napi::Object stats_to_js(Napi::Env env, const rtk::Stats& stats);

}  // namespace rtk_addon
