// A small fixed pool that splits a batch of particles into contiguous ranges, each thread
// taking the ranges of its own share of the batch first (the same share every job).
// Results never depend on the number of threads: each particle's output is a function of
// its own inputs and its own RNG stream, and reductions go through fixed-size blocks summed in
// block order, through their pieces where the threads share a block (block_pieces, combined as
// whole blocks: piece_terms.h).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <type_traits>
#include <mutex>
#include <thread>
#include <vector>

#include "uninitialized_allocator.h"

namespace rtk {

// A non-owning reference to a callable (std::function would allocate for lambdas that capture
// more than two pointers, on every call of a kernel).
template <class Signature>
class FunctionRef;

template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
  FunctionRef(F&& f)  // NOLINT: implicit, like std::function
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... args) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(args...); }) {}
  R operator()(Args... args) const { return call_(object_, args...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// One piece's result in a block_pieces reduction, alone on its cache line: pieces that end on
// different threads then never write to the same line, whose ownership would otherwise pass
// from core to core at every block (bench/kernels, fused MALA step, n = 20,000, 2 threads, with
// the MH test's per-block sums so placed: 0.7-3.4% faster in three runs of 21 alternating
// rounds; 1 thread unchanged).
template <class T>
struct alignas(64) BlockSlot {
  T value{};
};

// The calling thread's `blocks` slots for a block_pieces reduction (one a piece), reset to T{}: one
// buffer per thread and result type, kept between calls (no allocation in a step loop once
// grown). The pool's workers write into it through the returned reference. Each reduction has
// its own result type, so two reductions never share a buffer.
template <class T>
std::vector<BlockSlot<T>>& block_slots(size_t blocks) {
  static thread_local std::vector<BlockSlot<T>> slots;
  slots.assign(blocks, BlockSlot<T>{});
  return slots;
}

// Tells the core that this thread is spinning (x86 pause, Arm yield): the other hyperthread or
// core gets the shared resources, and the loop does not flood the memory system.
inline void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// One piece of a for_pieces job (ThreadPool::block_pieces): items [begin, end) of fixed block `block`.
struct BlockPiece {
  size_t block;
  size_t begin;
  size_t end;
};

class ThreadPool {
 public:
  // The memory a pool's kernels work on (the samplers' Workspace holds these): host vectors,
  // allocated untouched, their pages faulted in by the pool's threads' first writes.
  template <class T>
  using Buffer = std::vector<T, UninitializedAllocator<T>>;

  // threads <= 0 means one per hardware core. `helpers` of the threads are not started here:
  // they are threads of the caller's that lend themselves through help_until.
  explicit ThreadPool(int threads, int helpers = 0) {
    unsigned hw = std::thread::hardware_concurrency();
    count_ = threads > 0 ? threads : static_cast<int>(hw == 0 ? 1 : hw);
    helpers_ = std::max(0, std::min(helpers, count_ - 1));
    shares_ = std::vector<Share>(static_cast<size_t>(count_));
    for (int i = 1 + helpers_; i < count_; ++i) workers_.emplace_back([this, i] { work_loop(i); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return count_; }
  int helpers() const { return helpers_; }

  // Wakes sleeping workers to spin briefly for the next job: a thread that knows a job is about
  // to come (the JS thread handing a score back to the sampler) overlaps their wake-up latency
  // with the sampler's own instead of paying it after.
  void nudge() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++nudges_;
    }
    wake_.notify_all();
  }

  // Lends the calling thread to the pool until done() holds: it runs chunks of the jobs the
  // pool's caller publishes, like a worker, and spins in between (checking done() between
  // chunks). For a thread that would otherwise sleep while the pool's caller works: the JS
  // thread while a JS-score run computes its native steps, already awake when they start.
  void help_until(FunctionRef<bool()> done) {
    // Helpers take the shares after the caller's, in the order they first help.
    const int share = helpers_ > 0 ? 1 + static_cast<int>(next_helper_.fetch_add(1) % helpers_) : 0;
    unsigned long long helped = generation_.load(std::memory_order_acquire);
    bool first = true;
    while (!done()) {
      const unsigned long long g = generation_.load(std::memory_order_acquire);
      if (g == helped && !first) {
        cpu_pause();
        continue;
      }
      first = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        helped = generation_.load();
        if (!open_) continue;
        joined_.fetch_add(1);
      }
      drain(share);
      std::lock_guard<std::mutex> lock(mutex_);
      if (joined_.fetch_sub(1) == 1 && !open_) done_.notify_one();
    }
  }

  // Calls fn(begin, end) over [0, n) in ranges of at least `grain` items, on all threads.
  // The first exception thrown by any range is rethrown here after all ranges finished.
  // About 16 ranges per thread, so that no thread waits long for the last one; each thread
  // takes the ranges of its own share first (run_chunks). With a grain that is a multiple of 8
  // (the default), range sizes are too, so the kernels' 8-row tiles are never split.
  void parallel_for(size_t n, FunctionRef<void(size_t, size_t)> fn, size_t grain = 64) {
    if (n == 0) return;
    const size_t chunks_wanted = static_cast<size_t>(count_) * 16;
    size_t chunk = std::max(grain, (n + chunks_wanted - 1) / chunks_wanted);
    if (grain % 8 == 0) chunk = (chunk + 7) / 8 * 8;
    const size_t chunks = (n + chunk - 1) / chunk;
    if (count_ == 1 || chunks == 1) {
      fn(0, n);
      return;
    }
    run_chunks(chunks, [&](size_t c) { fn(c * chunk, std::min(n, (c + 1) * chunk)); });
  }

  // The fixed blocks of `block_size` items of [0, n), whatever the thread count, also cut where
  // the threads' shares meet (item n * k / size() for thread k, rounded to a multiple of `align`),
  // for for_pieces: the pieces in item order and the first piece of each share (the calling
  // thread's lists, kept until its next call). The shares then differ by less than `align` items,
  // where whole blocks' differ by up to a block (at n = 20,000 in blocks of 1,024 on 2 threads:
  // 10,240 rows against 9,760). A reduction stays independent of the thread count by combining
  // each block's pieces as that block's one result would be.
  struct Pieces {
    std::vector<BlockPiece> pieces;
    std::vector<size_t> share_starts;  // size() + 1 entries, the last the number of pieces

    // Whether piece i begins its block, and whether it ends it.
    bool heads(size_t i) const { return i == 0 || pieces[i - 1].block != pieces[i].block; }
    bool ends(size_t i) const { return i + 1 == pieces.size() || pieces[i + 1].block != pieces[i].block; }
  };
  const Pieces& block_pieces(size_t n, size_t block_size, size_t align) const {
    static thread_local Pieces p;
    p.pieces.clear();
    p.share_starts.assign(shares_.size() + 1, 0);
    const size_t threads = shares_.size();
    const auto cut = [&](size_t k) { return std::min(n, (n * k / threads + align / 2) / align * align); };
    size_t share = 1;
    for (size_t begin = 0; begin < n;) {
      for (; share < threads && cut(share) <= begin; ++share) p.share_starts[share] = p.pieces.size();
      size_t end = std::min(n, (begin / block_size + 1) * block_size);
      if (share < threads) end = std::min(end, cut(share));
      p.pieces.push_back(BlockPiece{begin / block_size, begin, end});
      begin = end;
    }
    for (; share <= threads; ++share) p.share_starts[share] = p.pieces.size();
    return p;
  }

  // Calls fn(i, pieces[i]) for each piece of block_pieces on the pool, each thread starting on
  // the first piece of its own share.
  void for_pieces(const Pieces& p, FunctionRef<void(size_t, const BlockPiece&)> fn) {
    if (count_ == 1 || p.pieces.size() <= 1) {
      for (size_t i = 0; i < p.pieces.size(); ++i) fn(i, p.pieces[i]);
      return;
    }
    run_chunks(p.pieces.size(), [&](size_t i) { fn(i, p.pieces[i]); }, p.share_starts.data());
  }

 private:
  // Kernels come in quick succession (several per sampler step), so both sides spin briefly
  // (~kSpins pause instructions, tens of microseconds) before sleeping: a futex wake-up costs as
  // much as a small batch's whole kernel. The condition variables remain the fallback.
  static constexpr int kSpins = 2000;

  template <class Ready>
  static bool spin_until(Ready ready) {
    for (int i = 0; i < kSpins; ++i) {
      if (ready()) return true;
      cpu_pause();
    }
    return ready();
  }

  // The caller publishes the job, wakes the workers and drains chunks itself (its share first:
  // drain); then it closes the job and waits only for the workers that joined it. A worker still
  // waking up when the caller has done every chunk (after a long pause, e.g. a JS score) finds
  // the job closed and costs the caller nothing.
  // share_starts (size() + 1 entries), where given, sets where each share begins.
  void run_chunks(size_t chunks, FunctionRef<void(size_t)> body, const size_t* share_starts = nullptr) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one job at a time per pool
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &body;
      job_chunks_ = chunks;
      share_starts_ = share_starts;
      for (size_t k = 0; k < shares_.size(); ++k) shares_[k].next.store(share_begin(k));
      error_ = nullptr;
      open_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = false;
    }
    if (!spin_until([this] { return joined_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [this] { return joined_.load() == 0; });
    }
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  // The first chunk of share k: the job's chunks split into size() contiguous shares.
  size_t share_begin(size_t k) const { return share_starts_ ? share_starts_[k] : job_chunks_ * k / shares_.size(); }

  // Runs the job's chunks from share `own` on, then those left in the others (in turn after it).
  // Each thread starts on the same share every job, so that consecutive kernels over the same
  // rows find them in the cache of the core that last wrote them.
  void drain(int own) {
    const size_t count = shares_.size();
    for (size_t step = 0; step < count; ++step) {
      const size_t k = (static_cast<size_t>(own) + step) % count;
      const size_t end = share_begin(k + 1);
      for (;;) {
        if (shares_[k].next.load(std::memory_order_relaxed) >= end) break;
        const size_t c = shares_[k].next.fetch_add(1);
        if (c >= end) break;
        try {
          (*job_)(c);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mutex_);
          if (!error_) error_ = std::current_exception();
        }
      }
    }
  }

  void work_loop(int share) {
    unsigned long long seen = 0, seen_nudges = 0;
    for (;;) {
      spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load() != seen || nudges_ != seen_nudges; });
        if (stopping_) return;
        seen_nudges = nudges_;
        if (generation_.load() == seen) continue;  // nudged: spin for the job that is coming
        seen = generation_.load();
        if (!open_) continue;  // the caller already finished this job alone
        joined_.fetch_add(1);
      }
      drain(share);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (joined_.fetch_sub(1) == 1 && !open_) done_.notify_one();
      }
    }
  }

  int count_ = 1;
  int helpers_ = 0;  // of the count_ threads, lent through help_until rather than started here
  std::vector<std::thread> workers_;
  std::mutex job_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const FunctionRef<void(size_t)>* job_ = nullptr;
  size_t job_chunks_ = 0;
  const size_t* share_starts_ = nullptr;  // the job's share_starts (run_chunks), or null
  // The next chunk to take from each thread's share, each on its own cache line.
  struct alignas(64) Share {
    std::atomic<size_t> next{0};
  };
  std::vector<Share> shares_;
  std::atomic<unsigned> next_helper_{0};
  std::exception_ptr error_;
  bool open_ = false;            // the current job still takes workers (guarded by mutex_)
  std::atomic<int> joined_{0};   // workers inside the current job
  std::atomic<unsigned long long> generation_{0};
  bool stopping_ = false;
  unsigned long long nudges_ = 0;  // calls of nudge() (guarded by mutex_)
};

}  // namespace rtk
