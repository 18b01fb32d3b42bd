// Checks that a batched kernel gives bit-identical results with 1, 2 or 3 threads and when
// the batch is processed in two chunks (the second with Batch::particle_offset advanced).
#pragma once
#include <cstdint>
#include <vector>

#include "check.h"
#include "rtk/batch.h"
#include "rtk/thread_pool.h"
#include "same_bits.h"

namespace rtk_test {

// reset(): restores the inputs; run(pool, batch, first_row): runs the kernel on rows
// [first_row, first_row + batch.n); result(): the outputs as a vector of plain values.
template <class Reset, class Run, class Result>
void check_split_invariance(size_t n, int d, uint64_t offset, size_t split, Reset reset, Run run, Result result) {
  rtk::ThreadPool one(1);
  reset();
  run(one, rtk::Batch{n, d, offset}, size_t(0));
  const auto reference = result();
  for (int threads : {2, 3}) {
    rtk::ThreadPool pool(threads);
    reset();
    run(pool, rtk::Batch{n, d, offset}, size_t(0));
    const auto threaded = result();
    CHECK(same_bits(threaded, reference));
  }
  reset();
  run(one, rtk::Batch{split, d, offset}, size_t(0));
  run(one, rtk::Batch{n - split, d, offset + split}, split);
  const auto chunked = result();
  CHECK(same_bits(chunked, reference));
}

}  // namespace rtk_test
