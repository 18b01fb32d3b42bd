// A loaded score plugin (rtk/score_plugin.h) and the oracle that evaluates it on a run's pool.
// ScorePluginLibrary owns the dlopen handle and the plugin's context: it is held through a
// shared_ptr by the JS object (PluginBinding) and by every oracle of a running worker, so the
// plugin is destroyed and dlclose()d only when nothing uses it any more.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "rtk/score_plugin.h"
#include "rtk/targets/target.h"
#include "rtk/thread_pool.h"

namespace rtk_addon {

class ScorePluginLibrary {
 public:
  // dlopen + dlsym + ABI check + create. Throws std::invalid_argument (bad dim/path) or
  // std::runtime_error, whose message names the plugin's path and what went wrong.
  static std::shared_ptr<const ScorePluginLibrary> load(const std::string& path, int dim,
                                                        const std::string& config_json);
  ~ScorePluginLibrary();
  ScorePluginLibrary(const ScorePluginLibrary&) = delete;
  ScorePluginLibrary& operator=(const ScorePluginLibrary&) = delete;

  const std::string& path() const { return path_; }
  int dim() const { return dim_; }
  bool has_energy() const { return api_->energy != nullptr; }

  // Score (n*dim) and/or energy (n) of rows [0, n) of x at time t, split over `pool` in
  // chunks of consecutive rows; either output may be null. Throws std::runtime_error naming
  // the plugin, the function, its return code and t when the plugin reports a failure.
  template <class Real>
  void evaluate(rtk::ThreadPool& pool, const Real* x, size_t n, double t, Real* score, Real* energy) const;

 private:
  ScorePluginLibrary(std::string path, int dim) : path_(std::move(path)), dim_(dim) {}
  // One chunk in double (the plugin's type), on the calling thread.
  void call(const double* x, size_t n, double t, double* score, double* energy) const;

  std::string path_;
  int dim_ = 0;
  void* handle_ = nullptr;
  const rtk_score_plugin* api_ = nullptr;
  void* ctx_ = nullptr;
};

// Rows per chunk handed to the plugin (at least; the pool makes about 4 chunks per thread).
constexpr size_t kPluginGrain = 64;

template <class Real>
void ScorePluginLibrary::evaluate(rtk::ThreadPool& pool, const Real* x, size_t n, double t, Real* score,
                                  Real* energy) const {
  const size_t d = static_cast<size_t>(dim_);
  pool.parallel_for(
      n,
      [&](size_t begin, size_t end) {
        const size_t rows = end - begin;
        if constexpr (sizeof(Real) == sizeof(double)) {
          call(reinterpret_cast<const double*>(x) + begin * d, rows, t,
               score ? reinterpret_cast<double*>(score) + begin * d : nullptr,
               energy ? reinterpret_cast<double*>(energy) + begin : nullptr);
        } else {
          // float32 runs: the plugin computes in double on a converted copy of the chunk.
          std::vector<double> xd(x + begin * d, x + end * d);
          std::vector<double> sd(score ? rows * d : 0), ed(energy ? rows : 0);
          call(xd.data(), rows, t, score ? sd.data() : nullptr, energy ? ed.data() : nullptr);
          for (size_t i = 0; i < sd.size(); ++i) score[begin * d + i] = static_cast<Real>(sd[i]);
          for (size_t i = 0; i < ed.size(); ++i) energy[begin + i] = static_cast<Real>(ed[i]);
        }
      },
      kPluginGrain);
}

// The plugin as a sampler's oracle; keeps the library alive for as long as the run uses it.
template <class Real>
class PluginOracle : public rtk::ScoreOracle<Real> {
 public:
  PluginOracle(std::shared_ptr<const ScorePluginLibrary> library, rtk::ThreadPool& pool)
      : library_(std::move(library)), pool_(pool) {}
  int dim() const override { return library_->dim(); }
  bool has_energy() const override { return library_->has_energy(); }
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override {
    library_->evaluate(pool_, x, n, t, score, energy);
  }

 private:
  std::shared_ptr<const ScorePluginLibrary> library_;
  rtk::ThreadPool& pool_;
};

}  // namespace rtk_addon
