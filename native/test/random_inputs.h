// Reproducible random inputs for formula tests (std::mt19937_64, independent of Philox so
// that the inputs of a test never share numbers with the streams under test).
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace rtk_test {

class RandomInputs {
 public:
  explicit RandomInputs(uint64_t seed) : gen_(seed) {}

  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(gen_); }

  double normal(double sd = 1.0) { return std::normal_distribution<double>(0.0, sd)(gen_); }

  std::vector<double> normals(size_t count, double sd = 1.0) {
    std::vector<double> out(count);
    for (double& v : out) v = normal(sd);
    return out;
  }

  std::vector<double> uniforms(size_t count, double lo, double hi) {
    std::vector<double> out(count);
    for (double& v : out) v = uniform(lo, hi);
    return out;
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace rtk_test
