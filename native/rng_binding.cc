// N-API glue for the random generator: new NativeRng(seed). No torch headers (see rng.h).
#include "rng_binding.h"

#include <memory>

#include "bridge.h"
#include "errors.h"
#include "js_values.h"
#include "rng.h"

namespace sda {
namespace {

class NativeRng : public Napi::ObjectWrap<NativeRng> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRng",
                       {InstanceMethod<&NativeRng::Randn>("randn"), InstanceMethod<&NativeRng::RandComplex>("randComplex"),
                        InstanceMethod<&NativeRng::SkipComplex>("skipComplex")});
  }
  // new NativeRng(seed: bigint)
  explicit NativeRng(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeRng>(info) {
    guarded(info.Env(), [&]() -> Napi::Value {
      if (info.Length() != 1 || !info[0].IsBigInt()) throw NativeFailure(kErrInvalidArgument, "NativeRng(seed): seed must be a bigint");
      bool lossless = true;
      uint64_t seed = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
      if (!lossless) throw NativeFailure(kErrInvalidArgument, "NativeRng(seed): seed must be in [0, 2^64)");
      rng_ = std::make_unique<Rng>(seed);
      return info.Env().Undefined();
    });
  }

 private:
  // Draws run on the calling thread (serial kernels, no LibTorch thread involved), so they never wait
  // behind queued model work and their order is exactly the order of the calls.
  Napi::Value Randn(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto shape = intArray(info[0], "shape");
      return toFloat32Array(info.Env(), live().randn(shape));
    });
  }
  Napi::Value RandComplex(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto shape = intArray(info[0], "shape");
      return toFloat32Array(info.Env(), live().randComplex(shape));
    });
  }
  Napi::Value SkipComplex(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto shape = intArray(info[0], "shape");
      live().skipComplex(shape);
      return info.Env().Undefined();
    });
  }
  Rng& live() {
    if (!rng_) throw NativeFailure(kErrInvalidArgument, "this generator was not constructed");
    return *rng_;
  }
  std::unique_ptr<Rng> rng_;
};

}  // namespace

void InitRng(Napi::Env env, Napi::Object exports) { exports.Set("NativeRng", NativeRng::Define(env)); }

}  // namespace sda
