// N-API glue for resampling: resample(...) -> Promise. No torch headers (see resample.h).
#include "resample_binding.h"

#include <string>

#include "bridge.h"
#include "js_values.h"
#include "resample.h"
#include "torch_call.h"

namespace sda {
namespace {

// resample(waveform, batch, length, origRate, newRate, device) -> Promise<{data, shape}>
Napi::Value Resample(const Napi::CallbackInfo& info) {
  return startTorchCall(info, "sda:resample", [&] {
    expectArgs(info, 6, 6, "resample(waveform, batch, length, origRate, newRate, device)");
    auto w = copyFloat32Array(info[0], "waveform");
    int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
    int64_t from = intArg(info, 3, "origRate"), to = intArg(info, 4, "newRate");
    std::string device = stringValue(info[5], "device");
    return [w = std::move(w), b, n, from, to, device]() { return resample(w, b, n, from, to, device); };
  }, tensorToJs);
}

}  // namespace

void InitResample(Napi::Env env, Napi::Object exports) {
  exports.Set("resample", Napi::Function::New(env, Resample, "resample"));
}

}  // namespace sda
