// The exact law (mean and covariance, in long double) of a linear-Gaussian recursion
// s' = A s + c + noise, noise ~ N(0, Q). Samplers that are linear on a Gaussian target
// (ULD with a frozen gradient, RTK-ULD) are tested against it.
#pragma once
#include <array>

namespace rtk_test {

template <int N>
struct GaussianLaw {
  using Vector = std::array<long double, N>;
  using Matrix = std::array<std::array<long double, N>, N>;

  Vector mean{};
  Matrix cov{};

  static Matrix identity() {
    Matrix m{};
    for (int i = 0; i < N; ++i) m[i][i] = 1;
    return m;
  }

  // mean' = A mean + c;  cov' = A cov A^T + Q.
  void apply(const Matrix& a, const Vector& c, const Matrix& q) {
    Vector m{};
    Matrix ac{}, next{};
    for (int i = 0; i < N; ++i) {
      m[i] = c[i];
      for (int j = 0; j < N; ++j) m[i] += a[i][j] * mean[j];
    }
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j)
        for (int k = 0; k < N; ++k) ac[i][j] += a[i][k] * cov[k][j];
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        next[i][j] = q[i][j];
        for (int k = 0; k < N; ++k) next[i][j] += ac[i][k] * a[j][k];
      }
    mean = m;
    cov = next;
  }
};

}  // namespace rtk_test
