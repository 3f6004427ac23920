// Async wrapper for the device smoke computation: runs on the libuv pool, never the JS thread.
#include "smoke_worker.h"

#include <cstring>

#include "bridge.h"
#include "errors.h"

namespace sda {
namespace {

class SmokeWorker : public Napi::AsyncWorker {
 public:
  SmokeWorker(Napi::Env env, std::string device, std::vector<float> a, std::vector<float> b,
              int64_t n)
      : Napi::AsyncWorker(env, "sda:smokeMatmul"),
        deferred_(Napi::Promise::Deferred::New(env)),
        device_(std::move(device)),
        a_(std::move(a)),
        b_(std::move(b)),
        n_(n) {}

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      out_ = smokeMatmul(device_, a_, b_, n_);
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
    auto arr = Napi::Float32Array::New(env, out_.size());
    std::memcpy(arr.Data(), out_.data(), out_.size() * sizeof(float));
    deferred_.Resolve(arr);
  }

  void OnError(const Napi::Error& e) override {
    deferred_.Reject(makeError(Env(), code_, e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string device_;
  std::vector<float> a_, b_, out_;
  int64_t n_;
  std::string code_ = kErrNative;
};

std::vector<float> copyFloats(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw NativeFailure(kErrInvalidArgument, std::string(what) + " must be a Float32Array");
  }
  auto arr = v.As<Napi::Float32Array>();
  return std::vector<float>(arr.Data(), arr.Data() + arr.ElementLength());
}

}  // namespace

// smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>
Napi::Value SmokeMatmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 4 || !info[0].IsString() || !info[3].IsNumber()) {
      throw NativeFailure(kErrInvalidArgument, "smokeMatmul(device, a, b, n): bad arguments");
    }
    // Inputs are copied here, on the JS thread, so the worker never touches JS memory.
    auto* w = new SmokeWorker(env, info[0].As<Napi::String>().Utf8Value(),
                              copyFloats(info[1], "a"), copyFloats(info[2], "b"),
                              info[3].As<Napi::Number>().Int64Value());
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

}  // namespace sda
