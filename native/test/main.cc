// Runs every registered test (or those whose "suite.name" contains argv[1]), prints one line
// per test and ends with "N passed, M failed"; the exit status is non-zero on any failure, and
// rtk_test::kSkipped when a registered skip check gives a reason (see check.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

#include "check.h"

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  for (rtk_test::SkipCheck check : rtk_test::skip_checks()) {
    const std::string reason = check();
    if (!reason.empty()) {
      std::printf("SKIPPED: %s\n", reason.c_str());
      return rtk_test::kSkipped;
    }
  }
  std::vector<rtk_test::TestCase> tests = rtk_test::registry();
  // Static registration order across files is unspecified: group by suite, keep file order within.
  std::stable_sort(tests.begin(), tests.end(), [](const rtk_test::TestCase& a, const rtk_test::TestCase& b) {
    return std::string(a.suite) < std::string(b.suite);
  });
  int passed = 0, failed = 0;
  for (const rtk_test::TestCase& test : tests) {
    const std::string full = std::string(test.suite) + "." + test.name;
    if (!filter.empty() && full.find(filter) == std::string::npos) continue;
    rtk_test::outcome() = rtk_test::Outcome{};
    const auto start = std::chrono::steady_clock::now();
    try {
      test.body();
    } catch (const rtk_test::RequireFailed&) {
      // already recorded
    } catch (const std::exception& e) {
      rtk_test::fail("<test>", 0, std::string("uncaught exception: ") + e.what());
    } catch (...) {
      rtk_test::fail("<test>", 0, "uncaught non-standard exception");
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const rtk_test::Outcome& o = rtk_test::outcome();
    if (o.failures == 0) {
      ++passed;
      std::printf("PASS %s (%.0f ms)\n", full.c_str(), ms);
    } else {
      ++failed;
      std::printf("FAIL %s (%.0f ms, %d failed checks)\n", full.c_str(), ms, o.failures);
      for (const std::string& m : o.messages) std::printf("    %s\n", m.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
