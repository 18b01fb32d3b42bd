// The GPU's measured fused-multiply-add peak (flop/s, 2 per FMA) in float or double: a kernel
// of independent FMA chains in registers, timed with CUDA events (bench/gpu_bench.cc's floor).
#pragma once

namespace rtk_bench {

template <class Real>
double peak_fma_flops();

}  // namespace rtk_bench
