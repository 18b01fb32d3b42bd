// "No allocation inside the step loop" (issue 8): a run's heap allocations do not grow with
// its number of steps. Counts every operator new in this executable.
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "../check.h"
#include "rtk/samplers/sample.h"
#include "rtk/targets/gaussian_mixture.h"

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t align) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size, std::align_val_t align) { return operator new(size, align); }
// Every form of delete matches the news above (all malloc-family), so sanitizers see no mismatch.
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

long allocations_of_run(rtk::SamplerKind kind, int steps, rtk::ThreadPool& pool) {
  const int d = 3;
  rtk::GaussianMixture mixture({1.0, 2.0}, {0.5, 0, 0, -0.5, 0, 0}, {0.1, 0.1, 0.1, 0.2, 0.2, 0.2}, d);
  rtk::GaussianMixtureOracle<double> oracle(mixture, pool);
  rtk::Plan plan;
  plan.sampler = kind;
  plan.n = 3000;
  plan.d = d;
  plan.seed = 3;
  plan.times = {2.0, 1.0, 0.0};
  plan.steps = {steps, steps};
  plan.warm_starts.assign(2, rtk::WarmStart::Tweedie);
  std::vector<double> out(plan.n * d);
  rtk::RunHooks hooks;
  // Segment statistics are preallocated by the plan's size, so only the step count differs.
  const long before = allocations.load();
  rtk::sample(plan, oracle, pool, hooks, 1000, out.data());
  return allocations.load() - before;
}

}  // namespace

TEST(samplers, no_allocation_per_step) {
  rtk::ThreadPool pool(2);
  for (rtk::SamplerKind kind : {rtk::SamplerKind::RtkMala, rtk::SamplerKind::RtkMalaEs, rtk::SamplerKind::RtkUld,
                                rtk::SamplerKind::RtkUla}) {
    // Warm the thread-local scratch of both threads: a pool's worker grows its own the first
    // time it takes a range of a kernel that needs more, and whether it takes one in a given run
    // depends on the scheduler (the caller takes every range a sleeping worker leaves), so warm
    // up with long runs, whose many kernel calls give it every chance.
    for (int warm = 0; warm < 2; ++warm) allocations_of_run(kind, 40, pool);
    const long short_run = allocations_of_run(kind, 3, pool);
    const long long_run = allocations_of_run(kind, 40, pool);
    CHECK_EQ(long_run, short_run);
  }
}
