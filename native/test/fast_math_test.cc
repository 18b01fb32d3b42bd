// fast_math.h: the library's own exp, log and sincos against glibc (long double where it
// helps) over their documented ranges, in ulps, and the 8-lane forms against the scalar forms
// bit for bit.
#include "rtk/fast_math.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "check.h"
#include "same_bits.h"
#include "rtk/lanes.h"

namespace {

// The distance between a and b in units in the last place of b.
double ulps(double a, double b) {
  if (a == b) return 0;
  return std::fabs(a - b) / (std::nextafter(std::fabs(b), INFINITY) - std::fabs(b));
}

// A deterministic spread of points: a uniform grid over [lo, hi] with irrational offsets.
std::vector<double> grid(double lo, double hi, int count) {
  std::vector<double> out;
  for (int k = 0; k < count; ++k) {
    const double frac = std::fmod(0.5 + k * 0.6180339887498949, 1.0);
    out.push_back(lo + (hi - lo) * frac);
  }
  return out;
}

double log_scalar(double x) { return rtk::log_lanes<double, uint64_t>(x); }
rtk::Lanes log_tile(rtk::Lanes x) { return rtk::log_lanes<rtk::Lanes, rtk::LaneBits>(x); }
rtk::Lanes exp_tile(rtk::Lanes x) { return rtk::exp_nonpositive_lanes<rtk::Lanes, rtk::LaneBits>(x); }

template <class Scalar, class Tile>
void check_lanes_match_scalar(const std::vector<double>& xs, Scalar scalar, Tile tile) {
  for (size_t k = 0; k + rtk::kLanes <= xs.size(); k += rtk::kLanes) {
    rtk::Lanes x;
    for (int r = 0; r < rtk::kLanes; ++r) x[r] = xs[k + r];
    const rtk::Lanes y = tile(x);
    for (int r = 0; r < rtk::kLanes; ++r) CHECK_EQ(rtk_test::bits_of(y[r]), rtk_test::bits_of(scalar(xs[k + r])));
  }
}

}  // namespace

TEST(fast_math, exp_nonpositive_within_one_ulp) {
  std::vector<double> xs = grid(-708.0, 0.0, 20000);
  const std::vector<double> small = grid(-1.0, 0.0, 20000);
  xs.insert(xs.end(), small.begin(), small.end());
  xs.push_back(0.0);
  xs.push_back(-0.3465735902799726);  // -ln2/2, the reduction's edge
  double worst = 0;
  for (double x : xs)
    worst = std::fmax(worst, ulps(rtk::exp_nonpositive(x), static_cast<double>(std::exp(static_cast<long double>(x)))));
  CHECK(worst <= 1.0);
  CHECK_EQ(rtk::exp_nonpositive(0.0), 1.0);
  CHECK_EQ(rtk::exp_nonpositive(-1000.0), rtk::exp_nonpositive(-708.0));  // clamped, not 0 or NaN
  check_lanes_match_scalar(xs, rtk::exp_nonpositive, exp_tile);
}

// Box–Muller's uniforms lie in (0, 1); the mixture's energy takes the log of a sum in [1, K].
TEST(fast_math, log_within_two_ulp_on_unit_interval_and_above_one) {
  std::vector<double> xs = grid(2.3283064365386962890625e-10, 1.0, 20000);
  const std::vector<double> above = grid(1.0, 1000.0, 20000);
  xs.insert(xs.end(), above.begin(), above.end());
  for (double x : {1.0, 2.0, 0.5, 1.4142135623730950488, 1.4142135623730951, 1e-300, 1e300, 12.0}) xs.push_back(x);
  double worst = 0;
  for (double x : xs) {
    const double got = log_scalar(x);
    const double want = static_cast<double>(std::log(static_cast<long double>(x)));
    if (want != 0) worst = std::fmax(worst, ulps(got, want));
  }
  CHECK(worst <= 2.0);
  CHECK_EQ(log_scalar(1.0), 0.0);
  check_lanes_match_scalar(xs, log_scalar, log_tile);
}

TEST(fast_math, sincos_2pi_within_1e_16_absolute) {
  std::vector<double> us = grid(0.0, 1.0, 40000);
  for (double u : {0.0, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0}) us.push_back(u);
  constexpr long double two_pi = 6.283185307179586476925286766559L;
  double worst = 0;
  for (double u : us) {
    double s, c;
    rtk::sincos_2pi_lanes<double>(u, s, c);
    const long double a = two_pi * u;
    worst = std::fmax(worst, std::fabs(s - static_cast<double>(std::sin(a))));
    worst = std::fmax(worst, std::fabs(c - static_cast<double>(std::cos(a))));
  }
  CHECK(worst <= 2.5e-16);
  for (size_t k = 0; k + rtk::kLanes <= us.size(); k += rtk::kLanes) {
    rtk::Lanes u, s, c;
    for (int r = 0; r < rtk::kLanes; ++r) u[r] = us[k + r];
    rtk::sincos_2pi_lanes<rtk::Lanes>(u, s, c);
    for (int r = 0; r < rtk::kLanes; ++r) {
      double s1, c1;
      rtk::sincos_2pi_lanes<double>(us[k + r], s1, c1);
      CHECK_EQ(rtk_test::bits_of(s[r]), rtk_test::bits_of(s1));
      CHECK_EQ(rtk_test::bits_of(c[r]), rtk_test::bits_of(c1));
    }
  }
}

// The interleaved forms (B values at once) give each value the single form's bits.
template <int B>
void check_each_matches_single(const std::vector<double>& xs, const std::vector<double>& us) {
  for (size_t k = 0; k + B * rtk::kLanes <= xs.size() && k + B * rtk::kLanes <= us.size(); k += B * rtk::kLanes) {
    rtk::Lanes e[B], l[B], u[B], s[B], c[B];
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < rtk::kLanes; ++r) {
        e[b][r] = -xs[k + b * rtk::kLanes + r];
        l[b][r] = xs[k + b * rtk::kLanes + r];
        u[b][r] = us[k + b * rtk::kLanes + r];
      }
    rtk::exp_nonpositive_each<rtk::Lanes, rtk::LaneBits, B>(e);
    rtk::log_each<rtk::Lanes, rtk::LaneBits, B>(l);
    rtk::sincos_2pi_each<rtk::Lanes, B>(u, s, c);
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < rtk::kLanes; ++r) {
        const double x = xs[k + b * rtk::kLanes + r];
        double s1, c1;
        rtk::sincos_2pi_lanes<double>(us[k + b * rtk::kLanes + r], s1, c1);
        CHECK_EQ(rtk_test::bits_of(e[b][r]), rtk_test::bits_of(rtk::exp_nonpositive(-x)));
        CHECK_EQ(rtk_test::bits_of(l[b][r]), rtk_test::bits_of(log_scalar(x)));
        CHECK_EQ(rtk_test::bits_of(s[b][r]), rtk_test::bits_of(s1));
        CHECK_EQ(rtk_test::bits_of(c[b][r]), rtk_test::bits_of(c1));
      }
  }
}

TEST(fast_math, interleaved_forms_give_the_single_forms_bits) {
  const std::vector<double> xs = grid(1e-3, 700.0, 4000), us = grid(0.0, 1.0, 4000);
  check_each_matches_single<1>(xs, us);
  check_each_matches_single<5>(xs, us);
  check_each_matches_single<12>(xs, us);
}

// box_muller_each (the logs' and the sines' and cosines' series in one loop) gives every value the
// bits of sqrt(-2 ln r) cos(2 pi a) and sqrt(-2 ln r) sin(2 pi a) computed with the single forms,
// for one pair (the scalar normal4) and for B pairs of 8 lanes.
template <int B>
void check_box_muller_matches_single(const std::vector<double>& rs, const std::vector<double>& as) {
  for (size_t k = 0; k + B * rtk::kLanes <= rs.size() && k + B * rtk::kLanes <= as.size(); k += B * rtk::kLanes) {
    rtk::Lanes radius[B], angle[B], out[2 * B];
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < rtk::kLanes; ++r) {
        radius[b][r] = rs[k + b * rtk::kLanes + r];
        angle[b][r] = as[k + b * rtk::kLanes + r];
      }
    rtk::box_muller_each<rtk::Lanes, rtk::LaneBits, B>(radius, angle, out);
    for (int b = 0; b < B; ++b)
      for (int r = 0; r < rtk::kLanes; ++r) {
        const size_t i = k + b * rtk::kLanes + r;
        double s, c, one[2];
        rtk::sincos_2pi_lanes<double>(as[i], s, c);
        const double radius_1 = std::sqrt(-2.0 * log_scalar(rs[i]));
        CHECK_EQ(rtk_test::bits_of(out[2 * b][r]), rtk_test::bits_of(radius_1 * c));
        CHECK_EQ(rtk_test::bits_of(out[2 * b + 1][r]), rtk_test::bits_of(radius_1 * s));
        rtk::box_muller_each<double, uint64_t, 1>(&rs[i], &as[i], one);
        CHECK_EQ(rtk_test::bits_of(one[0]), rtk_test::bits_of(radius_1 * c));
        CHECK_EQ(rtk_test::bits_of(one[1]), rtk_test::bits_of(radius_1 * s));
      }
  }
}

TEST(fast_math, box_muller_each_gives_the_single_forms_bits) {
  // Box–Muller's uniforms lie in (0, 1): the radius's down to 2^-33, the angle's up to its ends.
  std::vector<double> rs = grid(1e-10, 1.0, 4000), as = grid(0.0, 1.0, 4000);
  rs[0] = 0x1p-33;
  rs[1] = 1.0 - 0x1p-33;
  as[0] = 0x1p-33;
  as[1] = 1.0 - 0x1p-33;
  check_box_muller_matches_single<1>(rs, as);
  check_box_muller_matches_single<5>(rs, as);
  check_box_muller_matches_single<8>(rs, as);
}
