// One AsyncWorker shape for every heavy call: compute on the libuv pool (long-lived threads, never one
// per call), then resolve a Promise on the JS thread, or reject it with a coded error (errors.h).
#pragma once

#include <napi.h>

#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "bridge.h"
#include "errors.h"
#include "torch_thread.h"

namespace sda {

template <typename Result>
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Compute = std::function<Result()>;
  using Convert = std::function<Napi::Value(Napi::Env, Result&)>;

  // Queues the work; `keepAlive` holds JS values whose memory `compute` reads until the work is done.
  static Napi::Promise Start(Napi::Env env, const char* name, Compute compute, Convert convert,
                             std::vector<Napi::Value> keepAlive = {}) {
    auto* w = new PromiseWorker(env, name, std::move(compute), std::move(convert));
    for (auto& v : keepAlive) w->refs_.push_back(Napi::Persistent(v));
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
  }

 protected:
  void Execute() override {
    try {
      // The libuv pool thread waits while the LibTorch thread computes (see torch_thread.h).
      runOnTorchThread([this] { result_ = compute_(); });
    } catch (const NativeFailure& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = kErrNative;
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(convert_(env, result_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(makeError(Env(), code_, e.Message()).Value()); }

 private:
  PromiseWorker(Napi::Env env, const char* name, Compute compute, Convert convert)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        compute_(std::move(compute)),
        convert_(std::move(convert)) {}

  Napi::Promise::Deferred deferred_;
  Compute compute_;
  Convert convert_;
  Result result_{};
  std::string code_ = kErrNative;
  std::vector<Napi::Reference<Napi::Value>> refs_;
};

// A Float32Array holding a copy of `v`.
inline Napi::Float32Array toFloat32Array(Napi::Env env, const std::vector<float>& v) {
  auto arr = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(arr.Data(), v.data(), v.size() * sizeof(float));
  return arr;
}

// { data: Float32Array, shape: number[] } for a FloatTensor.
inline Napi::Value tensorToJs(Napi::Env env, FloatTensor& t) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", toFloat32Array(env, t.data));
  Napi::Array shape = Napi::Array::New(env, t.shape.size());
  for (size_t i = 0; i < t.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(t.shape[i]));
  out.Set("shape", shape);
  return out;
}

// An integer argument; a typed error names `what` otherwise.
inline int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) throw NativeFailure(kErrInvalidArgument, std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

// A copy of a Float32Array argument; a typed error names `what` otherwise.
inline std::vector<float> copyFloat32Array(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw NativeFailure(kErrInvalidArgument, std::string(what) + " must be a Float32Array");
  }
  auto arr = v.As<Napi::Float32Array>();
  return std::vector<float>(arr.Data(), arr.Data() + arr.ElementLength());
}

}  // namespace sda
