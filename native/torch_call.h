// One shape for every heavy native call: the work is posted to the LibTorch thread (torch_thread.h) and
// the Promise is settled on the JS thread through a thread-safe function when it is done. No libuv pool
// thread waits meanwhile, so queued model work never starves fs, dns or zlib, however long the queue.
#pragma once

#include <napi.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>
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
    TorchCall* raw = call.release();
    postToTorchThread([raw] { raw->run(); });
    return promise;
  }

  TorchCall(Napi::Env env, Compute compute, Convert convert)
      : deferred_(Napi::Promise::Deferred::New(env)), compute_(std::move(compute)), convert_(std::move(convert)) {}

 private:
  // On the LibTorch thread.
  void run() {
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
    napi_threadsafe_function fn = tsfn_;
    if (napi_call_threadsafe_function(fn, this, napi_tsfn_blocking) != napi_ok) {
      // The environment is shutting down: no JS can run any more; JS handles are not ours to free.
      abandon(this);
    }
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

}  // namespace sda
