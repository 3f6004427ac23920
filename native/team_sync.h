// Waiting between the threads of one OpenMP team that share a long job in coarse pieces
// (griffin_lim_loops.cc). A waiter spins for up to kSpinMicros, then sleeps on a condition variable.
// The spin catches the short waits of a quiet machine (waking a sleeper costs tens to hundreds of
// microseconds on a virtual machine); the sleep keeps a waiter on a busy machine from burning the time
// the thread it waits for could run in, as OpenMP's barriers do when the cores are shared.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

namespace sda {

namespace team_sync_detail {

constexpr int64_t kSpinMicros = 300;

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Spins until done() or kSpinMicros have passed; returns done()'s last answer.
template <typename Done>
bool spinUntil(Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpuRelax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

}  // namespace team_sync_detail

// Thrown out of a wait when another member failed: the member that failed reports the error.
struct TeamAborted : std::exception {
  const char* what() const noexcept override { return "another thread of the team failed"; }
};

// The waiting both kinds of meeting below share: a waiter spins, then sleeps until notify() and its
// condition holds. abort() releases every waiter, now and later, with TeamAborted.
class TeamWait {
 public:
  template <typename Ready>
  void until(Ready ready) {
    if (team_sync_detail::spinUntil(ready)) return;
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return ready() || aborted_.load(); });
    if (!ready()) throw TeamAborted();
  }

  // After a change a waiter's condition reads: taking the lock orders the change before a sleeper's
  // check, so no wake-up is lost.
  void notify() {
    { std::lock_guard<std::mutex> lock(mutex_); }
    changed_.notify_all();
  }

  void abort() {
    aborted_.store(true);
    notify();
  }

 private:
  std::atomic<bool> aborted_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
};

// One progress counter per team member and per kind of step; a member waits until another's counter
// reaches a value. Counters only grow.
class TeamClock {
 public:
  TeamClock(int members, int kinds) : kinds_(kinds), counts_(static_cast<size_t>(members * kinds)) {
    for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  }

  void set(int member, int kind, int64_t value) {
    counts_[index(member, kind)].store(value, std::memory_order_release);
    wait_.notify();
  }

  void waitFor(int member, int kind, int64_t value) {
    const std::atomic<int64_t>& c = counts_[index(member, kind)];
    wait_.until([&] { return c.load(std::memory_order_acquire) >= value; });
  }

  void abort() { wait_.abort(); }

 private:
  size_t index(int member, int kind) const { return static_cast<size_t>(member * kinds_ + kind); }

  int kinds_;
  std::vector<std::atomic<int64_t>> counts_;
  TeamWait wait_;
};

// A reusable barrier for `members` threads.
class TeamBarrier {
 public:
  explicit TeamBarrier(int members) : members_(members) {}

  void arriveAndWait() {
    const int64_t gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == members_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.store(gen + 1, std::memory_order_release);
      wait_.notify();
      return;
    }
    wait_.until([&] { return generation_.load(std::memory_order_acquire) != gen; });
  }

  void abort() { wait_.abort(); }

 private:
  const int members_;
  std::atomic<int> arrived_{0};
  std::atomic<int64_t> generation_{0};
  TeamWait wait_;
};

}  // namespace sda
