#!/usr/bin/env bash
# The GPU check, for one machine with an NVIDIA GPU (sized for well under 8 minutes on one GPU):
#   1. builds the CUDA backend, its tests and the GPU benchmark (CMake, -DRTK_CUDA=ON),
#   2. runs the GPU-vs-CPU parity tests (native/test/cuda; they must run, not skip, here),
#   3. prints the throughput table: particle-steps/s of mixture score + MALA step and of
#      mixture score + ULD step, float32 and float64, n = 1e5, 1e6, 1e7, beside the floor from
#      the bytes moved (at the copy bandwidth measured in the same run) and the flops done.
# Needs: cmake >= 3.18, a C++17 compiler, nvcc. No Node or npm. Output also in $OUT (if set) or
# bench/out/gpu-check.log.
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${OUT:-bench/out}"
mkdir -p "$out_dir"
log="$out_dir/gpu-check.log"
exec > >(tee "$log") 2>&1

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not available"
nvcc --version | tail -1
build=build-gpu-check
jobs=$(nproc 2>/dev/null || echo 4)

echo "== build (CUDA backend, GPU tests, GPU benchmark)"
start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DRTK_CUDA=ON >/dev/null
cmake --build "$build" -j "$jobs" --target rtk_cuda_tests rtk_gpu_bench rtk_native_tests
echo "built in $(( $(date +%s) - start )) s"

echo "== CPU tests (the reference the GPU is compared with)"
"$build/rtk_native_tests" | tail -1

echo "== GPU parity tests"
set +e
"$build/rtk_cuda_tests"
status=$?
set -e
if [ "$status" -eq 77 ]; then
  echo "gpu-check: FAILED: the GPU tests skipped (no usable GPU on a machine meant to have one)"
  exit 1
elif [ "$status" -ne 0 ]; then
  echo "gpu-check: FAILED: GPU parity tests (exit $status)"
  exit 1
fi

echo "== GPU throughput"
"$build/rtk_gpu_bench" --n 1e5,1e6,1e7 --steps 20 --reps 5
echo "gpu-check: done in $(( $(date +%s) - start )) s"
