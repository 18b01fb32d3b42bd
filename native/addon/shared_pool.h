// The addon's thread pools: one shared pool for synchronous calls made from JS (target
// evaluations, kernels), and pools that runs borrow, sized by their `threads` option.
#pragma once
#include <memory>

#include "rtk/thread_pool.h"

namespace rtk_addon {

rtk::ThreadPool& shared_pool();

// A pool of `threads` threads (0: one per core) of which `helpers` are lent by the caller
// (ThreadPool::help_until), for one run. It goes back to a small cache when the last reference
// is dropped, so consecutive runs reuse started threads: a 2-thread run at n = 4,096 lasts about
// 10 ms, and starting its worker (and the scheduler placing it) cost up to half of that.
std::shared_ptr<rtk::ThreadPool> lease_pool(int threads, int helpers = 0);

}  // namespace rtk_addon
