#include "shared_pool.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace rtk_addon {

rtk::ThreadPool& shared_pool() {
  static rtk::ThreadPool pool(0);
  return pool;
}

namespace {

// Idle pools waiting for a run. Never destroyed: a lease may come back while the process exits.
struct PoolCache {
  static constexpr size_t kMaxIdle = 4;
  std::mutex mutex;
  std::vector<std::unique_ptr<rtk::ThreadPool>> idle;
};

PoolCache& cache() {
  static PoolCache* c = new PoolCache();
  return *c;
}

}  // namespace

std::shared_ptr<rtk::ThreadPool> lease_pool(int threads, int helpers) {
  const unsigned hw = std::thread::hardware_concurrency();
  const int count = threads > 0 ? threads : static_cast<int>(hw == 0 ? 1 : hw);
  std::unique_ptr<rtk::ThreadPool> pool;
  {
    PoolCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    for (auto it = c.idle.begin(); it != c.idle.end(); ++it)
      if ((*it)->size() == count && (*it)->helpers() == std::max(0, std::min(helpers, count - 1))) {
        pool = std::move(*it);
        c.idle.erase(it);
        break;
      }
  }
  if (!pool) pool = std::make_unique<rtk::ThreadPool>(count, helpers);
  return std::shared_ptr<rtk::ThreadPool>(pool.release(), [](rtk::ThreadPool* p) {
    std::unique_ptr<rtk::ThreadPool> back(p);
    PoolCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.idle.size() < PoolCache::kMaxIdle) c.idle.push_back(std::move(back));
  });
}

}  // namespace rtk_addon
