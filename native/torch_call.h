// One shape for every heavy native call: the work is posted to the LibTorch thread (torch_thread.h) and
// the Promise is settled on the JS thread through a thread-safe function when it is done. No libuv pool
// thread waits meanwhile, so queued model work never starves fs, dns or zlib, however long the queue.
//
// The environment that made a call can go while the call is queued or running (a worker thread
// terminated, a process exiting): Node then frees the call's thread-safe function. Each call registers an
// environment clean-up hook after creating that function, so the hook runs first (hooks run in reverse
// order); it marks the call's environment gone under a mutex the LibTorch thread holds while it hands a
// result over, and while it runs a computation that reads JS memory (keepAlive). A call whose environment
// has gone is dropped without touching the function or any JS value.
#pragma once

#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bridge.h"
#include "errors.h"
#include "torch_thread.h"

namespace sda {

template <typename Result>
class TorchCall {
 public:
  using Compute = std::function<Result()>;
  using Convert = std::function<Napi::Value(Napi::Env, Result&)>;

  // Queues `compute` on the LibTorch thread and returns its Promise; `convert` turns the result into a JS
  // value on the JS thread. `keepAlive` holds JS values whose memory `compute` reads until it is done.
  static Napi::Promise Start(Napi::Env env, const char* name, Compute compute, Convert convert,
                             std::vector<Napi::Value> keepAlive = {}) {
    auto call = std::make_unique<TorchCall>(env, std::move(compute), std::move(convert));
    for (auto& v : keepAlive) call->refs_.push_back(Napi::Persistent(v));
    Napi::Promise promise = call->deferred_.Promise();
    napi_value resourceName = Napi::String::New(env, name);
    // No JS function: settle() runs on the JS thread with the call as its data. One call per function,
    // released by the LibTorch thread right after it hands the result over.
    NAPI_THROW_IF_FAILED(env,
                         napi_create_threadsafe_function(env, nullptr, nullptr, resourceName, 0, 1, nullptr, nullptr,
                                                         nullptr, &TorchCall::settle, &call->tsfn_),
                         Napi::Promise());
    NAPI_THROW_IF_FAILED(env, napi_add_env_cleanup_hook(env, &TorchCall::envGone, call.get()), Napi::Promise());
    TorchCall* raw = call.release();
    postToTorchThread([raw] { raw->run(); });
    return promise;
  }

  TorchCall(Napi::Env env, Compute compute, Convert convert)
      : deferred_(Napi::Promise::Deferred::New(env)), compute_(std::move(compute)), convert_(std::move(convert)) {}

 private:
  // Whether the environment that made the call is still there; outlives the call (run() holds it).
  struct EnvState {
    std::mutex mutex;
    bool gone = false;
  };

  // On the JS thread, while the environment is torn down (before Node frees the thread-safe function).
  static void envGone(void* data) {
    auto* call = static_cast<TorchCall*>(data);
    std::lock_guard<std::mutex> lock(call->state_->mutex);
    call->state_->gone = true;
  }

  // On the LibTorch thread.
  void run() {
    std::shared_ptr<EnvState> state = state_;
    std::unique_lock<std::mutex> lock(state->mutex);
    if (state->gone) {
      lock.unlock();
      abandon(this);
      return;
    }
    if (refs_.empty()) lock.unlock();  // reads no JS memory: the environment may go meanwhile
    try {
      result_ = compute_();
      failed_ = false;
    } catch (const NativeFailure& e) {
      code_ = e.code();
      message_ = e.what();
    } catch (const std::exception& e) {
      message_ = e.what();
    } catch (...) {
      message_ = "unknown native failure";
    }
    compute_ = nullptr;  // frees the inputs the closure copied now, not when JS gets round to settling
    if (!lock.owns_lock()) lock.lock();
    if (state->gone) {  // the thread-safe function may be freed already: not ours to touch
      lock.unlock();
      abandon(this);
      return;
    }
    napi_threadsafe_function fn = tsfn_;
    if (napi_call_threadsafe_function(fn, this, napi_tsfn_blocking) != napi_ok) {
      // The environment is shutting down: no JS can run any more; JS handles are not ours to free.
      abandon(this);
    }
    // `this` may be settled and freed on the JS thread from here on.
    napi_release_threadsafe_function(fn, napi_tsfn_release);
  }

  static void abandon(TorchCall* call) {
    for (auto& r : call->refs_) r.SuppressDestruct();
    delete call;
  }

  // On the JS thread (env null when the environment is being torn down).
  static void settle(napi_env rawEnv, napi_value, void*, void* data) {
    auto* call = static_cast<TorchCall*>(data);
    if (rawEnv == nullptr) {
      abandon(call);
      return;
    }
    std::unique_ptr<TorchCall> owned(call);
    napi_remove_env_cleanup_hook(rawEnv, &TorchCall::envGone, call);
    Napi::Env env(rawEnv);
    Napi::HandleScope scope(env);
    if (call->failed_) {
      call->deferred_.Reject(makeError(env, call->code_, call->message_).Value());
      return;
    }
    try {
      call->deferred_.Resolve(call->convert_(env, call->result_));
    } catch (const Napi::Error& e) {
      call->deferred_.Reject(makeError(env, kErrNative, e.Message()).Value());
    } catch (const std::exception& e) {
      call->deferred_.Reject(makeError(env, kErrNative, e.what()).Value());
    }
  }

  std::shared_ptr<EnvState> state_ = std::make_shared<EnvState>();
  Napi::Promise::Deferred deferred_;
  Compute compute_;
  Convert convert_;
  Result result_{};
  bool failed_ = true;
  std::string code_ = kErrNative;
  std::string message_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
  napi_threadsafe_function tsfn_ = nullptr;
};

// The shape of every asynchronous entry point, run through guarded(): `parse` reads and checks the
// arguments on the JS thread (a bad one throws a coded error at once) and returns the work for the
// LibTorch thread; `convert` turns the work's result into the Promise's value. A `parse` that takes a
// std::vector<Napi::Value>& puts there the JS values the work reads in place (TorchCall's keepAlive).
template <typename Parse, typename Convert>
Napi::Value startTorchCall(const Napi::CallbackInfo& info, const char* name, Parse&& parse, Convert&& convert) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    std::vector<Napi::Value> keepAlive;
    auto compute = [&] {
      if constexpr (std::is_invocable_v<Parse&, std::vector<Napi::Value>&>) {
        return parse(keepAlive);
      } else {
        return parse();
      }
    }();
    using Result = std::invoke_result_t<decltype(compute)&>;
    return TorchCall<Result>::Start(env, name, std::move(compute), std::forward<Convert>(convert), std::move(keepAlive));
  });
}

}  // namespace sda
