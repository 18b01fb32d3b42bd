// Sample moments of one coordinate of a batch (n rows of d values) and the Monte Carlo
// standard errors that statistical tests derive their tolerances from.
#pragma once
#include <cmath>
#include <cstddef>

namespace rtk_test {

struct Moments {
  double mean = 0;
  double var = 0;  // unbiased (n - 1) sample variance
  size_t n = 0;
};

// Two-pass moments of coordinate i of rows [0, n) of x (row-major, d values a row).
template <class Real>
Moments column_moments(const Real* x, size_t n, int d, int i) {
  Moments m;
  m.n = n;
  long double sum = 0;
  for (size_t r = 0; r < n; ++r) sum += x[r * d + i];
  m.mean = static_cast<double>(sum / n);
  long double sq = 0;
  for (size_t r = 0; r < n; ++r) {
    const long double e = x[r * d + i] - static_cast<long double>(m.mean);
    sq += e * e;
  }
  m.var = static_cast<double>(sq / (n - 1));
  return m;
}

// The sample covariance of coordinate i of a and coordinate j of b (both n rows of d).
template <class Real>
double column_covariance(const Real* a, const Real* b, size_t n, int d, int i, int j) {
  const double ma = column_moments(a, n, d, i).mean, mb = column_moments(b, n, d, j).mean;
  long double sum = 0;
  for (size_t r = 0; r < n; ++r) sum += (a[r * d + i] - static_cast<long double>(ma)) * (b[r * d + j] - mb);
  return static_cast<double>(sum / (n - 1));
}

// Standard error of a sample mean of n independent draws with variance var.
inline double mean_se(double var, size_t n) { return std::sqrt(var / static_cast<double>(n)); }

// Standard error of a sample variance: sqrt((mu4 - var^2) / n), mu4 the 4th central moment.
inline double var_se(double var, double mu4, size_t n) { return std::sqrt((mu4 - var * var) / static_cast<double>(n)); }

// The same for Gaussian draws (mu4 = 3 var^2).
inline double gaussian_var_se(double var, size_t n) { return var * std::sqrt(2.0 / static_cast<double>(n)); }

// Standard error of a sample covariance of jointly Gaussian draws: sqrt((var_a var_b + cov^2) / n).
inline double gaussian_cov_se(double var_a, double var_b, double cov, size_t n) {
  return std::sqrt((var_a * var_b + cov * cov) / static_cast<double>(n));
}

}  // namespace rtk_test
