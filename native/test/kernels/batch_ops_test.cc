// The samplers' small batch operations (kernels/batch_ops.h): the non-finite search finds the
// first bad value whatever the thread count and block layout, and in a tile in registers; midpoint and Heun's corrector
// are the formulas of rtk-math.md value by value; the pool's copies and zero fill cover every
// value.
#include "rtk/kernels/batch_ops.h"

#include <cmath>
#include <limits>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "same_bits.h"

TEST(batch_ops, find_non_finite_returns_the_first_bad_value_for_any_thread_count) {
  std::vector<double> values = rtk_test::RandomInputs(70).normals(100000);
  for (int threads : {1, 2, 3}) {
    rtk::ThreadPool pool(threads);
    CHECK(!rtk::find_non_finite(pool, values.data(), values.size()).found);
  }
  values[70001] = std::numeric_limits<double>::infinity();  // a later block
  values[40000] = std::numeric_limits<double>::quiet_NaN();
  values[40005] = -std::numeric_limits<double>::infinity();  // same block, later
  for (int threads : {1, 2, 3}) {
    rtk::ThreadPool pool(threads);
    const rtk::NonFinite bad = rtk::find_non_finite(pool, values.data(), values.size());
    CHECK(bad.found);
    CHECK_EQ(bad.index, size_t{40000});
    CHECK(std::isnan(bad.value));
  }
  std::vector<float> single{1.0f, std::numeric_limits<float>::infinity()};
  rtk::ThreadPool pool(2);
  const rtk::NonFinite f = rtk::find_non_finite(pool, single.data(), single.size());
  CHECK(f.found && f.index == 1 && std::isinf(f.value));
  CHECK(!rtk::find_non_finite(pool, single.data(), 0).found);
}

// The search tests groups of values as vectors and then scans the group that has a bad value:
// a single bad value anywhere (each place in a group, the values after the last whole group,
// either type, +-inf or NaN) is found at its index; huge finite values are not bad.
TEST(batch_ops, find_non_finite_finds_one_bad_value_wherever_it_is) {
  const size_t n = 16384 + 77;  // a second block whose last values are not a whole group
  const double bads[] = {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                         std::numeric_limits<double>::quiet_NaN()};
  rtk::ThreadPool pool(2);
  std::vector<double> values = rtk_test::RandomInputs(71).normals(n);
  values[5] = std::numeric_limits<double>::max();
  values[6] = -std::numeric_limits<double>::max();
  CHECK(!rtk::find_non_finite(pool, values.data(), values.size()).found);
  std::vector<float> singles(values.begin(), values.end());
  singles[5] = std::numeric_limits<float>::max();
  singles[6] = -std::numeric_limits<float>::max();
  CHECK(!rtk::find_non_finite(pool, singles.data(), singles.size()).found);
  // Every place in the first five groups, around the end of the first block and in the last
  // 80 values (the tail after the last whole group), and every 997th place between.
  std::vector<size_t> places;
  for (size_t at = 0; at < n; ++at)
    if (at < 40 || (at >= 16384 - 40 && at < 16384 + 40) || at + 80 >= n || at % 997 == 0) places.push_back(at);
  for (size_t at : places) {
    for (double bad : bads) {
      std::vector<double> v = values;
      v[at] = bad;
      const rtk::NonFinite f = rtk::find_non_finite(pool, v.data(), v.size());
      CHECK(f.found && f.index == at && rtk_test::bits_of(f.value) == rtk_test::bits_of(bad));
      std::vector<float> w = singles;
      w[at] = static_cast<float>(bad);
      const rtk::NonFinite g = rtk::find_non_finite(pool, w.data(), w.size());
      CHECK(g.found && g.index == at && (std::isnan(bad) ? std::isnan(g.value) : g.value == bad));
    }
  }
}

// A tile held in registers (the fused kernels' check): one bad value at every row and coordinate
// of a tile with 1 to 8 real rows is found with its row-major index in the batch (tile 3 here)
// when its row is real, and ignored in the padding rows; two bad values give the first.
TEST(batch_ops, first_non_finite_in_tile_finds_a_bad_real_row_and_ignores_padding) {
  const int d = 5;
  const size_t k = 3;
  rtk::Lanes clean[d];
  for (int i = 0; i < d; ++i)
    for (int r = 0; r < rtk::kLanes; ++r) clean[i][r] = (i - 2) * 1e300 + r;  // large but finite
  for (int rows = 1; rows <= rtk::kLanes; ++rows) {
    CHECK(!rtk::first_non_finite_in_tile(clean, d, k, rows).found);
    for (int r = 0; r < rtk::kLanes; ++r)
      for (int i = 0; i < d; ++i)
        for (double bad : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
          rtk::Lanes tile[d];
          for (int j = 0; j < d; ++j) tile[j] = clean[j];
          tile[i][r] = bad;
          const rtk::NonFinite f = rtk::first_non_finite_in_tile(tile, d, k, rows);
          if (r < rows)
            CHECK(f.found && f.index == (k * rtk::kLanes + r) * d + i &&
                  rtk_test::bits_of(f.value) == rtk_test::bits_of(bad));
          else
            CHECK(!f.found);
        }
  }
  rtk::Lanes tile[d];
  for (int j = 0; j < d; ++j) tile[j] = clean[j];
  tile[4][2] = -std::numeric_limits<double>::infinity();
  tile[1][5] = std::numeric_limits<double>::quiet_NaN();
  const rtk::NonFinite f = rtk::first_non_finite_in_tile(tile, d, k, rtk::kLanes);
  CHECK(f.found && f.index == (k * rtk::kLanes + 2) * d + 4);
}

// The batch fill (tiles of kLanes rows, then single rows) gives fill_normals' bits row by row,
// for any thread count, batch split and dimension (d = 10 leaves a partial Philox block; up to
// d = 16 each tile's Philox words are drawn a tile ahead, d = 17 takes two groups of normals).
TEST(batch_ops, fill_normals_batch_matches_fill_normals_row_by_row) {
  for (int d : {1, 4, 10, 16, 17}) {
    const size_t n = 1003;
    const rtk::StreamId s{8, 2, 5, rtk::Purpose::Init};
    std::vector<double> expected(n * d);
    for (size_t p = 0; p < n; ++p) rtk::fill_normals(s, 77 + p, d, &expected[p * d]);
    for (int threads : {1, 2, 3}) {
      rtk::ThreadPool pool(threads);
      std::vector<double> got(n * d);
      rtk::fill_normals_batch(pool, rtk::Batch{n, d, 77}, s, got.data());
      CHECK(rtk_test::same_bits(got, expected));
      std::vector<float> got_f(n * d);
      rtk::fill_normals_batch(pool, rtk::Batch{500, d, 77}, s, got_f.data());
      rtk::fill_normals_batch(pool, rtk::Batch{n - 500, d, 77 + 500}, s, got_f.data() + 500 * d);
      for (size_t i = 0; i < n * d; ++i) CHECK_EQ(got_f[i], static_cast<float>(expected[i]));
    }
  }
}

TEST(batch_ops, midpoint_and_heun_update_value_by_value) {
  rtk_test::RandomInputs in(71);
  const size_t n = 1000;
  const std::vector<double> a = in.normals(n), b = in.normals(n), s1 = in.normals(n), s2 = in.normals(n);
  rtk::ThreadPool pool(2);
  std::vector<double> mid(n), x = a;
  rtk::midpoint(pool, a.data(), b.data(), n, mid.data());
  const double h = 0.05;
  rtk::heun_update(pool, h, x.data(), s1.data(), b.data(), s2.data(), n);
  for (size_t i = 0; i < n; ++i) {
    CHECK_EQ(mid[i], 0.5 * (a[i] + b[i]));
    // x' = x + (h/2) [(x + s(x, a)) + (x_pred + s(x_pred, b))]
    CHECK_EQ(x[i], a[i] + 0.5 * h * ((a[i] + s1[i]) + (b[i] + s2[i])));
  }
}

// Ranges of kCopyGrain values on the pool, with a remainder that is not a whole range.
TEST(batch_ops, copy_values_covers_every_value_for_any_thread_count) {
  const size_t count = 3 * rtk::kCopyGrain + 17;
  const std::vector<double> from = rtk_test::RandomInputs(72).normals(count);
  for (int threads : {1, 2, 3}) {
    rtk::ThreadPool pool(threads);
    std::vector<double> to(count, -1.0), host(count, -1.0);
    rtk::copy_values(pool, from.data(), count, to.data());
    rtk::copy_to_host(pool, from.data(), count, host.data());
    CHECK(rtk_test::same_bits(to, from));
    CHECK(rtk_test::same_bits(host, from));
    std::vector<double> part(count, -1.0);
    rtk::copy_values(pool, from.data(), count - 5, part.data());
    for (size_t i = 0; i < count - 5; ++i) CHECK_EQ(part[i], from[i]);
    for (size_t i = count - 5; i < count; ++i) CHECK_EQ(part[i], -1.0);  // nothing past count
  }
}
