// smokeMatmul(device: string, a: Float32Array, b: Float32Array, n: number): Promise<Float32Array>
#include "smoke_worker.h"

#include "bridge.h"
#include "errors.h"
#include "js_values.h"
#include "torch_call.h"

namespace sda {

Napi::Value SmokeMatmul(const Napi::CallbackInfo& info) {
  return startTorchCall(info, "sda:smokeMatmul", [&] {
    if (info.Length() != 4) throw NativeFailure(kErrInvalidArgument, "smokeMatmul(device, a, b, n): 4 arguments expected");
    // Inputs are copied here, on the JS thread, so the LibTorch thread never touches JS memory.
    std::string device = stringValue(info[0], "device");
    auto a = copyFloat32Array(info[1], "a");
    auto b = copyFloat32Array(info[2], "b");
    const int64_t n = checkedRange(intArg(info, 3, "n"), limits::kMatmulSizeMin, limits::kMatmulSizeMax, "smokeMatmul: n");
    return [device, a = std::move(a), b = std::move(b), n]() { return smokeMatmul(device, a, b, n); };
  }, [](Napi::Env e, std::vector<float>& out) -> Napi::Value { return toFloat32Array(e, out); });
}

}  // namespace sda
