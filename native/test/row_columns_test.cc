// row_columns.h: the 8 x 8 transpose, the row buffer of up to 16 tiles, and a tile of rows read
// and written by coordinates match the definitions value by value for every d up to 20 (a partial
// group of coordinates, whole groups, and a partial one after whole ones), every row count, float
// and double; stores write exactly the values asked for and leave every other value as it was.
#include "rtk/row_columns.h"

#include <cstdint>
#include <vector>

#include "check.h"
#include "random_inputs.h"
#include "same_bits.h"

namespace {

constexpr double kUntouched = -12345.0;

// A row-major array of `rows` x d random values, held in Real (so that converting back is exact).
template <class Real>
std::vector<Real> random_rows(int rows, int d, uint64_t seed) {
  rtk_test::RandomInputs in(seed);
  const std::vector<double> values = in.normals(static_cast<size_t>(rows) * d, 3.0);
  return std::vector<Real>(values.begin(), values.end());
}

template <class Real>
void check_load_transposed() {
  for (int d = 1; d <= 20; ++d)
    for (int count = 1; count <= rtk::kLanes; ++count) {
      // Exactly `count` rows: the masked loads may not read past the array's last row.
      const std::vector<Real> rows = random_rows<Real>(count, d, 100 * d + count);
      std::vector<rtk::Lanes> t(d);
      rtk::load_transposed(rows.data(), count, d, t.data());
      for (int i = 0; i < d; ++i)
        for (int r = 0; r < rtk::kLanes; ++r) {
          const int row = r < count ? r : count - 1;
          CHECK_EQ(rtk_test::bits_of(t[i][r]), rtk_test::bits_of(static_cast<double>(rows[row * d + i])));
        }
    }
}

template <class Real>
void check_store_transposed() {
  for (int d = 1; d <= 20; ++d)
    for (int count = 1; count <= rtk::kLanes; ++count) {
      rtk_test::RandomInputs in(7 * d + count);
      std::vector<rtk::Lanes> t(d);
      for (int i = 0; i < d; ++i)
        for (int r = 0; r < rtk::kLanes; ++r) t[i][r] = in.uniform(-4.0, 4.0);
      // One spare row after the count rows: it must stay untouched.
      std::vector<Real> rows(static_cast<size_t>(count + 1) * d, static_cast<Real>(kUntouched));
      rtk::store_transposed(t.data(), count, d, rows.data());
      for (int r = 0; r <= count; ++r)
        for (int i = 0; i < d; ++i) {
          const Real want = r < count ? static_cast<Real>(t[i][r]) : static_cast<Real>(kUntouched);
          CHECK_EQ(rtk_test::bits_of(static_cast<double>(rows[r * d + i])), rtk_test::bits_of(static_cast<double>(want)));
        }
    }
}

}  // namespace

TEST(row_columns, transpose_lanes_swaps_rows_and_columns) {
  rtk::Lanes v[rtk::kLanes];
  for (int k = 0; k < rtk::kLanes; ++k)
    for (int r = 0; r < rtk::kLanes; ++r) v[k][r] = 10.0 * k + r;
  rtk::transpose_lanes(v);
  for (int k = 0; k < rtk::kLanes; ++k)
    for (int r = 0; r < rtk::kLanes; ++r) CHECK_EQ(v[k][r], 10.0 * r + k);
}

TEST(row_columns, rows_of_tiles_writes_each_row_after_the_other) {
  for (int w = 1; w <= rtk::kRowBufferWidth; ++w) {
    std::vector<rtk::Lanes> tiles(w);
    for (int k = 0; k < w; ++k)
      for (int r = 0; r < rtk::kLanes; ++r) tiles[k][r] = 1.0 + 100.0 * k + r;
    rtk::RowBuffer rows;
    rtk::rows_of_tiles(tiles.data(), w, rows);
    for (int r = 0; r < rtk::kLanes; ++r)
      for (int k = 0; k < w; ++k) CHECK_EQ(rows[r * w + k], tiles[k][r]);
  }
}

TEST(row_columns, load_transposed_reads_each_coordinate_of_each_row) { check_load_transposed<double>(); }
TEST(row_columns, load_transposed_reads_each_coordinate_of_each_row_in_float) { check_load_transposed<float>(); }
TEST(row_columns, store_transposed_writes_the_count_rows_only) { check_store_transposed<double>(); }
TEST(row_columns, store_transposed_writes_the_count_rows_only_in_float) { check_store_transposed<float>(); }
