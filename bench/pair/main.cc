// The driver of bench/pair.js (compiled in the unit it generates, after both trees' variant.h):
//   pair KERNEL N THREADS BATCHES STEPS FIRST
// builds tree A's and tree B's chain (KERNEL: mala or uld; FIRST: a or b, the one constructed
// first), then times BATCHES batches of STEPS steps of each, alternating A B, B A, ... (each
// batch after one untimed step that wakes its pool), and prints one line:
//   A_MEDIAN_NS A_MIN_NS B_MEDIAN_NS B_MIN_NS RATIO_MEDIAN
// ns per particle and dimension (each batch's median step), and the median over batches of
// B's time over A's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Chain>
double batch(Chain& c, int steps) {
  c.run();
  std::vector<double> t;
  for (int i = 0; i < steps; ++i) {
    const double t0 = seconds();
    c.run();
    t.push_back(seconds() - t0);
  }
  return median(t);
}

template <class A, class B>
int compare(size_t n, int threads, int batches, int steps, bool a_first) {
  std::unique_ptr<A> a;
  std::unique_ptr<B> b;
  if (a_first) {
    a = std::make_unique<A>(n, threads);
    b = std::make_unique<B>(n, threads);
  } else {
    b = std::make_unique<B>(n, threads);
    a = std::make_unique<A>(n, threads);
  }
  std::vector<double> ta, tb, ratio;
  for (int k = 0; k < batches; ++k) {
    double x, y;
    if (k % 2 == 0) {
      x = batch(*a, steps);
      y = batch(*b, steps);
    } else {
      y = batch(*b, steps);
      x = batch(*a, steps);
    }
    ta.push_back(x);
    tb.push_back(y);
    ratio.push_back(y / x);
  }
  const double per = 1e9 / (static_cast<double>(n) * 10.0);  // the paper's target: d = 10
  std::printf("%.4f %.4f %.4f %.4f %.5f\n", median(ta) * per, *std::min_element(ta.begin(), ta.end()) * per,
              median(tb) * per, *std::min_element(tb.begin(), tb.end()) * per, median(ratio));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: pair mala|uld N THREADS BATCHES STEPS a|b\n");
    return 2;
  }
  const std::string kernel = argv[1];
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  const int threads = std::atoi(argv[3]), batches = std::atoi(argv[4]), steps = std::atoi(argv[5]);
  const bool a_first = std::string(argv[6]) == "a";
  if (kernel == "uld") return compare<pair_a::UldChain, pair_b::UldChain>(n, threads, batches, steps, a_first);
  return compare<pair_a::MalaChain, pair_b::MalaChain>(n, threads, batches, steps, a_first);
}
