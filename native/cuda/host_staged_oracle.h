// Any host oracle (a JS score, a compiled plugin) driving a GPU run: each evaluation copies the
// batch to the host, evaluates there and copies score (and energy) back, i.e. 2-3 transfers of
// n*d values per score evaluation (see README, "GPU"). Host-only code; no kernels.
#pragma once
#include <vector>

#include "cuda_check.h"
#include "rtk/targets/target.h"

namespace rtk::cuda {

template <class Real>
class HostStagedOracle : public ScoreOracle<Real> {
 public:
  HostStagedOracle(ScoreOracle<Real>& host, size_t n, int d)
      : host_(host), x_(n * static_cast<size_t>(d)), score_(n * static_cast<size_t>(d)), energy_(n) {}
  int dim() const override { return host_.dim(); }
  bool has_energy() const override { return host_.has_energy(); }
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override {
    const size_t values = n * static_cast<size_t>(host_.dim());
    check(cudaMemcpy(x_.data(), x, values * sizeof(Real), cudaMemcpyDeviceToHost), "cudaMemcpy (to the host)");
    host_.evaluate(x_.data(), n, t, score_.data(), energy ? energy_.data() : nullptr);
    check(cudaMemcpy(score, score_.data(), values * sizeof(Real), cudaMemcpyHostToDevice),
          "cudaMemcpy (to the device)");
    if (energy)
      check(cudaMemcpy(energy, energy_.data(), n * sizeof(Real), cudaMemcpyHostToDevice),
            "cudaMemcpy (to the device)");
  }

 private:
  ScoreOracle<Real>& host_;
  std::vector<Real> x_, score_, energy_;
};

}  // namespace rtk::cuda
