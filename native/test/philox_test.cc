// Philox4x32-10 (philox.h): the Random123 known-answer vectors, the uniform and normal draws
// built on it, and the stream layout every kernel relies on.
#include "rtk/philox.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "check.h"
#include "moments.h"

namespace {

void check_block(const rtk::Philox4x32& got, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  CHECK_EQ(got.v[0], a);
  CHECK_EQ(got.v[1], b);
  CHECK_EQ(got.v[2], c);
  CHECK_EQ(got.v[3], d);
}

}  // namespace

// Random123 kat_vectors, philox4x32_10.
TEST(philox, known_answer_vectors) {
  check_block(rtk::philox4x32_10({{0, 0, 0, 0}}, {{0, 0}}), 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u);
  check_block(rtk::philox4x32_10({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, {{0xffffffffu, 0xffffffffu}}),
              0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
  check_block(rtk::philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, {{0xa4093822u, 0x299f31d0u}}),
              0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

TEST(philox, mulhilo32_is_the_64_bit_product) {
  uint32_t hi = 0, lo = 0;
  rtk::mulhilo32(0xffffffffu, 0xffffffffu, hi, lo);
  CHECK_EQ(hi, 0xfffffffeu);
  CHECK_EQ(lo, 0x00000001u);
  rtk::mulhilo32(0xD2511F53u, 0x12345678u, hi, lo);
  const uint64_t product = 0xD2511F53ull * 0x12345678ull;
  CHECK_EQ(hi, static_cast<uint32_t>(product >> 32));
  CHECK_EQ(lo, static_cast<uint32_t>(product));
}

// The counter is (block, step, segment, purpose) and the key (seed, particle).
TEST(philox, stream_layout) {
  const rtk::StreamId s{77, 3, 5, rtk::Purpose::Noise};
  const rtk::Philox4x32 direct = rtk::philox4x32_10({{9, 5, 3, 2}}, {{77, 123}});
  check_block(rtk::philox_block(s, 123, 9), direct.v[0], direct.v[1], direct.v[2], direct.v[3]);
  // Changing any one field changes the block.
  const rtk::Philox4x32 base = rtk::philox_block(s, 123, 9);
  const rtk::Philox4x32 others[] = {
      rtk::philox_block(rtk::StreamId{78, 3, 5, rtk::Purpose::Noise}, 123, 9),
      rtk::philox_block(rtk::StreamId{77, 4, 5, rtk::Purpose::Noise}, 123, 9),
      rtk::philox_block(rtk::StreamId{77, 3, 6, rtk::Purpose::Noise}, 123, 9),
      rtk::philox_block(rtk::StreamId{77, 3, 5, rtk::Purpose::Accept}, 123, 9),
      rtk::philox_block(s, 124, 9),
      rtk::philox_block(s, 123, 10),
  };
  for (const rtk::Philox4x32& o : others) CHECK(o.v[0] != base.v[0] || o.v[1] != base.v[1]);
}

TEST(philox, uniform53_is_in_the_half_open_unit_interval) {
  CHECK_EQ(rtk::uniform53(0, 0), 0.0);
  const double top = rtk::uniform53(0xffffffffu, 0xffffffffu);
  CHECK(top < 1.0);
  CHECK_EQ(top, 1.0 - std::ldexp(1.0, -53));
  // The low bits of a and b that are dropped do not matter; the kept ones all do.
  CHECK_EQ(rtk::uniform53(0x1fu, 0x3fu), 0.0);
  CHECK_EQ(rtk::uniform53(0, 0x40u), std::ldexp(1.0, -53));
  CHECK_EQ(rtk::uniform53(0x20u, 0), std::ldexp(1.0, -27));
  CHECK(rtk::uniform_open32(0) > 0.0);
  CHECK(rtk::uniform_open32(0xffffffffu) < 1.0);
}

TEST(philox, uniform_draw_is_uniform) {
  const size_t n = 200000;
  const rtk::StreamId s{5, 0, 0, rtk::Purpose::Accept};
  std::vector<double> u(n);
  double below_tenth = 0;
  for (size_t p = 0; p < n; ++p) {
    u[p] = rtk::uniform_draw(s, p);
    CHECK(u[p] >= 0.0 && u[p] < 1.0);
    below_tenth += u[p] < 0.1;
  }
  const rtk_test::Moments m = rtk_test::column_moments(u.data(), n, 1, 0);
  CHECK_NEAR(m.mean, 0.5, 5 * rtk_test::mean_se(1.0 / 12, n));
  // U(0,1): variance 1/12, fourth central moment 1/80.
  CHECK_NEAR(m.var, 1.0 / 12, 5 * rtk_test::var_se(1.0 / 12, 1.0 / 80, n));
  CHECK_NEAR(below_tenth / n, 0.1, 5 * std::sqrt(0.1 * 0.9 / n));
}

TEST(philox, normals_have_mean_0_and_variance_1) {
  const size_t particles = 250000;
  const int d = 4;
  const rtk::StreamId s{2024, 1, 2, rtk::Purpose::Noise};
  std::vector<double> x(particles * d);
  for (size_t p = 0; p < particles; ++p) rtk::fill_normals(s, p, d, &x[p * d]);
  const size_t n = x.size();  // 1e6 draws
  const rtk_test::Moments m = rtk_test::column_moments(x.data(), n, 1, 0);
  CHECK_NEAR(m.mean, 0.0, 5 * rtk_test::mean_se(1.0, n));
  CHECK_NEAR(m.var, 1.0, 5 * rtk_test::gaussian_var_se(1.0, n));
  long double fourth = 0;
  size_t beyond_two = 0;
  for (double v : x) {
    fourth += static_cast<long double>(v) * v * v * v;
    beyond_two += std::fabs(v) > 2.0;
  }
  // E x^4 = 3, Var x^4 = 105 - 9 = 96; P(|x| > 2) = erfc(sqrt 2).
  CHECK_NEAR(static_cast<double>(fourth / n), 3.0, 5 * std::sqrt(96.0 / n));
  const double tail = std::erfc(std::sqrt(2.0));
  CHECK_NEAR(static_cast<double>(beyond_two) / n, tail, 5 * std::sqrt(tail * (1 - tail) / n));
  // Each of the four lanes is standard normal on its own, and lanes are uncorrelated.
  for (int lane = 0; lane < d; ++lane) {
    const rtk_test::Moments l = rtk_test::column_moments(x.data(), particles, d, lane);
    CHECK_NEAR(l.mean, 0.0, 5 * rtk_test::mean_se(1.0, particles));
    CHECK_NEAR(l.var, 1.0, 5 * rtk_test::gaussian_var_se(1.0, particles));
  }
  CHECK_NEAR(rtk_test::column_covariance(x.data(), x.data(), particles, d, 0, 1), 0.0,
             5 * rtk_test::mean_se(1.0, particles));
  CHECK_NEAR(rtk_test::column_covariance(x.data(), x.data(), particles, d, 1, 2), 0.0,
             5 * rtk_test::mean_se(1.0, particles));
}

// Coordinate i of a particle is lane i % 4 of block i / 4, in any precision.
TEST(philox, fill_normals_layout) {
  const rtk::StreamId s{1, 2, 3, rtk::Purpose::Exact};
  const int d = 11;
  std::vector<double> x(d);
  std::vector<float> xf(d);
  rtk::fill_normals(s, 42, d, x.data());
  rtk::fill_normals(s, 42, d, xf.data());
  for (int i = 0; i < d; ++i) {
    double four[4];
    rtk::normal4(rtk::philox_block(s, 42, static_cast<uint32_t>(i / 4)), four);
    CHECK_EQ(x[i], four[i % 4]);
    CHECK_EQ(xf[i], static_cast<float>(four[i % 4]));
  }
  // Box–Muller: lanes (0, 1) share a radius.
  double four[4];
  const rtk::Philox4x32 r = rtk::philox_block(s, 42, 0);
  rtk::normal4(r, four);
  const double radius = std::sqrt(-2.0 * std::log(rtk::uniform_open32(r.v[0])));
  CHECK_NEAR(std::hypot(four[0], four[1]), radius, 1e-12 * radius);
}
