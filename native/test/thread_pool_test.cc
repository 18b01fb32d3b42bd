// ThreadPool (thread_pool.h): every item is visited exactly once, blocks are fixed whatever
// the thread count, exceptions reach the caller, the work really runs on several threads, and
// each thread begins with its own share of the ranges.
#include "rtk/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"

TEST(thread_pool, size) {
  CHECK_EQ(rtk::ThreadPool(1).size(), 1);
  CHECK_EQ(rtk::ThreadPool(3).size(), 3);
  CHECK(rtk::ThreadPool(0).size() >= 1);
}

TEST(thread_pool, parallel_for_visits_each_item_once) {
  for (int threads : {1, 2, 3, 4}) {
    rtk::ThreadPool pool(threads);
    for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(1000), size_t(4097)}) {
      for (size_t grain : {size_t(1), size_t(64), size_t(5000)}) {
        std::vector<std::atomic<int>> hits(n);
        for (auto& h : hits) h.store(0);
        std::atomic<int> calls{0};
        std::atomic<bool> ranges_valid{true};
        pool.parallel_for(
            n,
            [&](size_t begin, size_t end) {
              ++calls;
              if (!(begin < end && end <= n)) ranges_valid = false;
              for (size_t i = begin; i < end; ++i) ++hits[i];
            },
            grain);
        bool once = true;
        for (auto& h : hits) once = once && h.load() == 1;
        CHECK(once);
        CHECK(ranges_valid.load());
        if (n == 0) CHECK_EQ(calls.load(), 0);
      }
    }
  }
}

// block_pieces: the fixed blocks, cut only where the threads' shares meet (n * k / threads rounded
// to the alignment); for_pieces visits each piece once, and each share begins at its cut.
TEST(thread_pool, block_pieces_cut_the_blocks_where_the_shares_meet) {
  const size_t n = 3001, block = 1024, align = 32;
  const std::vector<std::vector<size_t>> cuts = {{}, {1504}, {992, 2016}, {736, 1504, 2240}};
  for (int threads : {1, 2, 3, 4}) {
    rtk::ThreadPool pool(threads);
    const rtk::ThreadPool::Pieces& p = pool.block_pieces(n, block, align);
    std::vector<size_t> bounds = {0, 1024, 2048, 3001};
    for (size_t c : cuts[threads - 1]) bounds.push_back(c);
    std::sort(bounds.begin(), bounds.end());
    CHECK_EQ(p.pieces.size(), bounds.size() - 1);
    for (size_t i = 0; i + 1 < bounds.size() && i < p.pieces.size(); ++i) {
      CHECK_EQ(p.pieces[i].begin, bounds[i]);
      CHECK_EQ(p.pieces[i].end, bounds[i + 1]);
      CHECK_EQ(p.pieces[i].block, bounds[i] / block);
    }
    CHECK_EQ(p.share_starts.size(), static_cast<size_t>(threads) + 1);
    CHECK_EQ(p.share_starts.front(), size_t(0));
    CHECK_EQ(p.share_starts.back(), p.pieces.size());
    for (int k = 1; k < threads; ++k)
      CHECK_EQ(p.pieces[p.share_starts[k]].begin, cuts[threads - 1][k - 1]);
    std::vector<std::atomic<int>> hits(n);
    for (auto& h : hits) h.store(0);
    pool.for_pieces(p, [&](size_t i, const rtk::BlockPiece& piece) {
      if (p.pieces[i].begin != piece.begin) return;
      for (size_t item = piece.begin; item < piece.end; ++item) ++hits[item];
    });
    bool once = true;
    for (auto& h : hits) once = once && h.load() == 1;
    CHECK(once);
  }
}

TEST(thread_pool, exceptions_reach_the_caller_and_the_pool_survives) {
  for (int threads : {1, 3}) {
    rtk::ThreadPool pool(threads);
    CHECK_THROWS(std::runtime_error, pool.parallel_for(
                                         5000,
                                         [](size_t begin, size_t end) {
                                           if (begin <= 2500 && 2500 < end) throw std::runtime_error("boom");
                                         },
                                         16));
    CHECK_THROWS(std::logic_error, pool.for_pieces(pool.block_pieces(5000, 100, 32), [](size_t, const rtk::BlockPiece& p) {
      if (p.block == 7) throw std::logic_error("boom");
    }));
    std::atomic<size_t> total{0};
    pool.parallel_for(5000, [&](size_t begin, size_t end) { total += end - begin; }, 16);
    CHECK_EQ(total.load(), size_t(5000));
  }
}

// Many short jobs in a row: a lost wake-up or a worker skipping a generation would hang or
// miscount here.
TEST(thread_pool, many_consecutive_jobs) {
  rtk::ThreadPool pool(3);
  size_t total = 0;
  for (int job = 0; job < 3000; ++job) {
    std::atomic<size_t> sum{0};
    pool.parallel_for(
        256, [&](size_t begin, size_t end) { sum += end - begin; }, 8);
    total += sum.load();
  }
  CHECK_EQ(total, size_t(3000) * 256);
}

// With two threads, the first range waits for the second one to start: it can only start on
// the other thread (bounded wait, so a pool that runs everything on the caller fails, not hangs).
TEST(thread_pool, ranges_run_concurrently) {
  rtk::ThreadPool pool(2);
  std::atomic<int> started{0};
  std::atomic<bool> overlapped{false};
  pool.parallel_for(
      2,
      [&](size_t, size_t) {
        if (++started != 1) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
        if (started.load() == 2) overlapped = true;
      },
      1);
  CHECK(overlapped.load());
}

namespace {

// One parallel_for over n items in ranges of at least 8, calling on_range(begin, end) in each
// range before marking its items; returns how many items were visited exactly once.
template <class OnRange>
size_t items_visited_once(rtk::ThreadPool& pool, size_t n, OnRange on_range) {
  std::vector<std::atomic<int>> hits(n);
  for (auto& h : hits) h.store(0);
  pool.parallel_for(
      n,
      [&](size_t begin, size_t end) {
        on_range(begin, end);
        for (size_t i = begin; i < end; ++i) hits[i]++;
      },
      8);
  size_t once = 0;
  for (auto& h : hits) once += h.load() == 1 ? 1 : 0;
  return once;
}

}  // namespace

// Jobs after the workers fell asleep (the pause of a JS score) and jobs racing nudge() from
// another thread: every item still runs exactly once, nothing hangs, and a worker that wakes
// after the caller finished a job alone does not join a later job twice.
TEST(thread_pool, sleeping_workers_and_nudges) {
  rtk::ThreadPool pool(3);
  std::atomic<bool> stop{false};
  std::thread nudger([&] {
    while (!stop.load()) {
      pool.nudge();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  size_t total = 0;
  for (int job = 0; job < 400; ++job) {
    if (job % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));  // workers go to sleep
    total += items_visited_once(pool, 515, [](size_t, size_t) {});
  }
  stop = true;
  nudger.join();
  CHECK_EQ(total, size_t(400) * 515);
  pool.nudge();  // on an idle pool: harmless
  std::atomic<size_t> sum{0};
  pool.parallel_for(
      100, [&](size_t begin, size_t end) { sum += end - begin; }, 8);
  CHECK_EQ(sum.load(), size_t(100));
}

// A pool of 3 threads of which 1 is a helper: the helper thread lends itself with help_until
// and really runs chunks (the first range waits, bounded, for another to start on the helper or
// the worker); every item runs once; help_until returns once done() holds.
TEST(thread_pool, helper_threads_run_chunks) {
  rtk::ThreadPool pool(3, 1);
  CHECK_EQ(pool.size(), 3);
  CHECK_EQ(pool.helpers(), 1);
  std::atomic<bool> finished{false};
  std::atomic<int> helper_chunks{0};
  static thread_local bool on_helper = false;
  std::thread helper([&] {
    on_helper = true;
    pool.help_until([&] { return finished.load(); });
  });
  size_t total = 0;
  for (int job = 0; job < 300; ++job) {
    total += items_visited_once(pool, 300, [&](size_t, size_t) {
      if (on_helper) helper_chunks++;
      // Slow enough that the helper gets chunks before the caller drains them all.
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
      while (std::chrono::steady_clock::now() < until) {
      }
    });
  }
  finished = true;
  helper.join();
  CHECK_EQ(total, size_t(300) * 300);
  CHECK(helper_chunks.load() > 0);
  // Without helpers the clamp keeps one thread for the caller.
  CHECK_EQ(rtk::ThreadPool(1, 1).helpers(), 0);
}

// Each thread takes the ranges of its own share first: the caller always begins with the first
// range, and the worker of a 2-thread pool, whenever it joins a job, with a range of the second
// half (it reaches the first half only after its own is taken, and the caller leaves the first
// half only once it is). The ranges are slow so that the worker joins most jobs.
TEST(thread_pool, each_thread_begins_with_its_own_share) {
  rtk::ThreadPool pool(2);
  const size_t n = 32 * 8;  // 32 ranges of 8 items
  const std::thread::id caller = std::this_thread::get_id();
  int jobs_the_worker_joined = 0;
  for (int job = 0; job < 100; ++job) {
    std::atomic<size_t> caller_first{n}, worker_first{n};
    pool.parallel_for(
        n,
        [&](size_t begin, size_t) {
          std::atomic<size_t>& first = std::this_thread::get_id() == caller ? caller_first : worker_first;
          size_t none = n;
          first.compare_exchange_strong(none, begin);
          const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(20);
          while (std::chrono::steady_clock::now() < until) {
          }
        },
        8);
    CHECK_EQ(caller_first.load(), size_t(0));
    if (worker_first.load() != n) {
      ++jobs_the_worker_joined;
      CHECK(worker_first.load() >= n / 2);
    }
  }
  CHECK(jobs_the_worker_joined > 0);
}
