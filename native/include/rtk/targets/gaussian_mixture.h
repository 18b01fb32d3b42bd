// A Gaussian mixture p_0 = sum_j w_j N(mu_j, diag(s2_j)) pushed through the forward process
// dX = -X dt + sqrt(2) dB (rtk-math.md): p_t is the mixture with means e^{-t} mu_j and
// variances e^{-2t} s2_j + 1 - e^{-2t}, so score and energy are exact (stable log-sum-exp).
#pragma once
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "../batch.h"
#include "../fast_math.h"
#include "../host_device.h"
#include "../lanes.h"
#include "../philox.h"
#include "../row_columns.h"
#include "../thread_pool.h"
#include "target.h"

namespace rtk {

// One row's score (and energy when energy != null) from the component parameters of p_t (mean,
// precision: K*d; log_norm: K; see GaussianMixture::AtTime): one GPU thread's work. It is the
// arithmetic of one lane of GaussianMixture::evaluate_lanes in the same order, so the GPU and the
// CPU give the same scores. lw: K doubles of scratch, `stride` apart.
template <class Real>
RTK_HD inline void mixture_row(const double* mean, const double* precision, const double* log_norm, size_t k, int d,
                               const Real* x, Real* score, Real* energy, double* lw, size_t stride) {
  double top = -INFINITY;
  for (size_t j = 0; j < k; ++j) {
    double q = 0;
    for (int i = 0; i < d; ++i) {
      const double diff = static_cast<double>(x[i]) - mean[j * d + i];
      q += diff * diff * precision[j * d + i];
    }
    const double l = log_norm[j] - 0.5 * q;
    lw[j * stride] = l;
    top = l > top ? l : top;
  }
  double total = 0;
  for (size_t j = 0; j < k; ++j) {
    const double e = exp_nonpositive(lw[j * stride] - top);
    lw[j * stride] = e;
    total += e;
  }
  for (int i = 0; i < d; ++i) {
    const double xi = static_cast<double>(x[i]);
    double acc = 0;
    for (size_t j = 0; j < k; ++j) acc += lw[j * stride] * ((mean[j * d + i] - xi) * precision[j * d + i]);
    score[i] = static_cast<Real>(acc / total);
  }
  if (energy) *energy = static_cast<Real>(-(top + log_lanes<double, uint64_t>(total)));
}

class GaussianMixture {
 public:
  // weights: K (positive, normalised here); means: K*d; variances: K*d (diagonal).
  GaussianMixture(std::vector<double> weights, std::vector<double> means, std::vector<double> variances, int d)
      : d_(d), weights_(std::move(weights)), means_(std::move(means)), variances_(std::move(variances)) {
    const size_t k = weights_.size();
    if (d < 1) throw std::invalid_argument("dimension must be >= 1");
    if (k == 0) throw std::invalid_argument("a mixture needs at least one component");
    if (means_.size() != k * d || variances_.size() != k * d)
      throw std::invalid_argument("means and variances must have K*d entries");
    double total = 0;
    for (double w : weights_) {
      if (!(w > 0) || !std::isfinite(w)) throw std::invalid_argument("weights must be positive and finite");
      total += w;
    }
    for (double& w : weights_) w /= total;
    for (double v : variances_)
      if (!(v >= 1e-300) || !(v <= 1e300)) throw std::invalid_argument("variances must lie in [1e-300, 1e300]");
    for (double m : means_)
      if (!std::isfinite(m)) throw std::invalid_argument("means must be finite");
  }

  int dim() const { return d_; }
  size_t components() const { return weights_.size(); }
  const std::vector<double>& weights() const { return weights_; }
  const std::vector<double>& means() const { return means_; }
  const std::vector<double>& variances() const { return variances_; }

  // The component parameters of p_t, computed once per evaluation time.
  struct AtTime {
    std::vector<double> mean;       // K*d: e^{-t} mu
    std::vector<double> precision;  // K*d: 1 / (e^{-2t} s2 + 1 - e^{-2t})
    std::vector<double> log_norm;   // K: log w - 0.5 sum log(2 pi var)
  };

  AtTime at_time(double t) const {
    AtTime a;
    at_time(t, a);
    return a;
  }

  // Fills `a` in place (no allocation once its vectors have grown to size).
  void at_time(double t, AtTime& a) const {
    const size_t k = weights_.size(), kd = k * d_;
    a.mean.resize(kd);
    a.precision.resize(kd);
    a.log_norm.resize(k);
    const double decay = std::exp(-t), decay2 = std::exp(-2.0 * t), noise = -std::expm1(-2.0 * t);
    constexpr double log_two_pi = 1.8378770664093454835606594728112;
    for (size_t j = 0; j < k; ++j) {
      double log_det = 0;
      for (int i = 0; i < d_; ++i) {
        const double var = decay2 * variances_[j * d_ + i] + noise;
        a.mean[j * d_ + i] = decay * means_[j * d_ + i];
        a.precision[j * d_ + i] = 1.0 / var;
        log_det += std::log(var);
      }
      a.log_norm[j] = std::log(weights_[j]) - 0.5 * (d_ * log_two_pi + log_det);
    }
  }

  // Rows are evaluated in tiles of kTile, transposed so that the inner loops run across the
  // tile's rows and vectorise; every row's arithmetic is the same whatever tile it falls in.
  // CPU only (GCC vectors; nvcc's device pass skips them, the GPU runs mixture_row).
  static constexpr int kTile = kLanes;
#if !defined(__CUDA_ARCH__)

  // Tiles of scratch (Lanes, naturally aligned) that evaluate_rows needs: two tiles' rows,
  // scores and K weights.
  size_t work_tiles() const { return 2 * (2 * static_cast<size_t>(d_) + weights_.size()); }

  // Score (and energy when energy != null) of rows [0, n) of x at the parameters `a`, two tiles
  // at a time; p_t is log-sum-exp'd stably: log p = top + log sum_j e^{l_j - top},
  // score = sum_j r_j (m_j - x) / var_j.
  template <class Real>
  void evaluate_rows(const AtTime& a, const Real* x, size_t n, Real* score, Real* energy, Lanes* work) const {
    for_tile_pairs(0, n, [&](auto tiles, size_t row, int last_rows) {
      constexpr int T = decltype(tiles)::value;
      evaluate_tiles<T>(a, x + row * d_, last_rows, score + row * d_, energy ? energy + row : nullptr, work);
    });
  }

  // One tile's operands of evaluate_lanes: kTile rows held transposed in xt (d tiles), where
  // their score goes (d tiles, not yet rounded to Real), where their energy goes (null in every
  // tile of a call or in none: not wanted) and K tiles of scratch.
  struct LaneTile {
    const Lanes* xt;
    Lanes* score;
    Lanes* energy;
    Lanes* lw;
  };

  // The core of T tiles (1 to 4) at once, for the fused kernels too. The loops take several
  // components (quadratic forms, exponentials) or coordinates (score sums) at a time so that
  // independent dependency chains sit side by side for the out-of-order core, and each mean and
  // precision value, loaded once, serves every tile (two tiles: 16-21% less time per row than
  // one, measured on cache-resident tiles). Each lane's operations and their order are still
  // those of mixture_row, so the bits depend neither on the blocks nor on T.
  template <int T>
  void evaluate_lanes(const AtTime& a, const LaneTile (&tiles)[T]) const {
    const size_t k = weights_.size();
    Lanes top[T];
    for (int t = 0; t < T; ++t) top[t] = Lanes{} - INFINITY;
    size_t j = 0;
    for (; j + kComponentBlock <= k; j += kComponentBlock) log_weights<kComponentBlock, T>(a, tiles, j, top);
    for (; j < k; ++j) log_weights<1, T>(a, tiles, j, top);
    Lanes total[T];
    for (int t = 0; t < T; ++t) {
      Lanes* lw = tiles[t].lw;
      total[t] = Lanes{};
      for (j = 0; j + kExpBlock <= k; j += kExpBlock) exp_shifted<kExpBlock>(top[t], lw + j, total[t]);
      for (; j + kComponentBlock <= k; j += kComponentBlock) exp_shifted<kComponentBlock>(top[t], lw + j, total[t]);
      for (; j < k; ++j) exp_shifted<1>(top[t], lw + j, total[t]);
    }
    int i = 0;
    for (; i + kCoordinateBlock <= d_; i += kCoordinateBlock) score_sums<kCoordinateBlock, T>(a, tiles, i, total);
    for (; i < d_; ++i) score_sums<1, T>(a, tiles, i, total);
    if (!tiles[0].energy) return;
    log_each<Lanes, LaneBits, T>(total);  // the tiles' logs interleaved
    for (int t = 0; t < T; ++t) *tiles[t].energy = -(top[t] + total[t]);
  }

 private:
  static constexpr int kComponentBlock = 4, kExpBlock = 12, kCoordinateBlock = 2;

  // lw[j + b] = log w_j + log N_j(x) for B components from j, in each tile; top takes their
  // running maximum.
  template <int B, int T>
  void log_weights(const AtTime& a, const LaneTile (&tiles)[T], size_t j, Lanes (&top)[T]) const {
    const double* mean = a.mean.data() + j * d_;
    const double* precision = a.precision.data() + j * d_;
    Lanes q[T][B] = {};
    for (int i = 0; i < d_; ++i)
      for (int b = 0; b < B; ++b) {
        const double m = mean[b * d_ + i], p = precision[b * d_ + i];
        for (int t = 0; t < T; ++t) {
          const Lanes diff = tiles[t].xt[i] - m;
          q[t][b] += diff * diff * p;
        }
      }
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b) {
        Lanes* lw = tiles[t].lw;
        lw[j + b] = a.log_norm[j + b] - 0.5 * q[t][b];
        top[t] = lw[j + b] > top[t] ? lw[j + b] : top[t];
      }
  }

  // lw[b] = e^{lw[b] - top} for B components (interleaved: exp_nonpositive_each), added to
  // total in order.
  template <int B>
  static void exp_shifted(Lanes top, Lanes* lw, Lanes& total) {
    for (int b = 0; b < B; ++b) lw[b] -= top;
    exp_nonpositive_each<Lanes, LaneBits, B>(lw);
    for (int b = 0; b < B; ++b) total += lw[b];
  }

  // score_{i+b} = sum_j r_j (m_j - x)_{i+b} / var_{j,i+b} / total for B coordinates from i, in
  // each tile.
  template <int B, int T>
  void score_sums(const AtTime& a, const LaneTile (&tiles)[T], int i, const Lanes (&total)[T]) const {
    Lanes acc[T][B] = {};
    for (size_t j = 0; j < weights_.size(); ++j)
      for (int b = 0; b < B; ++b) {
        const double m = a.mean[j * d_ + i + b], p = a.precision[j * d_ + i + b];
        for (int t = 0; t < T; ++t) acc[t][b] += tiles[t].lw[j] * ((m - tiles[t].xt[i + b]) * p);
      }
    for (int t = 0; t < T; ++t)
      for (int b = 0; b < B; ++b) tiles[t].score[i + b] = acc[t][b] / total[t];
  }

  // T consecutive tiles of rows from x, the last with last_rows rows (the others full).
  template <int T, class Real>
  void evaluate_tiles(const AtTime& a, const Real* x, int last_rows, Real* score, Real* energy, Lanes* work) const {
    const int d = d_;
    const size_t per_tile = 2 * static_cast<size_t>(d) + weights_.size();
    LaneTile tiles[T];
    Lanes e[T];
    for (int t = 0; t < T; ++t) {
      Lanes* xt = work + t * per_tile;  // d tiles: coordinate i of the rows; then the score, then K tiles
      tiles[t] = LaneTile{xt, xt + d, energy ? &e[t] : nullptr, xt + 2 * d};
      load_transposed(x + static_cast<size_t>(t) * kTile * d, t + 1 < T ? kTile : last_rows, d, xt);
    }
    evaluate_lanes<T>(a, tiles);
    for (int t = 0; t < T; ++t) {
      const int rows = t + 1 < T ? kTile : last_rows;
      const size_t first = static_cast<size_t>(t) * kTile;
      store_transposed(tiles[t].score, rows, d, score + first * d);
      if (energy)
        for (int r = 0; r < rows; ++r) energy[first + r] = static_cast<Real>(e[t][r]);
    }
  }

 public:
  // The batched evaluation over the pool.
  template <class Real>
  void evaluate(ThreadPool& pool, const Real* x, size_t n, double t, Real* score, Real* energy) const {
    // Reused between calls (no allocation in the step loop). A local reference, so the workers
    // below see this thread's parameters, not their own thread_local copies.
    static thread_local AtTime cache;
    AtTime& a = cache;
    at_time(t, a);
    pool.parallel_for(n, [&](size_t begin, size_t end) {
      evaluate_rows(a, x + begin * d_, end - begin, score + begin * d_, energy ? energy + begin : nullptr,
                    thread_scratch_tiles(work_tiles()));
    });
  }
#endif

  // Exact draws from p_t: row p picks its component by a uniform, then adds scaled normals.
  template <class Real>
  void sample_exact(ThreadPool& pool, const Batch& b, double t, uint32_t seed, Real* out) const {
    const AtTime a = at_time(t);
    const size_t k = weights_.size();
    pool.parallel_for(b.n, [&](size_t begin, size_t end) {
      for (size_t row = begin; row < end; ++row) {
        const uint64_t particle = b.particle_offset + row;
        const StreamId pick{seed, 0, 0, Purpose::Exact};
        const double u = uniform_draw(pick, particle);
        size_t j = 0;
        double cumulative = weights_[0];
        while (j + 1 < k && u >= cumulative) cumulative += weights_[++j];
        Real* o = out + row * d_;
        fill_normals(StreamId{seed, 0, 1, Purpose::Exact}, particle, d_, o);
        for (int i = 0; i < d_; ++i)
          o[i] = static_cast<Real>(a.mean[j * d_ + i] + std::sqrt(1.0 / a.precision[j * d_ + i]) * o[i]);
      }
    });
  }

  // Masses of the exact 1-D marginal of coordinate i of p_t in `bins` equal bins on [lo, hi],
  // plus the mass below lo and above hi: d rows of bins + 2 values (below, bins..., above).
  std::vector<double> marginal_bin_masses(double t, int bins, double lo, double hi) const {
    const AtTime a = at_time(t);
    const size_t k = weights_.size(), width = static_cast<size_t>(bins) + 2;
    std::vector<double> out(static_cast<size_t>(d_) * width, 0.0);
    std::vector<double> cdf(static_cast<size_t>(bins) + 1);
    for (int i = 0; i < d_; ++i) {
      double* row = &out[i * width];
      for (size_t j = 0; j < k; ++j) {
        const double m = a.mean[j * d_ + i], sd = std::sqrt(1.0 / a.precision[j * d_ + i]);
        for (int e = 0; e <= bins; ++e) {
          const double edge = lo + (hi - lo) * e / bins;
          cdf[e] = 0.5 * std::erfc(-(edge - m) / (sd * std::sqrt(2.0)));
        }
        row[0] += weights_[j] * cdf[0];
        for (int e = 0; e < bins; ++e) row[e + 1] += weights_[j] * (cdf[e + 1] - cdf[e]);
        row[bins + 1] += weights_[j] * (1.0 - cdf[bins]);
      }
    }
    return out;
  }

 private:
  int d_;
  std::vector<double> weights_, means_, variances_;
};

// A mixture as a ScoreOracle evaluated on a pool.
template <class Real>
class GaussianMixtureOracle : public ScoreOracle<Real> {
 public:
  GaussianMixtureOracle(const GaussianMixture& m, ThreadPool& pool) : mixture_(m), pool_(pool) {}
  int dim() const override { return mixture_.dim(); }
  bool has_energy() const override { return true; }
  void evaluate(const Real* x, size_t n, double t, Real* score, Real* energy) override {
    mixture_.evaluate(pool_, x, n, t, score, energy);
  }
  const GaussianMixture* built_in_mixture() const override { return &mixture_; }

 private:
  const GaussianMixture& mixture_;
  ThreadPool& pool_;
};

}  // namespace rtk
