#include "shared_pool.h"

namespace rtk_addon {

rtk::ThreadPool& shared_pool() {
  static rtk::ThreadPool pool(0);
  return pool;
}

}  // namespace rtk_addon
