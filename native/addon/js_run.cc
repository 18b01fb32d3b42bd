#include "js_run.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "device_run.h"
#include "rtk/thread_pool.h"
#include "samples_array.h"
#include "shared_pool.h"

namespace rtk_addon {

namespace {

// The bit pattern written into an output buffer before the user's function runs: a quiet NaN
// with a payload no arithmetic produces, so "the function did not write out[i]" is detectable.
constexpr uint64_t kUnwritten64 = 0x7FF8DEADBEEF0001ull;
constexpr uint32_t kUnwritten32 = 0x7FC0BEEFu;

template <class Real>
bool is_unwritten(Real v) {
  if constexpr (sizeof(Real) == 8) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    return bits == kUnwritten64;
  } else {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    return bits == kUnwritten32;
  }
}

template <class Real>
Real unwritten() {
  Real v;
  if constexpr (sizeof(Real) == 8) std::memcpy(&v, &kUnwritten64, 8);
  else std::memcpy(&v, &kUnwritten32, 4);
  return v;
}

// A thread asleep on the handoff's condition variable costs the thread that wakes it a futex
// wake-up and itself the wake-up's latency (on this project's VMs 20+ us and often 100+ us), at
// every evaluation. So each side waits for the other partly awake, spinning:
// - the JS thread, for the sampler's next request (its kernels: tens of microseconds to a few
//   milliseconds where the library's share of a run matters), up to kRequestSpin, when it does
//   not help the pool's kernels meanwhile (1 thread; with more, help_until);
// - the sampler thread asleep through most of the JS call, then awake for its end: from
//   kReplySpin (or 1/8 of the previous call, if less) before the previous call's duration, for up
//   to twice that.
// Each then sleeps as before. The limits keep the spinning to a small share of a second core
// that threads: 1 leaves free. bench/throughput.js, RTK-MALA with the paper's mixture as a JS
// score, library share of the run, three runs alternated with the build before: n = 4,096,
// 1 thread 13.1-16.2% -> 6.6-8.6%, 2 threads 6.7-8.8% -> 4.6-6.3%; n = 20,000, 1 thread
// 8.1-9.0% -> 6.2-8.6%, 2 threads 5.4-5.9% -> 4.6-5.1%.
constexpr std::chrono::microseconds kRequestSpin{2000};
constexpr std::chrono::microseconds kReplySpin{1000};

// Spins until ready() or `limit` has passed.
template <class Ready>
void wait_spinning(std::chrono::microseconds limit, Ready ready) {
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return;
      rtk::cpu_pause();
    }
    if (std::chrono::steady_clock::now() >= until) return;
  }
}

// The sampler-side oracle: posts each evaluation to the JS thread and waits for the reply.
template <class Real>
class JsOracle : public rtk::ScoreOracle<Real> {
 public:
  JsOracle(std::shared_ptr<Handoff> h, int d, bool has_energy) : h_(std::move(h)), d_(d), has_energy_(has_energy) {}
  int dim() const override { return d_; }
  bool has_energy() const override { return has_energy_; }
  // One request for the score and, when asked for, the energy: JS calls both before replying.
  void evaluate(const Real* x, size_t, double t, Real* score, Real* energy) override {
    std::unique_lock<std::mutex> lock(h_->mutex);
    if (h_->cancelled) throw rtk::RunCancelled();
    h_->kind = energy ? 1 : 0;
    h_->x = x;
    h_->score_out = score;
    h_->energy_out = energy;
    h_->t = t;
    h_->pending = true;
    h_->for_js.store(true);
    h_->changed.notify_all();
    const auto replied = [&] { return !h_->pending || h_->cancelled; };
    const auto posted = std::chrono::steady_clock::now();
    const auto window = std::min(kReplySpin, last_wait_ / 8);
    if (window.count() > 0 && !h_->changed.wait_until(lock, posted + last_wait_ - window, replied)) {
      lock.unlock();
      wait_spinning(2 * window, [&] { return !h_->for_js.load(std::memory_order_acquire); });
      lock.lock();
    }
    h_->changed.wait(lock, replied);
    last_wait_ = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - posted);
    if (h_->cancelled) throw rtk::RunCancelled();
  }

 private:
  std::shared_ptr<Handoff> h_;
  int d_;
  bool has_energy_;
  std::chrono::microseconds last_wait_{0};  // the previous call's time from request to reply
};

}  // namespace

Napi::Function JsScoreRun::Define(Napi::Env env) {
  return DefineClass(env, "JsScoreRun",
                     {InstanceMethod("next", &JsScoreRun::Next), InstanceMethod("provide", &JsScoreRun::Provide),
                      InstanceMethod("refreshX", &JsScoreRun::RefreshX), InstanceMethod("result", &JsScoreRun::Result),
                      InstanceMethod("close", &JsScoreRun::Close),
                      InstanceMethod("progress", &JsScoreRun::Progress),
                      InstanceAccessor("t", &JsScoreRun::T, nullptr)});
}

// new JsScoreRun(plan, nfeBudget, xBuffer, scoreBuffer, energyBuffer | null)
JsScoreRun::JsScoreRun(const Napi::CallbackInfo& info) : Napi::ObjectWrap<JsScoreRun>(info) {
  plan_ = plan_arg(info[0]);
  device_ = device_arg(info[0]);
  state_->nfe_budget = static_cast<int>(count_arg(info[1], "nfeBudget", 1ull << 31));
  dtype_ = dtype_of(info[2], "x buffer");
  if (dtype_ == Dtype::Float64) start<double>(info);
  else start<float>(info);
}

template <class Real>
void JsScoreRun::start(const Napi::CallbackInfo& info) {
  const size_t values = plan_.n * static_cast<size_t>(plan_.d);
  typed_array<Real>(info[2], "x buffer", values);
  typed_array<Real>(info[3], "score buffer", values);
  has_energy_ = !info[4].IsNull() && !info[4].IsUndefined();
  if (plan_.sampler == rtk::SamplerKind::RtkMala && !has_energy_)
    throw_type(info.Env(), "energy buffer", "a typed array of length n for sampler 'rtk-mala' (it evaluates energies)",
               info[4]);
  if (has_energy_) typed_array<Real>(info[4], "energy buffer", plan_.n);
  x_ref_ = Napi::Persistent(info[2]);
  score_ref_ = Napi::Persistent(info[3]);
  if (has_energy_) energy_ref_ = Napi::Persistent(info[4]);
  auto samples = std::make_shared<SampleValues<Real>>(values);
  samples_ = samples;
  pool_ = lease_pool(plan_.threads, 1);
  thread_ = std::thread([plan = plan_, device = device_, h = handoff_, state = state_, stats = stats_, samples,
                         energy = has_energy_, pool = pool_] {
    std::string error;
    bool cancelled = false;
    try {
      JsOracle<Real> oracle(h, plan.d, energy);
      *stats = run_on_device(device, plan, oracle, nullptr, *pool, state->hooks(), state->nfe_budget,
                             samples->data());
    } catch (const rtk::RunCancelled&) {
      cancelled = true;
      error = "the run was cancelled";
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "the sampler failed";
    }
    std::lock_guard<std::mutex> lock(h->mutex);
    h->finished = true;
    h->for_js.store(true);
    h->error = error;
    h->error_cancelled = cancelled;
    h->changed.notify_all();
  });
}

JsScoreRun::~JsScoreRun() { stop(); }

void JsScoreRun::stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(handoff_->mutex);
      handoff_->cancelled = true;
      state_->cancel = true;
      handoff_->changed.notify_all();
    }
    thread_.join();
  }
  pool_.reset();  // its threads end with the run, not when JS collects this object
}

template <class Real>
void JsScoreRun::copy_x_to_js() {
  const size_t values = plan_.n * static_cast<size_t>(plan_.d);
  auto x = typed_array<Real>(x_ref_.Value(), "x buffer", values);
  std::memcpy(x.data, handoff_->x, values * sizeof(Real));
}

template <class Real>
void JsScoreRun::copy_request_to_js(Napi::Env) {
  copy_x_to_js<Real>();
  const size_t values = plan_.n * static_cast<size_t>(plan_.d);
  auto score = typed_array<Real>(score_ref_.Value(), "score buffer", values);
  std::fill(score.data, score.data + values, unwritten<Real>());
  if (handoff_->kind == 1) {
    auto energy = typed_array<Real>(energy_ref_.Value(), "energy buffer", plan_.n);
    std::fill(energy.data, energy.data + plan_.n, unwritten<Real>());
  }
}

// next() -> 0 (call the score), 1 (call the score, then refreshX(), then the energy) or 2
// (done); throws what the sampler threw.
Napi::Value JsScoreRun::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto request_ready = [this] { return handoff_->for_js.load(std::memory_order_acquire); };
  if (pool_ && pool_->helpers() > 0) pool_->help_until(request_ready);
  else wait_spinning(kRequestSpin, request_ready);
  std::unique_lock<std::mutex> lock(handoff_->mutex);
  if (handoff_->cancelled) throw Napi::Error::New(env, "the run is closed");
  handoff_->changed.wait(lock, [&] { return handoff_->pending || handoff_->finished; });
  if (handoff_->pending) {
    t_ = handoff_->t;
    if (dtype_ == Dtype::Float64) copy_request_to_js<double>(env);
    else copy_request_to_js<float>(env);
    return Napi::Number::New(env, handoff_->kind);
  }
  if (!handoff_->error.empty()) {
    Napi::Error e = Napi::Error::New(env, handoff_->error);
    if (handoff_->error_cancelled) e.Set("code", "RTK_CANCELLED");
    throw e;
  }
  return Napi::Number::New(env, 2);
}

// Where the run is, for messages: "segment k, step s".
std::string JsScoreRun::location() const {
  return "segment " + std::to_string(state_->segment.load()) + ", step " + std::to_string(state_->step.load());
}

// The score's (or energy's) output as JS left it: every value written, the array not detached;
// copied to `out` for the sampler.
template <class Real>
void JsScoreRun::check_reply(Napi::Env env, bool score, Real* dest) {
  const size_t len = score ? plan_.n * static_cast<size_t>(plan_.d) : plan_.n;
  const Napi::Value buffer = score ? score_ref_.Value() : energy_ref_.Value();
  const std::string what = score ? "score" : "energy";
  if (buffer.As<Napi::TypedArray>().ElementLength() != len)
    throw Napi::Error::New(env, "The " + what + " function's out array was detached (transferred) at " + location() +
                                    ", t = " + rtk::format_time(handoff_->t) + ": it must stay usable until the call returns");
  auto out = typed_array<Real>(buffer, what + " buffer", len);
  for (size_t i = 0; i < len; ++i) {
    if (is_unwritten(out.data[i])) {
      throw Napi::Error::New(env, "The " + what + " function did not write out[" + std::to_string(i) + "] (of " +
                                      std::to_string(len) + ") at " + location() + ", t = " + rtk::format_time(handoff_->t) +
                                      ": it must fill the whole output array");
    }
  }
  std::memcpy(dest, out.data, len * sizeof(Real));
}

template <class Real>
void JsScoreRun::copy_reply_from_js(Napi::Env env) {
  check_reply<Real>(env, true, static_cast<Real*>(handoff_->score_out));
  if (handoff_->kind == 1) check_reply<Real>(env, false, static_cast<Real*>(handoff_->energy_out));
}

// refreshX(): copies the pending request's batch into the x buffer again, so that the energy
// sees the points as sent even if the score function wrote into x.
Napi::Value JsScoreRun::RefreshX(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(handoff_->mutex);
  if (!handoff_->pending) throw Napi::Error::New(env, "refreshX() called with no evaluation pending");
  if (dtype_ == Dtype::Float64) copy_x_to_js<double>();
  else copy_x_to_js<float>();
  return env.Undefined();
}

// provide(): hands the output buffer's contents back to the sampler.
Napi::Value JsScoreRun::Provide(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(handoff_->mutex);
  if (!handoff_->pending) throw Napi::Error::New(env, "provide() called with no evaluation pending");
  if (dtype_ == Dtype::Float64) copy_reply_from_js<double>(env);
  else copy_reply_from_js<float>(env);
  handoff_->pending = false;
  handoff_->for_js.store(false);
  if (pool_) pool_->nudge();  // its workers wake while the sampler thread does
  handoff_->changed.notify_all();
  return env.Undefined();
}

template <class Real>
Napi::Value JsScoreRun::result_typed(Napi::Env env, const Napi::Value& out) {
  // The samples go to JS once (samples_for_js): as an array over their memory, or copied into out.
  // A bad out throws there before the samples are touched, so result() can be called again.
  auto& samples = *static_cast<SampleValues<Real>*>(samples_.get());
  Napi::Object result = Napi::Object::New(env);
  result.Set("samples", samples_for_js(env, std::move(samples), out));
  samples_.reset();
  result.Set("stats", stats_to_js(env, *stats_));
  return result;
}

// result(out?) -> { samples, stats } once next() returned 2; samples is out when given.
Napi::Value JsScoreRun::Result(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  {
    std::lock_guard<std::mutex> lock(handoff_->mutex);
    if (!handoff_->finished || !handoff_->error.empty()) throw Napi::Error::New(env, "the run has not finished");
    if (!samples_) throw Napi::Error::New(env, "the samples are gone: result() hands them over once, and close() frees them");
  }
  if (thread_.joinable()) thread_.join();
  pool_.reset();
  return dtype_ == Dtype::Float64 ? result_typed<double>(env, info[0]) : result_typed<float>(env, info[0]);
}

// close(): stops the sampler (if still running) and frees its buffers.
Napi::Value JsScoreRun::Close(const Napi::CallbackInfo& info) {
  stop();
  samples_.reset();
  x_ref_.Reset();
  score_ref_.Reset();
  energy_ref_.Reset();
  return info.Env().Undefined();
}

Napi::Value JsScoreRun::T(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), t_); }

Napi::Value JsScoreRun::Progress(const Napi::CallbackInfo& info) { return state_->snapshot(info.Env()); }

}  // namespace rtk_addon
