// JS <-> C++ conversion for the addon: typed-array views with checked lengths, plain numbers,
// and the resolved sampling plan. Every check throws a JS TypeError/RangeError naming the
// argument; nothing here reads or writes past what JS handed over.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "rtk/samplers/plan.h"

namespace rtk_addon {

// A short description of a received JS value, for error messages.
std::string describe(const Napi::Value& v);

[[noreturn]] void throw_type(Napi::Env env, const std::string& name, const std::string& expected, const Napi::Value& got);
[[noreturn]] void throw_range(Napi::Env env, const std::string& message);

// A Float64Array or Float32Array argument, viewed without copying.
template <class Real>
struct ArrayView {
  Real* data = nullptr;
  size_t length = 0;
};

enum class Dtype { Float64, Float32 };

// The element type of a Float64Array / Float32Array argument, or a TypeError.
Dtype dtype_of(const Napi::Value& v, const std::string& name);

// The typed array `v` as Real* with exactly `expected` elements (RangeError otherwise).
template <class Real>
ArrayView<Real> typed_array(const Napi::Value& v, const std::string& name, size_t expected);

double number_arg(const Napi::Value& v, const std::string& name);
bool is_finite_number(const Napi::Value& v);
// A non-negative integer below `limit` (RangeError / TypeError otherwise).
uint64_t count_arg(const Napi::Value& v, const std::string& name, uint64_t limit);
uint32_t seed_arg(const Napi::Value& v, const std::string& name);

// Reads the plan object built by lib/plan.ts (re-checking everything native code relies on).
rtk::Plan plan_arg(const Napi::Value& v);

}  // namespace rtk_addon
