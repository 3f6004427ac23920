#include "torch_thread.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace sda {
namespace {

class TorchThread {
 public:
  TorchThread() {
    // Detached and never destroyed: it sleeps on its queue until the process exits.
    std::thread([this] {
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          ready_.wait(lock, [this] { return !queue_.empty(); });
          task = std::move(queue_.front());
          queue_.pop_front();
        }
        std::lock_guard<std::timed_mutex> running(running_);
        if (stopped_.load()) continue;  // the process is exiting: LibTorch may be torn down under a task
        try {
          task();
        } catch (...) {
          // A posted task reports its own failures; nothing may unwind this thread.
        }
      }
    }).detach();
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

  bool stopForExit(int maxWaitMs) {
    stopped_.store(true);
    std::unique_lock<std::timed_mutex> running(running_, std::defer_lock);
    return running.try_lock_for(std::chrono::milliseconds(maxWaitMs));
  }

 private:
  std::atomic<bool> stopped_{false};
  std::timed_mutex running_;  // held while a task runs
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

TorchThread& torchThread() {
  static TorchThread* t = new TorchThread();  // intentionally leaked (see above)
  return *t;
}

}  // namespace

void postToTorchThread(std::function<void()> task) { torchThread().post(std::move(task)); }

bool stopTorchThreadForExit(int maxWaitMs) { return torchThread().stopForExit(maxWaitMs); }

}  // namespace sda
