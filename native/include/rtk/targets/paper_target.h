// The paper's benchmark target (rtk-math.md, "The paper's benchmark target"; Huang et al. 2024,
// section 5): 12 equal-weight Gaussians with means (cos 2 pi j/12, sin 2 pi j/12, 0, ..., 0) in
// d = 10 and variance 0.007 in every coordinate. The same as GaussianMixture.paperTarget() in JS.
#pragma once
#include <cmath>
#include <vector>

#include "gaussian_mixture.h"

namespace rtk {

inline GaussianMixture paper_target() {
  constexpr int d = 10, k = 12;
  constexpr double pi = 3.141592653589793238462643383279502884;
  std::vector<double> means(k * d, 0.0);
  for (int j = 0; j < k; ++j) {
    means[j * d] = std::cos(2 * pi * j / k);
    means[j * d + 1] = std::sin(2 * pi * j / k);
  }
  return GaussianMixture(std::vector<double>(k, 1.0), means, std::vector<double>(k * d, 0.007), d);
}

}  // namespace rtk
