// JsScoreRun: a sampling run whose score (and energy) is a JS function. The sampler runs on
// its own thread and hands each batched evaluation to the JS thread, which calls the user's
// function (sync or async) on preallocated typed arrays and hands the result back:
//   const run = new JsScoreRun(plan, nfeBudget, xBuffer, scoreBuffer, energyBuffer | null);
//   for (let kind; (kind = run.next()) !== DONE; ) { f(xBuffer, run.t, out); run.provide(); }
//   const { samples, stats } = run.result(out?); run.close();
// All copies between the sampler and the JS buffers happen on the JS thread while the sampler
// waits, so a user who keeps a buffer and writes to it later never races the sampler.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "convert.h"
#include "device_run.h"
#include "rtk/samplers/plan.h"
#include "rtk/thread_pool.h"
#include "run_state.h"

namespace rtk_addon {

// The state shared by the JS thread and the sampler thread.
struct Handoff {
  std::mutex mutex;
  std::condition_variable changed;
  bool pending = false;    // a request waits for JS
  bool cancelled = false;  // JS closed the run
  bool finished = false;   // the sampler thread has ended
  std::atomic<bool> for_js{false};  // pending || finished, readable without the mutex
  int kind = 0;            // 0: the score; 1: the score and the energy (one round trip)
  double t = 0;
  const void* x = nullptr;
  void* score_out = nullptr;
  void* energy_out = nullptr;
  std::string error;       // set when the sampler failed
  bool error_cancelled = false;
};

class JsScoreRun : public Napi::ObjectWrap<JsScoreRun> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit JsScoreRun(const Napi::CallbackInfo& info);
  ~JsScoreRun() override;

 private:
  Napi::Value Next(const Napi::CallbackInfo& info);
  Napi::Value Provide(const Napi::CallbackInfo& info);
  Napi::Value RefreshX(const Napi::CallbackInfo& info);
  Napi::Value Result(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value T(const Napi::CallbackInfo& info);
  Napi::Value Progress(const Napi::CallbackInfo& info);
  void stop();
  std::string location() const;
  template <class Real>
  void start(const Napi::CallbackInfo& info);
  template <class Real>
  void copy_request_to_js(Napi::Env env);
  template <class Real>
  void copy_x_to_js();
  template <class Real>
  void copy_reply_from_js(Napi::Env env);
  template <class Real>
  void check_reply(Napi::Env env, bool score, Real* out);
  template <class Real>
  Napi::Value result_typed(Napi::Env env, const Napi::Value& out);

  rtk::Plan plan_;
  Device device_ = Device::Cpu;
  Dtype dtype_ = Dtype::Float64;
  bool has_energy_ = false;
  std::shared_ptr<Handoff> handoff_ = std::make_shared<Handoff>();
  std::shared_ptr<RunState> state_ = std::make_shared<RunState>();
  std::shared_ptr<void> samples_;  // SampleValues<Real>, shared with the sampler thread until it ends
  std::shared_ptr<rtk::Stats> stats_ = std::make_shared<rtk::Stats>();
  Napi::Reference<Napi::Value> x_ref_, score_ref_, energy_ref_;
  // The sampler's pool. With threads >= 2 the JS thread is one of its threads: next() lends it
  // to the pool while the sampler computes (awake when the native steps start), and the
  // pool's own workers are nudged when a reply goes back.
  std::shared_ptr<rtk::ThreadPool> pool_;
  std::thread thread_;
  double t_ = 0;
};

}  // namespace rtk_addon
