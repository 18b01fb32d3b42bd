// The GPU executor: the samplers (rtk/samplers) take their executor as `ctx.pool`, and with a
// CudaExec every batch operation they call resolves (by argument-dependent lookup) to the
// overloads declared here, which launch the kernels in kernels.cu. The batch then stays in GPU
// memory for the whole run; only reductions (acceptance rate, curvature, the non-finite check)
// come back, as fixed-block partial sums added on the host in block order, exactly as the CPU
// adds them, so float64 runs give the CPU's bits.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "device_buffer.h"
#include "rtk/batch.h"
#include "rtk/kernels/batch_ops.h"
#include "rtk/kernels/mala.h"
#include "rtk/kernels/score_step.h"
#include "rtk/kernels/segment_potential.h"
#include "rtk/kernels/uld.h"

namespace rtk::cuda {

// The particles per partial sum: the CPU's block (rtk::mala_accept, mean_secant_curvature).
constexpr size_t kReductionBlock = 1024;

class CudaExec {
 public:
  template <class T>
  using Buffer = DeviceBuffer<T>;

  // Scratch for batches of up to n particles, allocated once (nothing is allocated per step).
  explicit CudaExec(size_t n)
      : n_(n),
        values_(n),
        counts_(n),
        block_values_(blocks(n)),
        block_counts_(blocks(n)),
        host_values_(blocks(n)),
        host_counts_(blocks(n)),
        first_bad_(1) {}

  size_t capacity() const { return n_; }
  static size_t blocks(size_t n) { return (n + kReductionBlock - 1) / kReductionBlock; }

  // Per-particle values and counts (written by a kernel), then summed in fixed blocks: returns
  // {sum of values, sum of counts} over n particles, in the CPU's order.
  double* values() { return values_.data(); }
  double* counts() { return counts_.data(); }
  void block_sums(size_t n, double& value_sum, double& count_sum);
  unsigned long long* first_bad() { return first_bad_.data(); }

 private:
  size_t n_;
  DeviceBuffer<double> values_, counts_, block_values_, block_counts_;
  std::vector<double> host_values_, host_counts_;
  DeviceBuffer<unsigned long long> first_bad_;
};

template <class Real>
void score_step(CudaExec& exec, const Batch& b, const ScoreStep& c, const Real* x, const Real* s, Real* out,
                const StreamId& noise);

template <class Real>
void segment_potential_batch(CudaExec& exec, const Batch& b, const SegmentPotential& s, const Real* anchor,
                             const Real* z, const Real* score, const Real* energy, Real* grad_g, Real* g);

template <class Real>
MalaAcceptInfo mala_accept(CudaExec& exec, const Batch& b, const MalaAcceptParams& p, const MalaArrays<Real>& a,
                           const StreamId& accept_stream, uint8_t* accepted);

template <class Real>
void uld_step(CudaExec& exec, const Batch& b, const UldCoefficients& c, Real* z, Real* v, const Real* grad_g,
              const StreamId& noise, const StreamId& noise2);

template <class Real>
double mean_secant_curvature(CudaExec& exec, const Batch& b, const Real* z0, const Real* g0, const Real* z1,
                             const Real* g1);

template <class Real>
void fill_normals_batch(CudaExec& exec, const Batch& b, const StreamId& stream, Real* out);

template <class Real>
void copy_values(CudaExec& exec, const Real* from, size_t count, Real* to);

template <class Real>
void copy_to_host(CudaExec& exec, const Real* from, size_t count, Real* to);

template <class Real>
void midpoint(CudaExec& exec, const Real* a, const Real* b, size_t count, Real* out);

template <class Real>
void heun_update(CudaExec& exec, double h, Real* x, const Real* s1, const Real* x_pred, const Real* s2, size_t count);

template <class Real>
NonFinite find_non_finite(CudaExec& exec, const Real* values, size_t count);

}  // namespace rtk::cuda
