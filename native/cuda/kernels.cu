// The GPU forms of the batch operations in cuda_exec.h. Each kernel is a thin loop over the
// same RTK_HD per-particle (or per-4-coordinate-block) functions the CPU runs, so a GPU thread
// does exactly the CPU's arithmetic (built with --fmad=false: no contraction, like the CPU's
// -ffp-contract=off) on the same Philox streams.
#include <cuda_runtime.h>

#include "cuda_exec.h"
#include "rtk/samplers/curvature.h"

namespace rtk::cuda {

namespace {

constexpr unsigned kThreads = 256;

unsigned grid_for(size_t items) { return static_cast<unsigned>((items + kThreads - 1) / kThreads); }

int blocks_per_row(int d) { return (d + 3) / 4; }

__global__ void block_sums_kernel(const double* values, const double* counts, size_t n, double* value_sums,
                                  double* count_sums) {
  const size_t blk = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  const size_t begin = blk * kReductionBlock;
  if (begin >= n) return;
  const size_t end = begin + kReductionBlock < n ? begin + kReductionBlock : n;
  double v = 0, c = 0;
  for (size_t i = begin; i < end; ++i) {
    v += values[i];
    c += counts[i];
  }
  value_sums[blk] = v;
  count_sums[blk] = c;
}

template <class Real>
__global__ void score_step_kernel(ScoreStep c, const Real* x, const Real* s, Real* out, Batch b, StreamId noise) {
  const int per_row = (b.d + 3) / 4;
  const size_t id = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (id >= b.n * per_row) return;
  const size_t p = id / per_row, o = p * b.d;
  score_step_block(c, x + o, s + o, out + o, b.d, noise, b.particle_offset + p, static_cast<int>(id % per_row));
}

template <class Real>
__global__ void segment_potential_kernel(SegmentPotential s, const Real* anchor, const Real* z, const Real* score,
                                         const Real* energy, Real* grad_g, Real* g, Batch b) {
  const size_t p = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (p >= b.n) return;
  const size_t o = p * b.d;
  segment_potential_particle(s, anchor + o, z + o, score + o, energy ? energy + p : nullptr, grad_g + o,
                             g ? g + p : nullptr, b.d);
}

template <class Real>
__global__ void mala_accept_kernel(MalaAcceptParams params, MalaArrays<Real> a, Batch b, StreamId accept_stream,
                                   double* probs, double* flags, uint8_t* accepted) {
  const size_t p = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (p >= b.n) return;
  uint8_t flag = 0;
  probs[p] = mala_accept_particle(params, a, p, b.d, accept_stream, b.particle_offset + p, &flag);
  flags[p] = flag;
  if (accepted) accepted[p] = flag;
}

template <class Real>
__global__ void uld_step_kernel(UldCoefficients c, Real* z, Real* v, const Real* grad_g, Batch b, StreamId noise,
                                StreamId noise2) {
  const int per_row = (b.d + 3) / 4;
  const size_t id = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (id >= b.n * per_row) return;
  const size_t p = id / per_row, o = p * b.d;
  uld_step_block(c, z + o, v + o, grad_g + o, b.d, noise, noise2, b.particle_offset + p,
                 static_cast<int>(id % per_row));
}

template <class Real>
__global__ void secant_kernel(const Real* z0, const Real* g0, const Real* z1, const Real* g1, Batch b,
                              double* secants, double* counted) {
  const size_t p = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (p >= b.n) return;
  const size_t o = p * b.d;
  bool ok = false;
  secants[p] = secant_curvature_particle(z0 + o, g0 + o, z1 + o, g1 + o, b.d, &ok);
  counted[p] = ok ? 1.0 : 0.0;
}

template <class Real>
__global__ void fill_normals_kernel(Batch b, StreamId stream, Real* out) {
  const int per_row = (b.d + 3) / 4;
  const size_t id = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (id >= b.n * per_row) return;
  const size_t p = id / per_row;
  fill_normals_block(stream, b.particle_offset + p, b.d, static_cast<int>(id % per_row), out + p * b.d);
}

template <class Real>
__global__ void midpoint_kernel(const Real* a, const Real* b, size_t count, Real* out) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count) out[i] = midpoint_value(a[i], b[i]);
}

template <class Real>
__global__ void heun_kernel(double h, Real* x, const Real* s1, const Real* x_pred, const Real* s2, size_t count) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count) x[i] = heun_value(h, x[i], s1[i], x_pred[i], s2[i]);
}

template <class Real>
__global__ void first_non_finite_kernel(const Real* values, size_t count, unsigned long long* first) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < count && !isfinite(static_cast<double>(values[i]))) atomicMin(first, static_cast<unsigned long long>(i));
}

}  // namespace

void CudaExec::block_sums(size_t n, double& value_sum, double& count_sum) {
  const size_t nb = blocks(n);
  value_sum = 0;
  count_sum = 0;
  if (nb == 0) return;
  block_sums_kernel<<<grid_for(nb), kThreads>>>(values_.data(), counts_.data(), n, block_values_.data(),
                                                block_counts_.data());
  check_launch("block_sums_kernel");
  block_values_.download(host_values_.data(), nb);
  block_counts_.download(host_counts_.data(), nb);
  for (size_t blk = 0; blk < nb; ++blk) {
    value_sum += host_values_[blk];
    count_sum += host_counts_[blk];
  }
}

template <class Real>
void score_step(CudaExec&, const Batch& b, const ScoreStep& c, const Real* x, const Real* s, Real* out,
                const StreamId& noise) {
  score_step_kernel<<<grid_for(b.n * blocks_per_row(b.d)), kThreads>>>(c, x, s, out, b, noise);
  check_launch("score_step_kernel");
}

template <class Real>
void segment_potential_batch(CudaExec&, const Batch& b, const SegmentPotential& s, const Real* anchor,
                             const Real* z, const Real* score, const Real* energy, Real* grad_g, Real* g) {
  segment_potential_kernel<<<grid_for(b.n), kThreads>>>(s, anchor, z, score, energy, grad_g, g, b);
  check_launch("segment_potential_kernel");
}

template <class Real>
MalaAcceptInfo mala_accept(CudaExec& exec, const Batch& b, const MalaAcceptParams& p, const MalaArrays<Real>& a,
                           const StreamId& accept_stream, uint8_t* accepted) {
  mala_accept_kernel<<<grid_for(b.n), kThreads>>>(p, a, b, accept_stream, exec.values(), exec.counts(), accepted);
  check_launch("mala_accept_kernel");
  double prob_sum = 0, accepted_count = 0;
  exec.block_sums(b.n, prob_sum, accepted_count);
  MalaAcceptInfo info;
  info.accepted = static_cast<size_t>(accepted_count);
  info.mean_accept_prob = b.n ? prob_sum / static_cast<double>(b.n) : 0.0;
  return info;
}

template <class Real>
void uld_step(CudaExec&, const Batch& b, const UldCoefficients& c, Real* z, Real* v, const Real* grad_g,
              const StreamId& noise, const StreamId& noise2) {
  uld_step_kernel<<<grid_for(b.n * blocks_per_row(b.d)), kThreads>>>(c, z, v, grad_g, b, noise, noise2);
  check_launch("uld_step_kernel");
}

template <class Real>
double mean_secant_curvature(CudaExec& exec, const Batch& b, const Real* z0, const Real* g0, const Real* z1,
                             const Real* g1) {
  secant_kernel<<<grid_for(b.n), kThreads>>>(z0, g0, z1, g1, b, exec.values(), exec.counts());
  check_launch("secant_kernel");
  double sum = 0, count = 0;
  exec.block_sums(b.n, sum, count);
  return count > 0 ? sum / count : std::numeric_limits<double>::quiet_NaN();
}

template <class Real>
void fill_normals_batch(CudaExec&, const Batch& b, const StreamId& stream, Real* out) {
  fill_normals_kernel<<<grid_for(b.n * blocks_per_row(b.d)), kThreads>>>(b, stream, out);
  check_launch("fill_normals_kernel");
}

template <class Real>
void copy_values(CudaExec&, const Real* from, size_t count, Real* to) {
  check(cudaMemcpy(to, from, count * sizeof(Real), cudaMemcpyDeviceToDevice), "cudaMemcpy (on the device)");
}

template <class Real>
void copy_to_host(CudaExec&, const Real* from, size_t count, Real* to) {
  check(cudaMemcpy(to, from, count * sizeof(Real), cudaMemcpyDeviceToHost), "cudaMemcpy (to the host)");
}

template <class Real>
void midpoint(CudaExec&, const Real* a, const Real* b, size_t count, Real* out) {
  midpoint_kernel<<<grid_for(count), kThreads>>>(a, b, count, out);
  check_launch("midpoint_kernel");
}

template <class Real>
void heun_update(CudaExec&, double h, Real* x, const Real* s1, const Real* x_pred, const Real* s2, size_t count) {
  heun_kernel<<<grid_for(count), kThreads>>>(h, x, s1, x_pred, s2, count);
  check_launch("heun_kernel");
}

template <class Real>
NonFinite find_non_finite(CudaExec& exec, const Real* values, size_t count) {
  const unsigned long long none = ~0ull;
  unsigned long long first = none;
  check(cudaMemcpy(exec.first_bad(), &none, sizeof none, cudaMemcpyHostToDevice), "cudaMemcpy (to the device)");
  if (count > 0) {
    first_non_finite_kernel<<<grid_for(count), kThreads>>>(values, count, exec.first_bad());
    check_launch("first_non_finite_kernel");
  }
  check(cudaMemcpy(&first, exec.first_bad(), sizeof first, cudaMemcpyDeviceToHost), "cudaMemcpy (to the host)");
  if (first == none) return NonFinite{};
  Real value;
  check(cudaMemcpy(&value, values + first, sizeof value, cudaMemcpyDeviceToHost), "cudaMemcpy (to the host)");
  return NonFinite{true, static_cast<size_t>(first), static_cast<double>(value)};
}

#define RTK_CUDA_INSTANTIATE(Real)                                                                                  \
  template void score_step<Real>(CudaExec&, const Batch&, const ScoreStep&, const Real*, const Real*, Real*,       \
                                 const StreamId&);                                                                 \
  template void segment_potential_batch<Real>(CudaExec&, const Batch&, const SegmentPotential&, const Real*,       \
                                              const Real*, const Real*, const Real*, Real*, Real*);                \
  template MalaAcceptInfo mala_accept<Real>(CudaExec&, const Batch&, const MalaAcceptParams&,                      \
                                            const MalaArrays<Real>&, const StreamId&, uint8_t*);                   \
  template void uld_step<Real>(CudaExec&, const Batch&, const UldCoefficients&, Real*, Real*, const Real*,         \
                               const StreamId&, const StreamId&);                                                  \
  template double mean_secant_curvature<Real>(CudaExec&, const Batch&, const Real*, const Real*, const Real*,      \
                                              const Real*);                                                        \
  template void fill_normals_batch<Real>(CudaExec&, const Batch&, const StreamId&, Real*);                         \
  template void copy_values<Real>(CudaExec&, const Real*, size_t, Real*);                                          \
  template void copy_to_host<Real>(CudaExec&, const Real*, size_t, Real*);                                         \
  template void midpoint<Real>(CudaExec&, const Real*, const Real*, size_t, Real*);                                \
  template void heun_update<Real>(CudaExec&, double, Real*, const Real*, const Real*, const Real*, size_t);        \
  template NonFinite find_non_finite<Real>(CudaExec&, const Real*, size_t);

RTK_CUDA_INSTANTIATE(float)
RTK_CUDA_INSTANTIATE(double)

}  // namespace rtk::cuda
