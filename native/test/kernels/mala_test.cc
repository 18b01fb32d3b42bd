// mala_accept (kernels/mala.h): the Metropolis–Hastings test of Algorithm 2 against the
// rtk-math.md formula written out here, for exact, trapezoid and Simpson energy differences;
// non-finite ratios and over-long (projected) steps are rejections; accepted rows are copied.
#include "rtk/kernels/mala.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "same_bits.h"
#include "split_invariance.h"

namespace {

// One batch of chains and proposals on a perturbed quadratic potential, so that the three
// energy-difference rules give different ratios and both accepts and rejects occur.
struct Chains {
  size_t n;
  int d;
  double tau;
  std::vector<double> z, grad_g, g, score, z_prop, grad_g_prop, g_prop, score_prop, grad_g_mid;

  Chains(size_t rows, int dim, double step, uint64_t seed) : n(rows), d(dim), tau(step) {
    rtk_test::RandomInputs in(seed);
    const std::vector<double> curvature = in.uniforms(d, 0.5, 3.0);
    z = in.normals(n * d);
    z_prop.resize(n * d);
    grad_g.resize(n * d);
    grad_g_prop.resize(n * d);
    grad_g_mid.resize(n * d);
    g.resize(n);
    g_prop.resize(n);
    score = in.normals(n * d);
    score_prop = in.normals(n * d);
    for (size_t p = 0; p < n; ++p) {
      double e = 0, ep = 0;
      for (int i = 0; i < d; ++i) {
        const size_t k = p * d + i;
        grad_g[k] = curvature[i] * z[k];
        z_prop[k] = z[k] - tau * grad_g[k] + std::sqrt(2 * tau) * in.normal();
        grad_g_prop[k] = curvature[i] * z_prop[k] + in.normal(0.2);
        grad_g_mid[k] = curvature[i] * 0.5 * (z[k] + z_prop[k]) + in.normal(0.2);
        e += 0.5 * curvature[i] * z[k] * z[k];
        ep += 0.5 * curvature[i] * z_prop[k] * z_prop[k];
      }
      g[p] = e;
      g_prop[p] = ep + in.normal(0.3);
    }
  }

  rtk::MalaArrays<double> arrays() {
    return {z.data(), grad_g.data(), g.data(), score.data(), z_prop.data(), grad_g_prop.data(), g_prop.data(),
            score_prop.data(), grad_g_mid.data()};
  }

  // Algorithm 2's log ratio, written out in long double:
  //   la = g(z) - g(z') + (||z' - z + tau grad g(z)||^2 - ||z - z' + tau grad g(z')||^2) / (4 tau)
  // with g(z') - g(z) exact, or from the trapezoid / Simpson rule along u = z' - z.
  long double log_ratio(size_t p, rtk::EnergyDelta delta) const {
    long double forward = 0, backward = 0, trapezoid = 0, simpson = 0;
    for (int i = 0; i < d; ++i) {
      const size_t k = p * d + i;
      const long double u = static_cast<long double>(z_prop[k]) - z[k];
      const long double f = u + tau * static_cast<long double>(grad_g[k]);
      const long double b = -u + tau * static_cast<long double>(grad_g_prop[k]);
      forward += f * f;
      backward += b * b;
      trapezoid += 0.5L * (static_cast<long double>(grad_g[k]) + grad_g_prop[k]) * u;
      simpson += (static_cast<long double>(grad_g[k]) + 4.0L * grad_g_mid[k] + grad_g_prop[k]) * u / 6.0L;
    }
    const long double exact = static_cast<long double>(g_prop[p]) - g[p];
    const long double dg = delta == rtk::EnergyDelta::Exact ? exact
                           : delta == rtk::EnergyDelta::Trapezoid ? trapezoid
                                                                   : simpson;
    return -dg + (forward - backward) / (4 * static_cast<long double>(tau));
  }

  double step_length(size_t p) const {
    double s = 0;
    for (int i = 0; i < d; ++i) s += (z_prop[p * d + i] - z[p * d + i]) * (z_prop[p * d + i] - z[p * d + i]);
    return std::sqrt(s);
  }
};

const rtk::EnergyDelta kDeltas[] = {rtk::EnergyDelta::Exact, rtk::EnergyDelta::Trapezoid, rtk::EnergyDelta::Simpson};

// Runs mala_accept on a copy of `c` and checks every decision and copy against the formula:
// accept iff la is finite and u < min(1, e^la), u the particle's Accept-stream uniform.
void check_decisions(const Chains& c, const rtk::MalaAcceptParams& params, size_t* accepted_out) {
  Chains run = c;
  const uint64_t offset = 300;
  const rtk::StreamId stream{8, 2, 5, rtk::Purpose::Accept};
  std::vector<uint8_t> flags(c.n, 7);
  rtk::ThreadPool pool(2);
  const rtk::MalaAcceptInfo info =
      rtk::mala_accept(pool, rtk::Batch{c.n, c.d, offset}, params, run.arrays(), stream, flags.data());
  size_t accepted = 0;
  long double prob_sum = 0;
  for (size_t p = 0; p < c.n; ++p) {
    const long double la = c.log_ratio(p, params.delta);
    const bool within = c.step_length(p) <= params.projection_radius;
    const bool finite = std::isfinite(static_cast<double>(la)) && within;
    const double prob = finite ? std::min(1.0, std::exp(static_cast<double>(la))) : 0.0;
    const bool take = finite && rtk::uniform_draw(stream, offset + p) < prob;
    prob_sum += prob;
    accepted += take;
    CHECK_EQ(flags[p], static_cast<uint8_t>(take));
    const std::vector<double>& z_expected = take ? c.z_prop : c.z;
    const std::vector<double>& grad_expected = take ? c.grad_g_prop : c.grad_g;
    const std::vector<double>& score_expected = take ? c.score_prop : c.score;
    for (int i = 0; i < c.d; ++i) {
      const size_t k = p * c.d + i;
      CHECK_EQ(run.z[k], z_expected[k]);
      CHECK_EQ(run.grad_g[k], grad_expected[k]);
      CHECK_EQ(run.score[k], score_expected[k]);
    }
    CHECK(rtk_test::same_bits(std::vector<double>{run.g[p]}, std::vector<double>{take ? c.g_prop[p] : c.g[p]}));
  }
  // The proposal arrays are inputs only.
  CHECK(rtk_test::same_bits(run.z_prop, c.z_prop));
  CHECK(rtk_test::same_bits(run.grad_g_prop, c.grad_g_prop));
  CHECK(rtk_test::same_bits(run.g_prop, c.g_prop));
  CHECK_EQ(info.accepted, accepted);
  CHECK_NEAR(info.mean_accept_prob, static_cast<double>(prob_sum / c.n), 1e-12);
  *accepted_out = accepted;
}

}  // namespace

TEST(mala, log_ratio_formula) {
  const Chains c(64, 5, 0.3, 31);
  for (rtk::EnergyDelta delta : kDeltas) {
    const rtk::MalaAcceptParams params{c.tau, std::numeric_limits<double>::infinity(), delta};
    Chains copy = c;
    const rtk::MalaArrays<double> a = copy.arrays();
    for (size_t p = 0; p < c.n; ++p) {
      const double expected = static_cast<double>(c.log_ratio(p, delta));
      CHECK_NEAR(rtk::mala_log_ratio(params, a, p, c.d), expected, 1e-12 * (1 + std::fabs(expected)));
    }
  }
  // The three rules really differ on this input (a rule mix-up cannot pass the check above).
  CHECK(std::fabs(static_cast<double>(c.log_ratio(0, rtk::EnergyDelta::Exact) -
                                      c.log_ratio(0, rtk::EnergyDelta::Trapezoid))) > 1e-3);
  CHECK(std::fabs(static_cast<double>(c.log_ratio(0, rtk::EnergyDelta::Simpson) -
                                      c.log_ratio(0, rtk::EnergyDelta::Trapezoid))) > 1e-3);
}

TEST(mala, decisions_and_copies) {
  const Chains c(400, 4, 0.25, 32);
  for (rtk::EnergyDelta delta : kDeltas) {
    size_t accepted = 0;
    check_decisions(c, rtk::MalaAcceptParams{c.tau, std::numeric_limits<double>::infinity(), delta}, &accepted);
    // Both outcomes occur, so the test sees accepts and rejects.
    CHECK(accepted > c.n / 10 && accepted < c.n - c.n / 10);
  }
}

// A NaN or infinite la is a rejection (probability 0), never an error.
TEST(mala, non_finite_is_rejected) {
  Chains c(40, 3, 0.2, 33);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  c.z_prop[3 * c.d + 1] = nan;
  c.grad_g_prop[5 * c.d] = inf;
  c.grad_g_mid[6 * c.d + 2] = nan;  // Simpson only
  c.g_prop[7] = nan;                // Exact only
  c.g_prop[8] = -inf;               // Exact only: la = +inf
  c.g[9] = inf;                     // Exact only
  for (rtk::EnergyDelta delta : kDeltas) {
    size_t accepted = 0;
    check_decisions(c, rtk::MalaAcceptParams{c.tau, inf, delta}, &accepted);
    Chains run = c;
    std::vector<uint8_t> flags(c.n);
    rtk::ThreadPool pool(1);
    rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, rtk::MalaAcceptParams{c.tau, inf, delta}, run.arrays(),
                     rtk::StreamId{1, 0, 0, rtk::Purpose::Accept}, flags.data());
    CHECK_EQ(flags[3], uint8_t(0));
    CHECK_EQ(flags[5], uint8_t(0));
    if (delta == rtk::EnergyDelta::Simpson) CHECK_EQ(flags[6], uint8_t(0));
    if (delta == rtk::EnergyDelta::Exact) {
      CHECK_EQ(flags[7], uint8_t(0));
      CHECK_EQ(flags[8], uint8_t(0));
      CHECK_EQ(flags[9], uint8_t(0));
    }
  }
}

// The CPU's tiles of kLanes particles (vectorised log ratios, uniforms and exponentials) give the
// same decisions, probabilities and state bits as mala_accept_particle row by row (the GPU's
// path), non-finite ratios and projected steps included.
TEST(mala, tiles_match_one_particle_at_a_time) {
  Chains c(43, 3, 0.2, 38);  // 5 tiles and 3 rows after them
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  c.z_prop[2 * c.d] = nan;
  c.g_prop[4] = -inf;
  c.g[12] = inf;
  for (const double radius : {inf, 0.9})
  for (rtk::EnergyDelta delta : kDeltas) {
    const rtk::MalaAcceptParams params{c.tau, radius, delta};
    const rtk::StreamId stream{6, 1, 2, rtk::Purpose::Accept};
    Chains tiled = c, single = c;
    std::vector<uint8_t> tiled_flags(c.n), single_flags(c.n);
    rtk::ThreadPool pool(1);
    const rtk::MalaAcceptInfo info =
        rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, tiled.arrays(), stream, tiled_flags.data());
    double prob_sum = 0;
    size_t count = 0;
    const rtk::MalaArrays<double> a = single.arrays();
    for (size_t row = 0; row < c.n; ++row) {
      prob_sum += rtk::mala_accept_particle(params, a, row, c.d, stream, row, &single_flags[row]);
      count += single_flags[row];
    }
    CHECK(tiled_flags == single_flags);
    CHECK(rtk_test::same_bits(tiled.z, single.z));
    CHECK(rtk_test::same_bits(tiled.grad_g, single.grad_g));
    CHECK(rtk_test::same_bits(tiled.g, single.g));
    CHECK(rtk_test::same_bits(tiled.score, single.score));
    CHECK_EQ(info.accepted, count);
    CHECK_EQ(info.mean_accept_prob, prob_sum / static_cast<double>(c.n));
  }
}

// The mean acceptance probability adds each 1,024-row block's probabilities in row order and the
// blocks in block order, bit for bit, on any thread count: at n = 3001 the threads' shares meet
// inside blocks (rows 1504 on 2 threads, 992 and 2016 on 3), whose later pieces' probabilities
// are added to the first piece's sum afterwards (mh_over_blocks).
TEST(mala, mean_accept_prob_sums_fixed_blocks_whatever_the_thread_count) {
  const Chains c(3001, 3, 0.3, 37);
  const rtk::MalaAcceptParams params{c.tau, std::numeric_limits<double>::infinity(), rtk::EnergyDelta::Trapezoid};
  const rtk::StreamId stream{6, 1, 3, rtk::Purpose::Accept};
  Chains single = c;
  const rtk::MalaArrays<double> a = single.arrays();
  double total = 0, block_sum = 0;
  size_t count = 0;
  for (size_t row = 0; row < c.n; ++row) {
    uint8_t flag = 0;
    block_sum += rtk::mala_accept_particle(params, a, row, c.d, stream, row, &flag);
    count += flag;
    if ((row + 1) % 1024 == 0 || row + 1 == c.n) {
      total += block_sum;
      block_sum = 0;
    }
  }
  for (int threads : {1, 2, 3}) {
    Chains run = c;
    rtk::ThreadPool pool(threads);
    const rtk::MalaAcceptInfo info =
        rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, run.arrays(), stream, nullptr);
    CHECK_EQ(info.accepted, count);
    CHECK(rtk_test::same_bits(std::vector<double>{info.mean_accept_prob},
                              std::vector<double>{total / static_cast<double>(c.n)}));
    CHECK(rtk_test::same_bits(run.z, single.z));
  }
}

// Projected MALA: a step longer than the radius is rejected; shorter steps are unaffected.
TEST(mala, projection_radius) {
  const Chains c(300, 4, 0.25, 34);
  std::vector<double> lengths(c.n);
  for (size_t p = 0; p < c.n; ++p) lengths[p] = c.step_length(p);
  std::vector<double> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());
  const double radius = sorted[c.n / 2];
  size_t accepted = 0;
  check_decisions(c, rtk::MalaAcceptParams{c.tau, radius, rtk::EnergyDelta::Exact}, &accepted);
  CHECK(accepted > 0);
  // Against the unprojected run: rows with longer steps lose their accepts, the rest keep them.
  auto flags_for = [&](double r) {
    Chains run = c;
    std::vector<uint8_t> flags(c.n);
    rtk::ThreadPool pool(1);
    rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, rtk::MalaAcceptParams{c.tau, r, rtk::EnergyDelta::Exact},
                     run.arrays(), rtk::StreamId{3, 0, 0, rtk::Purpose::Accept}, flags.data());
    return flags;
  };
  const std::vector<uint8_t> free = flags_for(std::numeric_limits<double>::infinity()), projected = flags_for(radius);
  size_t lost = 0;
  for (size_t p = 0; p < c.n; ++p) {
    if (lengths[p] > radius) {
      CHECK_EQ(projected[p], uint8_t(0));
      lost += free[p];
    } else {
      CHECK_EQ(projected[p], free[p]);
    }
  }
  CHECK(lost > 0);
}

// Arrays an EnergyDelta does not use may be null (score / score_prop together).
TEST(mala, optional_arrays) {
  const Chains c(200, 3, 0.3, 35);
  for (rtk::EnergyDelta delta : kDeltas) {
    const rtk::MalaAcceptParams params{c.tau, std::numeric_limits<double>::infinity(), delta};
    const rtk::StreamId stream{6, 1, 1, rtk::Purpose::Accept};
    rtk::ThreadPool pool(1);
    Chains full = c, sparse = c;
    std::vector<uint8_t> full_flags(c.n), sparse_flags(c.n);
    rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, full.arrays(), stream, full_flags.data());
    const bool exact = delta == rtk::EnergyDelta::Exact;
    const rtk::MalaArrays<double> a{sparse.z.data(),
                                    sparse.grad_g.data(),
                                    exact ? sparse.g.data() : nullptr,
                                    nullptr,
                                    sparse.z_prop.data(),
                                    sparse.grad_g_prop.data(),
                                    exact ? sparse.g_prop.data() : nullptr,
                                    nullptr,
                                    delta == rtk::EnergyDelta::Simpson ? sparse.grad_g_mid.data() : nullptr};
    rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, a, stream, sparse_flags.data());
    CHECK(full_flags == sparse_flags);
    CHECK(full.z == sparse.z);
    // Without flags the summary is still returned.
    Chains again = c;
    const rtk::MalaAcceptInfo info = rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, again.arrays(), stream,
                                                      static_cast<uint8_t*>(nullptr));
    CHECK_EQ(info.accepted, static_cast<size_t>(std::count(full_flags.begin(), full_flags.end(), uint8_t(1))));
  }
}

TEST(mala, same_bits_for_any_thread_count_and_split) {
  const Chains c(3000, 4, 0.25, 36);  // several 1024-row blocks
  for (rtk::EnergyDelta delta : kDeltas) {
    const rtk::MalaAcceptParams params{c.tau, 2.5, delta};
    Chains run = c;
    std::vector<uint8_t> flags;
    rtk_test::check_split_invariance(
        c.n, c.d, 12345, 1100,
        [&] {
          run = c;
          flags.assign(c.n, 0);
        },
        [&](rtk::ThreadPool& pool, const rtk::Batch& b, size_t row) {
          const size_t o = row * c.d;
          const rtk::MalaArrays<double> a{run.z.data() + o,          run.grad_g.data() + o, run.g.data() + row,
                                          run.score.data() + o,      run.z_prop.data() + o, run.grad_g_prop.data() + o,
                                          run.g_prop.data() + row,   run.score_prop.data() + o,
                                          run.grad_g_mid.data() + o};
          rtk::mala_accept(pool, b, params, a, rtk::StreamId{4, 3, 2, rtk::Purpose::Accept}, flags.data() + row);
        },
        [&] {
          std::vector<double> out = run.z;
          out.insert(out.end(), run.grad_g.begin(), run.grad_g.end());
          out.insert(out.end(), run.g.begin(), run.g.end());
          out.insert(out.end(), run.score.begin(), run.score.end());
          out.insert(out.end(), flags.begin(), flags.end());
          return out;
        });
  }
}

// The acceptance summary is summed in fixed blocks: identical whatever the thread count.
TEST(mala, summary_independent_of_threads) {
  const Chains c(5000, 3, 0.3, 37);
  const rtk::MalaAcceptParams params{c.tau, std::numeric_limits<double>::infinity(), rtk::EnergyDelta::Trapezoid};
  auto run_with = [&](int threads) {
    rtk::ThreadPool pool(threads);
    Chains run = c;
    return rtk::mala_accept(pool, rtk::Batch{c.n, c.d, 0}, params, run.arrays(),
                            rtk::StreamId{5, 0, 0, rtk::Purpose::Accept}, static_cast<uint8_t*>(nullptr));
  };
  const rtk::MalaAcceptInfo one = run_with(1);
  for (int threads : {2, 3}) {
    const rtk::MalaAcceptInfo other = run_with(threads);
    CHECK_EQ(other.accepted, one.accepted);
    CHECK_EQ(other.mean_accept_prob, one.mean_accept_prob);
  }
}
