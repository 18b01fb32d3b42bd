// Throughput of the batched numerical kernels of native/include/rtk on the paper's target
// (rtk-math.md, "The paper's benchmark target": d = 10, K = 12 components with means
// (cos 2pi j/12, sin 2pi j/12, 0, ...), variance 0.007), at n = 100,000 particles, with
// rtk::ThreadPool(1) and (2), in double and float.
//
// Every row is timed as: one warm-up call, then `reps` repetitions (each the mean of enough
// back-to-back calls to last >= --min-ms), and the median repetition is reported. The
// memcpy bandwidth of a large (LLC-exceeding) buffer and the compute peak of each thread count
// are measured on the same run for roofline context; the "GB/s" columns divide a nominal count
// of streamed bytes (each array read or written once, see bytes_per_particle below) by the
// median time. Given the flops per particle of rows (--flops, from bench/op-mix), each such
// double row's time is also printed as a fraction of its compute floor: flops / the peak of
// its threads, measured right before and after the row.
//
// Built and run by bench/kernels.js (g++ -std=c++17 -O3 -pthread -Inative/include).
// Options: --n N  --reps R  --threads 1,2  --real double,float  --filter SUBSTRING
//          --min-ms MS  --json FILE  --no-memcpy (skips the bandwidth and peak)
//          --flops "ROW=FLOPS;ROW=FLOPS" (flops per particle of the named rows)
//          --peak-only (only the compute peak of each --threads count, as one line of JSON:
//          bench/throughput.js measures its whole runs' fraction of the floor with it)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "rtk/batch.h"
#include "rtk/kernels/fused_mala_step.h"
#include "rtk/kernels/fused_score_step.h"
#include "rtk/kernels/fused_unadjusted_step.h"
#include "rtk/kernels/mala.h"
#include "rtk/kernels/score_step.h"
#include "rtk/kernels/segment_potential.h"
#include "rtk/kernels/tiled_layout.h"
#include "rtk/kernels/ula.h"
#include "rtk/kernels/uld.h"
#include "rtk/philox.h"
#include "rtk/targets/gaussian_mixture.h"
#include "rtk/targets/paper_target.h"
#include "rtk/thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Options {
  size_t n = 100000;
  int reps = 7;
  std::vector<int> threads{1, 2};
  bool run_double = true, run_float = true;
  std::string filter;
  std::string json;
  double min_ms = 50.0;
  bool memcpy_bench = true;
  bool peak_only = false;
  std::vector<std::pair<std::string, double>> flops;  // row name, flops per particle
};

std::vector<int> parse_int_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const int v = std::atoi(item.c_str());
    if (v < 1) throw std::invalid_argument("bad thread count in --threads: " + item);
    out.push_back(v);
  }
  if (out.empty()) throw std::invalid_argument("--threads needs at least one count");
  return out;
}

// "fused MALA step=2185;fused DDPM step=1906": row names and their flops per particle.
std::vector<std::pair<std::string, double>> parse_flops(const std::string& s) {
  std::vector<std::pair<std::string, double>> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ';')) {
    const size_t eq = item.rfind('=');
    const double flops = eq == std::string::npos ? 0 : std::atof(item.c_str() + eq + 1);
    if (eq == 0 || !(flops > 0)) throw std::invalid_argument("bad ROW=FLOPS in --flops: " + item);
    out.emplace_back(item.substr(0, eq), flops);
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--n") o.n = static_cast<size_t>(std::stoull(value()));
    else if (a == "--reps") o.reps = std::max(1, std::atoi(value().c_str()));
    else if (a == "--threads") o.threads = parse_int_list(value());
    else if (a == "--real") {
      const std::string v = value();
      o.run_double = v.find("double") != std::string::npos;
      o.run_float = v.find("float") != std::string::npos;
      if (!o.run_double && !o.run_float) throw std::invalid_argument("--real takes double, float or double,float");
    } else if (a == "--filter") o.filter = value();
    else if (a == "--json") o.json = value();
    else if (a == "--min-ms") o.min_ms = std::atof(value().c_str());
    else if (a == "--no-memcpy") o.memcpy_bench = false;
    else if (a == "--flops") o.flops = parse_flops(value());
    else if (a == "--peak-only") o.peak_only = true;
    else if (a == "--help" || a == "-h") {
      std::printf(
          "usage: kernels [--n N] [--reps R] [--threads 1,2] [--real double,float] [--filter SUBSTRING]\n"
          "               [--min-ms MS] [--json FILE] [--no-memcpy] [--flops \"ROW=FLOPS;ROW=FLOPS\"]\n"
          "               [--peak-only]\n");
      std::exit(0);
    } else throw std::invalid_argument("unknown option " + a);
  }
  return o;
}

struct Timing {
  double median = 0, min = 0, max = 0;  // seconds per call
  int calls_per_rep = 1;
  std::vector<double> samples;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// prepare() runs untimed before every call (used to restore state a kernel mutates).
Timing time_calls(int reps, double min_ms, const std::function<void()>& prepare, const std::function<void()>& body) {
  auto one = [&]() {
    if (prepare) prepare();
    const auto t0 = Clock::now();
    body();
    return seconds_since(t0);
  };
  const double warm = one();
  Timing t;
  t.calls_per_rep = std::max(1, static_cast<int>(std::ceil(min_ms * 1e-3 / std::max(warm, 1e-9))));
  t.calls_per_rep = std::min(t.calls_per_rep, 1000);
  for (int r = 0; r < reps; ++r) {
    double total = 0;
    for (int c = 0; c < t.calls_per_rep; ++c) total += one();
    t.samples.push_back(total / t.calls_per_rep);
  }
  t.median = median_of(t.samples);
  t.min = *std::min_element(t.samples.begin(), t.samples.end());
  t.max = *std::max_element(t.samples.begin(), t.samples.end());
  return t;
}

// memcpy bandwidth of a buffer far larger than the last-level cache, one thread.
struct Bandwidth {
  double copy_gbs = 0;  // bytes copied per second (each byte is read once and written once)
  size_t bytes = 0;
};

Bandwidth measure_memcpy(int reps) {
  Bandwidth b;
  b.bytes = size_t{256} << 20;
  std::unique_ptr<char[]> src(new char[b.bytes]), dst(new char[b.bytes]);
  std::memset(src.get(), 1, b.bytes);
  std::memset(dst.get(), 2, b.bytes);
  const Timing t = time_calls(reps, 0.0, nullptr, [&] {
    std::memcpy(dst.get(), src.get(), b.bytes);
    asm volatile("" : : "r"(dst.get()) : "memory");
  });
  b.copy_gbs = static_cast<double>(b.bytes) / t.median * 1e-9;
  return b;
}

// kChains independent chains of vector additions and as many of multiplications, `iterations`
// rounds each; returns a value that depends on every chain.
template <int kChains>
double add_mul_chains(long iterations) {
  volatile double seed = 1.0;
  const rtk::Lanes one_plus = rtk::Lanes{} + (seed + 1e-12), tiny = rtk::Lanes{} + seed * 1e-15;
  rtk::Lanes sum[kChains], product[kChains];
  for (int c = 0; c < kChains; ++c) sum[c] = product[c] = rtk::Lanes{} + (seed + c);
  for (long it = 0; it < iterations; ++it)
    for (int c = 0; c < kChains; ++c) {
      sum[c] += tiny;
      product[c] *= one_plus;
    }
  double sink = 0;
  for (int c = 0; c < kChains; ++c) sink += sum[c][c % rtk::kLanes] + product[c][0];
  return sink;
}

// The compute peak of the pool's threads together for the kernels' arithmetic as this binary is
// built, in double flops per second: every thread runs the chains at once (no FMA: the library
// is built with -ffp-contract=off), in chunks the pool hands out as it does a kernel's ranges.
// Measured, not assumed to be the thread count times one core's: this project's VMs have had a
// second core 5-7% slower than the first. kChains chains of each kind cover the pipes' latency.
template <int kChains>
double add_mul_flops(rtk::ThreadPool& pool, int reps) {
  constexpr long kIterations = 100000;
  const size_t chunks = 64 * static_cast<size_t>(pool.size());
  std::vector<double> sinks(chunks);
  const Timing t = time_calls(reps, 0.0, nullptr, [&] {
    pool.parallel_for(
        chunks,
        [&](size_t begin, size_t end) {
          for (size_t c = begin; c < end; ++c) sinks[c] = add_mul_chains<kChains>(kIterations);
        },
        1);
  });
  asm volatile("" : : "r"(sinks.data()) : "memory");
  // The fastest repetition: a peak is what the threads can do, and another process only slows them.
  return 2.0 * kChains * rtk::kLanes * kIterations * static_cast<double>(chunks) / t.min;
}

// The best of three chain counts, since a build whose vectors are narrower than Lanes spills
// registers with the larger ones.
double measure_peak_flops(rtk::ThreadPool& pool, int reps) {
  return std::max({add_mul_flops<2>(pool, reps), add_mul_flops<6>(pool, reps), add_mul_flops<12>(pool, reps)});
}

// The segment the MALA / ULD / ULA rows work on: anchor x at time t + eta, chain z at time t.
constexpr double kSegmentT = 0.2, kSegmentEta = 0.2;
constexpr double kUldGamma = 2.0, kUldTau = 0.1;
constexpr uint32_t kSeed = 12345;

// How this binary was compiled (bench/kernels.js builds plain -O3, or the addon's flags).
#if defined(__AVX512F__)
constexpr const char* kBuildFlags = "g++ -O3, compiled for AVX-512 (e.g. -march=native, as the addon)";
#elif defined(__AVX2__)
constexpr const char* kBuildFlags = "g++ -O3, compiled for AVX2";
#else
constexpr const char* kBuildFlags = "g++ -std=c++17 -O3 -pthread, baseline x86-64 (no -march)";
#endif

// The bench's arrays: the library's run buffers (ThreadPool::Buffer, as a sampler's Workspace
// holds them: each starts on a cache line), so that a row times its kernel on memory laid out as
// in a run. Plain std::vector arrays start 16 bytes into a line, and every vector access of a
// tile then straddles two lines.
template <class Real>
using Values = rtk::ThreadPool::Buffer<Real>;

struct Row {
  std::string kernel, real;
  int threads = 0;
  double ns_per_pd = 0, mpsteps = 0, gbs = 0, bytes_per_particle = 0, spread = 0;
  int calls_per_rep = 0;
  double accept = -1;  // MALA rows: acceptance fraction of the timed calls' state
  // Rows given --flops: the pool's compute peak right before and right after the row (the mean is
  // the row's floor, so that another process's load on a core weighs on both alike).
  double peak_before = 0, peak_after = 0;
  std::vector<double> samples;
};

template <class Real>
struct Bench {
  const Options& opt;
  const rtk::GaussianMixture& target;
  rtk::Batch b;
  int d;
  Values<Real> anchor, z, grad_g, g, score, z_prop, grad_g_prop, g_prop, score_prop, energy, out, v;
  // Snapshots for restoring the MALA state before each mala_accept call.
  Values<Real> z0, grad_g0, g0, score0;
  // An independent chain for the combined row.
  Values<Real> cz, cgrad, cg, cscore;
  double tau = 0.1;
  uint32_t step = 0;  // fresh RNG counters per call
  double last_accept = 0;

  Bench(const Options& o, const rtk::GaussianMixture& t, rtk::ThreadPool& pool) : opt(o), target(t) {
    d = target.dim();
    b = rtk::Batch{opt.n, d, 0};
    const size_t nd = b.values(), n = b.n;
    for (auto* a : {&anchor, &z, &grad_g, &score, &z_prop, &grad_g_prop, &score_prop, &out, &v})
      a->assign(nd, Real(0));
    for (auto* a : {&g, &g_prop, &energy}) a->assign(n, Real(0));
    const rtk::SegmentPotential pot = rtk::segment_potential(kSegmentEta);
    // Anchor: exact draws from p_{t+eta}; chain start: the 'gaussian' warm start around it.
    target.sample_exact(pool, b, kSegmentT + kSegmentEta, kSeed, anchor.data());
    {
      const double scale = std::exp(kSegmentEta), sd = std::sqrt(std::expm1(2.0 * kSegmentEta));
      rtk::score_step(pool, b, rtk::ScoreStep{scale, 0.0, sd}, anchor.data(), anchor.data(), z.data(),
                      rtk::StreamId{kSeed, 0, 0, rtk::Purpose::WarmStart});
    }
    rtk::score_step(pool, b, rtk::ScoreStep{0.0, 0.0, 1.0}, z.data(), z.data(), v.data(),
                    rtk::StreamId{kSeed, 0, 0, rtk::Purpose::Velocity});
    target.evaluate(pool, z.data(), n, kSegmentT, score.data(), energy.data());
    rtk::segment_potential_batch(pool, b, pot, anchor.data(), z.data(), score.data(), energy.data(),
                                 grad_g.data(), g.data());
    // Burn in with step-size adaptation towards acceptance 0.6 (as the samplers do), so the
    // accept / reject mix of the timed rows is a realistic one.
    for (int i = 0; i < 30; ++i) {
      const rtk::MalaAcceptInfo info = mala_step(pool, z, grad_g, g, score);
      if (i < 20) tau *= std::min(2.0, std::max(0.1, std::exp(3.0 * (info.mean_accept_prob - 0.6))));
    }
    // A fresh proposal for the mala_accept row and snapshots to restore the state from.
    ++step;
    propose(pool, z, grad_g);
    z0 = z, grad_g0 = grad_g, g0 = g, score0 = score;
    cz = z, cgrad = grad_g, cg = g, cscore = score;
  }

  rtk::StreamId stream(rtk::Purpose p) { return rtk::StreamId{kSeed, 1, step, p}; }

  // Proposal z' from state (zs, gs), its score + energy and its segment potential.
  void propose(rtk::ThreadPool& pool, const Values<Real>& zs, const Values<Real>& gs) {
    rtk::ula_step(pool, b, tau, zs.data(), gs.data(), z_prop.data(), stream(rtk::Purpose::Noise));
    target.evaluate(pool, z_prop.data(), b.n, kSegmentT, score_prop.data(), energy.data());
    rtk::segment_potential_batch(pool, b, rtk::segment_potential(kSegmentEta), anchor.data(), z_prop.data(),
                                 score_prop.data(), energy.data(), grad_g_prop.data(), g_prop.data());
  }

  rtk::MalaAcceptInfo accept(rtk::ThreadPool& pool, Values<Real>& zs, Values<Real>& gs,
                             Values<Real>& gg, Values<Real>& ss) {
    const rtk::MalaAcceptParams p{tau, std::numeric_limits<double>::infinity(), rtk::EnergyDelta::Exact};
    const rtk::MalaArrays<Real> a{zs.data(), gs.data(), gg.data(), ss.data(), z_prop.data(),
                                  grad_g_prop.data(), g_prop.data(), score_prop.data(), nullptr};
    return rtk::mala_accept(pool, b, p, a, stream(rtk::Purpose::Accept), static_cast<uint8_t*>(nullptr));
  }

  // One whole MALA step on the segment target: what the combined row times.
  rtk::MalaAcceptInfo mala_step(rtk::ThreadPool& pool, Values<Real>& zs, Values<Real>& gs,
                                Values<Real>& gg, Values<Real>& ss) {
    ++step;
    propose(pool, zs, gs);
    return accept(pool, zs, gs, gg, ss);
  }

  void run(rtk::ThreadPool& pool, const char* real_name, std::vector<Row>& rows) {
    const double R = sizeof(Real), dd = d;
    const rtk::ScoreStep ddpm = rtk::ddpm_coefficients(kSegmentT + kSegmentEta, kSegmentT);
    const rtk::ScoreStep ddim = rtk::ddim_coefficients(kSegmentT + kSegmentEta, kSegmentT);
    const rtk::UldCoefficients uld = rtk::uld_coefficients(kUldGamma, kUldTau);
    const rtk::SegmentPotential pot = rtk::segment_potential(kSegmentEta);
    // Nominal streamed bytes of one MH test: reads z, z', grad g, grad g' and g, g'; on
    // acceptance also reads score' and writes z, grad g, score, g.
    auto accept_bytes = [&](double acc) { return 4 * dd * R + 2 * R + acc * (4 * dd * R + R); };

    auto add = [&](const std::string& name, double bytes, const std::function<void()>& prepare,
                   const std::function<void()>& body, double acc_of_row = -1) {
      if (!opt.filter.empty() && name.find(opt.filter) == std::string::npos) return;
      const bool floor_row = opt.memcpy_bench && std::any_of(opt.flops.begin(), opt.flops.end(),
                                                             [&](const auto& f) { return f.first == name; });
      Row r;
      if (floor_row) r.peak_before = measure_peak_flops(pool, opt.reps);
      const Timing t = time_calls(opt.reps, opt.min_ms, prepare, body);
      if (floor_row) r.peak_after = measure_peak_flops(pool, opt.reps);
      r.kernel = name;
      r.real = real_name;
      r.threads = pool.size();
      r.ns_per_pd = t.median * 1e9 / (static_cast<double>(b.n) * d);
      r.mpsteps = static_cast<double>(b.n) / t.median * 1e-6;
      r.bytes_per_particle = bytes;
      r.gbs = bytes * static_cast<double>(b.n) / t.median * 1e-9;
      r.spread = (t.max - t.min) / t.median;
      r.calls_per_rep = t.calls_per_rep;
      r.accept = acc_of_row;
      r.samples = t.samples;
      rows.push_back(r);
    };

    add("score_step (ddpm)", 3 * dd * R, nullptr, [&] {
      ++step;
      rtk::score_step(pool, b, ddpm, z.data(), score.data(), out.data(), stream(rtk::Purpose::Noise));
    });
    add("score_step (ddim)", 3 * dd * R, nullptr,
        [&] { rtk::score_step(pool, b, ddim, z.data(), score.data(), out.data(), stream(rtk::Purpose::Noise)); });
    add("ula_step", 3 * dd * R, nullptr, [&] {
      ++step;
      rtk::ula_step(pool, b, tau, z.data(), grad_g.data(), out.data(), stream(rtk::Purpose::Noise));
    });
    {
      // Restore the pre-test state before each call (untimed): the test mutates it.
      const rtk::MalaAcceptInfo probe = [&] {
        z = z0, grad_g = grad_g0, g = g0, score = score0;
        return accept(pool, z, grad_g, g, score);
      }();
      const double acc = static_cast<double>(probe.accepted) / static_cast<double>(b.n);
      add("mala_accept (exact)", accept_bytes(acc),
          [&] {
            std::copy(z0.begin(), z0.end(), z.begin());
            std::copy(grad_g0.begin(), grad_g0.end(), grad_g.begin());
            std::copy(g0.begin(), g0.end(), g.begin());
            std::copy(score0.begin(), score0.end(), score.begin());
          },
          [&] { accept(pool, z, grad_g, g, score); }, acc);
    }
    add("uld_step", 5 * dd * R, nullptr, [&] {
      ++step;
      // z_prop / v as the ULD state (in place), so the MALA state is untouched.
      rtk::uld_step(pool, b, uld, z_prop.data(), v.data(), grad_g.data(), stream(rtk::Purpose::Noise),
                    stream(rtk::Purpose::Noise2));
    });
    add("segment_potential_batch", 4 * dd * R + 2 * R, nullptr, [&] {
      rtk::segment_potential_batch(pool, b, pot, anchor.data(), z.data(), score.data(), energy.data(),
                                   grad_g_prop.data(), g_prop.data());
    });
    add("GaussianMixture::evaluate", 2 * dd * R + R, nullptr,
        [&] { target.evaluate(pool, z.data(), b.n, kSegmentT, score_prop.data(), energy.data()); });
    {
      size_t accepted = 0, steps = 0;
      const double bytes = 3 * dd * R + (2 * dd * R + R) + (4 * dd * R + 2 * R) + accept_bytes(0.6);
      add("mixture score + one MALA step", bytes, nullptr, [&] {
        accepted += mala_step(pool, cz, cgrad, cg, cscore).accepted;
        ++steps;
      });
      if (!rows.empty() && rows.back().kernel == "mixture score + one MALA step" && steps)
        rows.back().accept = static_cast<double>(accepted) / (static_cast<double>(steps) * b.n);
    }
    {
      // The same step as the samplers run it with the built-in mixture: fused, on a tiled copy
      // of the chain (reads z, score, anchor, g; blends z, score, g back).
      const size_t tiled = rtk::tiled_size(b.n, d), tiled_n = rtk::tiled_size(b.n, 1);
      Values<Real> tz(tiled, Real(0)), tscore(tiled, Real(0)), tanchor(tiled, Real(0)), tg(tiled_n, Real(0));
      rtk::to_tiles(pool, b.n, d, cz.data(), tz.data());
      rtk::to_tiles(pool, b.n, d, cscore.data(), tscore.data());
      rtk::to_tiles(pool, b.n, d, anchor.data(), tanchor.data());
      rtk::to_tiles(pool, b.n, 1, cg.data(), tg.data());
      const rtk::TiledChain<Real> chain{tz.data(), tg.data(), tscore.data(), tanchor.data()};
      rtk::GaussianMixture::AtTime at;
      target.at_time(kSegmentT, at);
      size_t accepted = 0, steps = 0;
      add("fused MALA step", 5 * dd * R + 2 * R, nullptr, [&] {
        ++step;
        const rtk::MalaAcceptParams p{tau, std::numeric_limits<double>::infinity(), rtk::EnergyDelta::Exact};
        accepted += rtk::fused_mala_step(pool, b, target, at, pot, p, chain, stream(rtk::Purpose::Noise),
                                         stream(rtk::Purpose::Accept))
                        .accepted;
        ++steps;
      });
      if (!rows.empty() && rows.back().kernel == "fused MALA step" && steps)
        rows.back().accept = static_cast<double>(accepted) / (static_cast<double>(steps) * b.n);
    }
    {
      // The DDPM step as the baseline runs it with the built-in mixture: fused, on a tiled copy
      // of the state (reads and writes x), the score evaluated at the step's start time.
      Values<Real> tx(rtk::tiled_size(b.n, d), Real(0));
      rtk::to_tiles(pool, b.n, d, z.data(), tx.data());
      rtk::GaussianMixture::AtTime at;
      target.at_time(kSegmentT + kSegmentEta, at);
      add("fused DDPM step", 2 * dd * R, nullptr, [&] {
        ++step;
        rtk::fused_score_step(pool, b, target, at, ddpm, tx.data(), stream(rtk::Purpose::Noise));
      });
    }
    {
      // The ULD and ULA steps as RTK-ULD and RTK-ULA run them with the built-in mixture: one
      // fused pass each (the move at the row's gamma and tau, the score, its check, grad g and
      // the secant), on a tiled copy of the chain (reads z, v, grad g and the anchor; writes z, v
      // and grad g; ULA without v).
      const size_t tiled = rtk::tiled_size(b.n, d);
      Values<Real> tz(tiled, Real(0)), tv(tiled, Real(0)), tgrad(tiled, Real(0)), tanchor(tiled, Real(0));
      rtk::to_tiles(pool, b.n, d, z.data(), tz.data());
      rtk::to_tiles(pool, b.n, d, v.data(), tv.data());
      rtk::to_tiles(pool, b.n, d, grad_g.data(), tgrad.data());
      rtk::to_tiles(pool, b.n, d, anchor.data(), tanchor.data());
      rtk::GaussianMixture::AtTime at;
      target.at_time(kSegmentT, at);
      for (const bool uld_move : {true, false}) {
        const rtk::TiledUnadjustedChain<Real> chain{tz.data(), uld_move ? tv.data() : nullptr, tgrad.data(),
                                                    tanchor.data()};
        rtk::UnadjustedMove move;
        move.kind = uld_move ? rtk::UnadjustedMove::Uld : rtk::UnadjustedMove::Ula;
        move.uld = uld;
        move.ula = rtk::langevin_coefficients(tau, -1.0);
        add(uld_move ? "fused ULD step" : "fused ULA step", (uld_move ? 7 : 5) * dd * R, nullptr, [&] {
          ++step;
          move.noise = stream(rtk::Purpose::Noise);
          move.noise2 = stream(rtk::Purpose::Noise2);
          rtk::fused_unadjusted_step(pool, b, target, at, pot, move, true, chain);
        });
      }
    }
  }
};

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o;
}

// Busy CPU seconds of the whole machine (all processes) from /proc/stat, or -1.
double machine_busy_seconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") return -1;
  const long hz = sysconf(_SC_CLK_TCK);
  return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(hz > 0 ? hz : 100);
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = -1;
  if (f) f >> l;
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kernels: %s\n", e.what());
    return 2;
  }
  if (opt.peak_only) {
    // {"peak_add_mul_flops_by_threads": {"1": ..., "2": ...}}: double flops per second.
    std::printf("{\"peak_add_mul_flops_by_threads\": {");
    for (size_t i = 0; i < opt.threads.size(); ++i) {
      rtk::ThreadPool pool(opt.threads[i]);
      std::printf("%s\"%d\": %.6e", i ? ", " : "", opt.threads[i], measure_peak_flops(pool, opt.reps));
    }
    std::printf("}}\n");
    return 0;
  }
  const auto start = Clock::now();
  const rtk::GaussianMixture target = rtk::paper_target();
  const double load = load_average();
  const double busy0 = machine_busy_seconds(), own0 = own_cpu_seconds();

  Bandwidth bw;
  if (opt.memcpy_bench) bw = measure_memcpy(opt.reps);
  std::map<int, double> peaks;  // thread count -> its compute peak

  std::vector<Row> rows;
  std::vector<double> taus;
  for (int real = 0; real < 2; ++real) {
    if (real == 0 && !opt.run_double) continue;
    if (real == 1 && !opt.run_float) continue;
    rtk::ThreadPool setup_pool(2);
    std::unique_ptr<Bench<double>> bd;
    std::unique_ptr<Bench<float>> bf;
    if (real == 0) bd.reset(new Bench<double>(opt, target, setup_pool));
    else bf.reset(new Bench<float>(opt, target, setup_pool));
    taus.push_back(real == 0 ? bd->tau : bf->tau);
    for (int threads : opt.threads) {
      rtk::ThreadPool pool(threads);
      // The peak of these threads, measured right before their first rows.
      if (opt.memcpy_bench && !peaks.count(threads)) peaks[threads] = measure_peak_flops(pool, opt.reps);
      if (real == 0) bd->run(pool, "double", rows);
      else bf->run(pool, "float", rows);
    }
  }
  const double elapsed = seconds_since(start);
  const double load_end = load_average();
  const double busy1 = machine_busy_seconds(), own1 = own_cpu_seconds();
  // CPU time other processes (and steal) took on this machine during the run, in cores.
  const double others = busy0 >= 0 && busy1 >= 0 ? std::max(0.0, (busy1 - busy0) - (own1 - own0)) / elapsed : -1;
  if (rows.empty()) {
    std::fprintf(stderr, "kernels: no row matched --filter '%s'\n", opt.filter.c_str());
    return 1;
  }

  // ---- the table ----
  std::printf("rtk kernels bench: n = %zu particles, d = %d, Gaussian mixture K = %zu (variance 0.007),\n", opt.n,
              target.dim(), target.components());
  std::printf("  segment t = %.2f, eta = %.2f, MALA tau = %.4g (adapted to acceptance ~0.6), ULD gamma = %g, tau = %g\n",
              kSegmentT, kSegmentEta, taus.empty() ? 0.0 : taus[0], kUldGamma, kUldTau);
  std::printf("  %s; hardware threads: %u; 1-min load average at start / end: %.2f / %.2f\n",
              kBuildFlags, std::thread::hardware_concurrency(), load, load_end);
  if (others >= 0)
    std::printf("  CPU taken by other processes during the run: %.2f cores on average (0 = the bench had the machine)\n",
                others);
  if (opt.memcpy_bench)
    std::printf("  memcpy bandwidth (%zu MiB buffer, 1 thread): %.1f GB/s copied = %.1f GB/s read+write\n",
                bw.bytes >> 20, bw.copy_gbs, 2 * bw.copy_gbs);
  if (!peaks.empty()) {
    std::printf("  compute peak (independent vector adds and multiplies, no FMA; all of the threads at once, before\n"
                "  their rows):");
    for (const auto& [threads, flops] : peaks)
      std::printf("%s %d thread%s %.1f", threads == peaks.begin()->first ? "" : ",", threads, threads > 1 ? "s" : "",
                  flops * 1e-9);
    std::printf(" GFLOP/s double\n");
  }
  std::printf("  median of %d repetitions after a warm-up; ns/(p*d) = ns per particle per dimension;\n", opt.reps);
  std::printf("  Mp-steps/s = million particle-steps per second; GB/s = nominal streamed bytes / time\n\n");

  std::vector<std::string> names;
  for (const Row& r : rows)
    if (std::find(names.begin(), names.end(), r.kernel) == names.end()) names.push_back(r.kernel);
  auto find = [&](const std::string& k, const std::string& real, int threads) -> const Row* {
    for (const Row& r : rows)
      if (r.kernel == k && r.real == real && r.threads == threads) return &r;
    return nullptr;
  };
  const int t1 = opt.threads.front(), t2 = opt.threads.back();
  // Compute-bound rows (>= 5 ms a call on one thread) share nothing between threads and
  // should scale nearly linearly; one that does not suggests the extra core was busy.
  auto suspect = [&](const Row& a, const Row& c) {
    const double calls_1t = a.ns_per_pd * 1e-9 * static_cast<double>(opt.n) * target.dim();
    return c.threads > a.threads && calls_1t >= 5e-3 &&
           c.mpsteps < a.mpsteps * (1.0 + 0.6 * (std::min(c.threads, 2) - 1));
  };
  int suspects = 0;
  for (const Row& a : rows)
    for (const Row& c : rows)
      if (a.kernel == c.kernel && a.real == c.real && a.threads == t1 && c.threads == t2 && t2 > t1 && suspect(a, c))
        ++suspects;
  const bool two = opt.threads.size() > 1;
  char head[256];
  if (two)
    std::snprintf(head, sizeof head, "%-31s %-6s | %8s %8s | %9s %9s | %6s | %6s %6s | %6s", "kernel", "real",
                  ("ns " + std::to_string(t1) + "T").c_str(), ("ns " + std::to_string(t2) + "T").c_str(),
                  ("Mps/s " + std::to_string(t1) + "T").c_str(), ("Mps/s " + std::to_string(t2) + "T").c_str(),
                  "scale", ("GB/s" + std::to_string(t1)).c_str(), ("GB/s" + std::to_string(t2)).c_str(), "spread");
  else
    std::snprintf(head, sizeof head, "%-31s %-6s | %8s | %9s | %6s | %6s", "kernel", "real",
                  ("ns " + std::to_string(t1) + "T").c_str(), ("Mps/s " + std::to_string(t1) + "T").c_str(), "GB/s",
                  "spread");
  std::printf("%s\n%s\n", head, std::string(std::strlen(head), '-').c_str());
  for (const char* real : {"double", "float"}) {
    for (const std::string& k : names) {
      const Row* a = find(k, real, t1);
      const Row* c = two ? find(k, real, t2) : nullptr;
      if (!a) continue;
      if (two && c)
        std::printf("%-31s %-6s | %8.3f %8.3f | %9.2f %9.2f | %5.2fx | %6.1f %6.1f | %5.1f%%%s\n", k.c_str(), real,
                    a->ns_per_pd, c->ns_per_pd, a->mpsteps, c->mpsteps, c->mpsteps / a->mpsteps, a->gbs, c->gbs,
                    100 * std::max(a->spread, c->spread), suspect(*a, *c) ? " !" : "");
      else
        std::printf("%-31s %-6s | %8.3f | %9.2f | %6.1f | %5.1f%%\n", k.c_str(), real, a->ns_per_pd, a->mpsteps,
                    a->gbs, 100 * a->spread);
    }
  }
  std::printf("\n  ns = ns/(p*d); scale = %dT/%dT throughput; spread = (max - min) / median over the repetitions\n",
              t2, t1);
  for (const Row& r : rows)
    if (r.accept >= 0 && r.threads == t1)
      std::printf("  %s (%s): acceptance fraction %.3f\n", r.kernel.c_str(), r.real.c_str(), r.accept);
  // The compute floor of a row: its flops per particle at the peak of its threads beside it.
  bool floor_legend = false;
  for (const auto& [row, flops] : opt.flops) {
    std::string line;
    for (int threads : opt.threads) {
      const Row* r = find(row, "double", threads);
      if (!r || r->peak_before <= 0) continue;
      const double peak = 0.5 * (r->peak_before + r->peak_after);
      const double floor_ns = flops / peak * 1e9, measured_ns = r->ns_per_pd * target.dim();
      char part[128];
      std::snprintf(part, sizeof part, "%s%.1f%% on %d thread%s (peak %.1f / %.1f)", line.empty() ? "" : ", ",
                    100 * floor_ns / measured_ns, threads, threads > 1 ? "s" : "", r->peak_before * 1e-9,
                    r->peak_after * 1e-9);
      line += part;
    }
    if (line.empty()) continue;
    if (!floor_legend)
      std::printf("  compute floor = flops per particle (bench/op-mix) at the mean of the peaks of the row's threads\n"
                  "  measured right before and after it (GFLOP/s):\n");
    floor_legend = true;
    std::printf("  %s (double, %.0f flops per particle): of the compute floor %s\n", row.c_str(), flops,
                line.c_str());
  }
  for (const char* row : {"mixture score + one MALA step", "fused MALA step"})
    if (const Row* goal = find(row, "double", 2))
      std::printf("  goal >= 20 M particle-steps/s (%s, 2 threads, double): measured %.2f M -> %s (%.0f%% of goal)\n",
                  row, goal->mpsteps, goal->mpsteps >= 20 ? "met" : "NOT met", 100 * goal->mpsteps / 20);
  if (suspects)
    std::printf("  WARNING: %d compute-bound row(s) marked ! scaled < 1.6x from %d to %d threads: another process\n"
                "  probably held a core during them; rerun on an idle machine for trustworthy %dT numbers\n",
                suspects, t1, t2, t2);
  std::printf("  total bench time %.1f s\n", elapsed);

  if (!opt.json.empty()) {
    std::ofstream f(opt.json);
    if (!f) {
      std::fprintf(stderr, "kernels: cannot write %s\n", opt.json.c_str());
      return 1;
    }
    f << "{\n  \"n\": " << opt.n << ", \"d\": " << target.dim() << ", \"components\": " << target.components()
      << ", \"reps\": " << opt.reps << ",\n  \"hardware_threads\": " << std::thread::hardware_concurrency()
      << ", \"load_average\": " << load << ", \"memcpy_copy_gbs\": " << bw.copy_gbs
      << ", \"memcpy_bytes\": " << bw.bytes << ", \"peak_add_mul_flops_by_threads\": {";
    for (const auto& [threads, flops] : peaks)
      f << (threads == peaks.begin()->first ? "" : ", ") << "\"" << threads << "\": " << flops;
    f << "},\n  \"segment_t\": " << kSegmentT << ", \"segment_eta\": " << kSegmentEta
      << ", \"elapsed_s\": " << elapsed << ",\n  \"rows\": [\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      f << "    {\"kernel\": \"" << json_escape(r.kernel) << "\", \"real\": \"" << r.real << "\", \"threads\": "
        << r.threads << ", \"ns_per_particle_dim\": " << r.ns_per_pd << ", \"mparticle_steps_per_s\": " << r.mpsteps
        << ", \"nominal_bytes_per_particle\": " << r.bytes_per_particle << ", \"nominal_gbs\": " << r.gbs
        << ", \"calls_per_rep\": " << r.calls_per_rep;
      if (r.accept >= 0) f << ", \"accept_fraction\": " << r.accept;
      if (r.peak_before > 0) f << ", \"peak_before\": " << r.peak_before << ", \"peak_after\": " << r.peak_after;
      f << ", \"seconds_per_call\": [";
      for (size_t s = 0; s < r.samples.size(); ++s) f << (s ? ", " : "") << r.samples[s];
      f << "]}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
  }
  return 0;
}
