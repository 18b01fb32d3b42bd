// The thread pool used by synchronous addon calls made from JS (target evaluations, kernels).
// Runs create their own pool sized by their `threads` option.
#pragma once
#include "rtk/thread_pool.h"

namespace rtk_addon {

rtk::ThreadPool& shared_pool();

}  // namespace rtk_addon
