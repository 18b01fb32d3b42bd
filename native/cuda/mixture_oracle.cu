#include "mixture_oracle.h"

#include <stdexcept>
#include <string>

#include "cuda_check.h"

namespace rtk::cuda {

namespace {

template <class Real>
__global__ void mixture_kernel(const double* mean, const double* precision, const double* log_norm, size_t k, int d,
                               const Real* x, size_t n, Real* score, Real* energy, double* lw) {
  const size_t p = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (p >= n) return;
  const size_t o = p * d;
  // lw is laid out component-major (lw[j * n + p]) so that a warp's accesses are coalesced.
  mixture_row(mean, precision, log_norm, k, d, x + o, score + o, energy ? energy + p : nullptr, lw + p, n);
}

}  // namespace

template <class Real>
CudaMixtureOracle<Real>::CudaMixtureOracle(const GaussianMixture& mixture, size_t n)
    : mixture_(mixture),
      n_(n),
      mean_(mixture.components() * mixture.dim()),
      precision_(mixture.components() * mixture.dim()),
      log_norm_(mixture.components()),
      weights_scratch_(mixture.components() * n) {}

template <class Real>
void CudaMixtureOracle<Real>::evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) {
  if (n > n_)
    throw std::invalid_argument("CudaMixtureOracle: a batch of " + std::to_string(n) + " rows exceeds the " +
                                std::to_string(n_) + " it was made for");
  if (!(t == uploaded_t_)) {  // an inner chain evaluates many times at one t: upload once
    mixture_.at_time(t, at_);
    mean_.upload(at_.mean.data(), at_.mean.size());
    precision_.upload(at_.precision.data(), at_.precision.size());
    log_norm_.upload(at_.log_norm.data(), at_.log_norm.size());
    uploaded_t_ = t;
  }
  constexpr unsigned threads = 256;
  const unsigned grid = static_cast<unsigned>((n + threads - 1) / threads);
  if (grid == 0) return;
  mixture_kernel<<<grid, threads>>>(mean_.data(), precision_.data(), log_norm_.data(), mixture_.components(),
                                    mixture_.dim(), x, n, score, energy, weights_scratch_.data());
  check_launch("mixture_kernel");
}

template class CudaMixtureOracle<float>;
template class CudaMixtureOracle<double>;

}  // namespace rtk::cuda
