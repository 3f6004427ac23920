// smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>
#include "smoke_worker.h"

#include "bridge.h"
#include "errors.h"
#include "promise_worker.h"

namespace sda {

Napi::Value SmokeMatmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 4 || !info[0].IsString() || !info[3].IsNumber()) {
      throw NativeFailure(kErrInvalidArgument, "smokeMatmul(device, a, b, n): bad arguments");
    }
    // Inputs are copied here, on the JS thread, so the worker never touches JS memory.
    std::string device = info[0].As<Napi::String>().Utf8Value();
    auto a = copyFloat32Array(info[1], "a");
    auto b = copyFloat32Array(info[2], "b");
    int64_t n = info[3].As<Napi::Number>().Int64Value();
    return PromiseWorker<std::vector<float>>::Start(
        env, "sda:smokeMatmul",
        [device, a = std::move(a), b = std::move(b), n]() { return smokeMatmul(device, a, b, n); },
        [](Napi::Env e, std::vector<float>& out) -> Napi::Value { return toFloat32Array(e, out); });
  });
}

}  // namespace sda
