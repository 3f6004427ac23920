#include "torch_thread.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

namespace sda {
namespace {

thread_local bool onTorch = false;

class TorchThread {
 public:
  TorchThread() {
    // Detached and never destroyed: it sleeps on its queue until the process exits.
    std::thread([this] {
      onTorch = true;
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          ready_.wait(lock, [this] { return !queue_.empty(); });
          task = std::move(queue_.front());
          queue_.pop_front();
        }
        task();
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

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

TorchThread& torchThread() {
  static TorchThread* t = new TorchThread();  // intentionally leaked (see above)
  return *t;
}

}  // namespace

void runOnTorchThread(const std::function<void()>& task) {
  if (onTorch) {
    task();
    return;
  }
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  torchThread().post([&] {
    try {
      task();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  finished.get();
}

}  // namespace sda
