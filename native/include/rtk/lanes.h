// Eight values handled lane by lane with the GCC/Clang vector extension. Each lane's arithmetic
// is exactly the scalar arithmetic (no contraction: builds use -ffp-contract=off), so a tile of
// rows gives the same bits as the rows one at a time, whatever vector width the CPU has.
#pragma once
#include <cstdint>

namespace rtk {

constexpr int kLanes = 8;
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));
typedef uint64_t LaneBits __attribute__((vector_size(kLanes * sizeof(uint64_t))));

}  // namespace rtk
