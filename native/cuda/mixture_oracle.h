// The Gaussian mixture's score and energy evaluated on the GPU, one thread per particle
// (rtk::mixture_row: the CPU's arithmetic in the CPU's order). The component parameters of p_t
// are computed on the host for each evaluation time (K*d values) and copied over.
#pragma once
#include <limits>

#include "device_buffer.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/target.h"

namespace rtk::cuda {

template <class Real>
class CudaMixtureOracle : public ScoreOracle<Real> {
 public:
  // Evaluates batches of up to n particles held in GPU memory.
  CudaMixtureOracle(const GaussianMixture& mixture, size_t n);
  int dim() const override { return mixture_.dim(); }
  bool has_energy() const override { return true; }
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override;

 private:
  const GaussianMixture& mixture_;
  size_t n_;
  GaussianMixture::AtTime at_;                        // host copy of p_t's parameters
  DeviceBuffer<double> mean_, precision_, log_norm_;  // the same on the GPU
  DeviceBuffer<double> weights_scratch_;              // K values per particle (mixture_row's lw)
  double uploaded_t_ = std::numeric_limits<double>::quiet_NaN();  // the time whose parameters are on the GPU
};

}  // namespace rtk::cuda
