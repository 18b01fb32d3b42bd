// A tiny self-contained test harness. TEST(suite, name) registers a test; CHECK* record a
// failure (file:line and the values involved) and let the test go on; REQUIRE stops it.
// main.cc runs every registered test and prints one line per test.
#pragma once
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace rtk_test {

struct TestCase {
  const char* suite;
  const char* name;
  void (*body)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* suite, const char* name, void (*body)()) { registry().push_back({suite, name, body}); }
};

// The failures of the test that is running (main.cc resets it before each test).
struct Outcome {
  int failures = 0;
  std::vector<std::string> messages;  // the first few, to keep the output readable
};

inline Outcome& outcome() {
  static Outcome o;
  return o;
}

// A reason to skip a whole test executable (the GPU tests on a machine without a GPU): main.cc
// asks each registered check before running anything; a non-empty answer skips the run
// visibly and exits with kSkipped (ctest's SKIP_RETURN_CODE).
constexpr int kSkipped = 77;
using SkipCheck = std::string (*)();

inline std::vector<SkipCheck>& skip_checks() {
  static std::vector<SkipCheck> checks;
  return checks;
}

struct SkipUnless {
  explicit SkipUnless(SkipCheck check) { skip_checks().push_back(check); }
};

// Thrown by REQUIRE to abandon the rest of a test.
struct RequireFailed {};

inline void fail(const char* file, int line, const std::string& what) {
  Outcome& o = outcome();
  ++o.failures;
  if (o.messages.size() < 8) o.messages.push_back(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

template <class T>
std::string show(const T& value) {
  std::ostringstream s;
  s.precision(17);
  s << value;
  return s.str();
}

inline std::string show(unsigned char value) { return std::to_string(static_cast<unsigned>(value)); }

// |actual - expected| <= tol; false for NaN.
inline bool near(double actual, double expected, double tol) { return std::fabs(actual - expected) <= tol; }

// |actual - expected| <= rel |expected|; false for NaN.
inline bool near_rel(double actual, double expected, double rel) {
  return std::fabs(actual - expected) <= rel * std::fabs(expected);
}

}  // namespace rtk_test

#define RTK_TEST_FN(suite, name) rtk_test_##suite##_##name

#define TEST(suite, name)                                                                           \
  static void RTK_TEST_FN(suite, name)();                                                           \
  static const ::rtk_test::Registrar RTK_TEST_FN(suite, name##_registrar)(#suite, #name,           \
                                                                          &RTK_TEST_FN(suite, name)); \
  static void RTK_TEST_FN(suite, name)()

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) ::rtk_test::fail(__FILE__, __LINE__, "CHECK(" #cond ") is false");  \
  } while (0)

#define REQUIRE(cond)                                                                  \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      ::rtk_test::fail(__FILE__, __LINE__, "REQUIRE(" #cond ") is false");             \
      throw ::rtk_test::RequireFailed();                                               \
    }                                                                                  \
  } while (0)

#define CHECK_EQ(a, b)                                                                                    \
  do {                                                                                                    \
    const auto& rtk_a_ = (a);                                                                             \
    const auto& rtk_b_ = (b);                                                                             \
    if (!(rtk_a_ == rtk_b_))                                                                              \
      ::rtk_test::fail(__FILE__, __LINE__,                                                                \
                       "CHECK_EQ(" #a ", " #b "): " + ::rtk_test::show(rtk_a_) + " != " + ::rtk_test::show(rtk_b_)); \
  } while (0)

// Absolute tolerance.
#define CHECK_NEAR(actual, expected, tol)                                                                 \
  do {                                                                                                    \
    const double rtk_x_ = static_cast<double>(actual), rtk_y_ = static_cast<double>(expected);           \
    const double rtk_t_ = static_cast<double>(tol);                                                       \
    if (!::rtk_test::near(rtk_x_, rtk_y_, rtk_t_))                                                        \
      ::rtk_test::fail(__FILE__, __LINE__,                                                                \
                       "CHECK_NEAR(" #actual ", " #expected "): " + ::rtk_test::show(rtk_x_) + " vs " +  \
                           ::rtk_test::show(rtk_y_) + ", |diff| = " +                                     \
                           ::rtk_test::show(std::fabs(rtk_x_ - rtk_y_)) + " > " + ::rtk_test::show(rtk_t_)); \
  } while (0)

// Relative tolerance.
#define CHECK_REL(actual, expected, rel)                                                                  \
  do {                                                                                                    \
    const double rtk_x_ = static_cast<double>(actual), rtk_y_ = static_cast<double>(expected);           \
    const double rtk_r_ = static_cast<double>(rel);                                                       \
    if (!::rtk_test::near_rel(rtk_x_, rtk_y_, rtk_r_))                                                    \
      ::rtk_test::fail(__FILE__, __LINE__,                                                                \
                       "CHECK_REL(" #actual ", " #expected "): " + ::rtk_test::show(rtk_x_) + " vs " +   \
                           ::rtk_test::show(rtk_y_) + ", relative error " +                               \
                           ::rtk_test::show(std::fabs(rtk_x_ - rtk_y_) / std::fabs(rtk_y_)) + " > " +    \
                           ::rtk_test::show(rtk_r_));                                                     \
  } while (0)

// CHECK_THROWS(Exception, expression): the expression may contain commas (braced lists).
#define CHECK_THROWS(Exception, ...)                                                                      \
  do {                                                                                                    \
    bool rtk_caught_ = false;                                                                             \
    try {                                                                                                 \
      (void)(__VA_ARGS__);                                                                                \
    } catch (const Exception&) {                                                                          \
      rtk_caught_ = true;                                                                                 \
    } catch (...) {                                                                                       \
    }                                                                                                     \
    if (!rtk_caught_)                                                                                     \
      ::rtk_test::fail(__FILE__, __LINE__, "CHECK_THROWS(" #Exception ", " #__VA_ARGS__ "): not thrown"); \
  } while (0)
