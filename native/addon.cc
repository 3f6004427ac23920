// Module entry: N-API glue only. Torch work lives behind bridge.h in the torch_*.cc files.
#include <napi.h>

#include "addon_data.h"
#include "bridge.h"
#include "convvae_binding.h"
#include "errors.h"
#include "smoke_worker.h"
#include "spectrogram_binding.h"
#include "torch_thread.h"

namespace sda {
namespace {

Napi::Value LibtorchVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libtorchVersion());
}

Napi::Value Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    // On the LibTorch thread: the thread count it reports is that thread's (OpenMP's is per thread).
    DeviceReport r = onTorchThread([] { return deviceReport(); });
    Napi::Object out = Napi::Object::New(env);
    out.Set("cpuThreads", r.cpuThreads);
    out.Set("cudaBuilt", r.cudaBuilt);
    Napi::Array cuda = Napi::Array::New(env, r.cuda.size());
    for (size_t i = 0; i < r.cuda.size(); ++i) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("index", r.cuda[i].index);
      d.Set("name", r.cuda[i].name);
      d.Set("totalMemory", static_cast<double>(r.cuda[i].totalMemory));
      cuda.Set(static_cast<uint32_t>(i), d);
    }
    out.Set("cuda", cuda);
    out.Set("mpsAvailable", r.mpsAvailable);
    return out;
  });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 1 || !info[0].IsNumber()) {
      throw NativeFailure(kErrInvalidArgument, "setNumThreads(n): n must be a number");
    }
    const int n = info[0].As<Napi::Number>().Int32Value();
    onTorchThread([n] { setNumThreads(n); });
    return env.Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), onTorchThread([] { return numThreads(); }));
}

}  // namespace
}  // namespace sda

namespace {
using namespace sda;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  exports.Set("libtorchVersion", Napi::Function::New(env, LibtorchVersion, "libtorchVersion"));
  exports.Set("devices", Napi::Function::New(env, Devices, "devices"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("smokeMatmul", Napi::Function::New(env, SmokeMatmul, "smokeMatmul"));
  InitConvVae(env, exports);
  InitSpectrogram(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(small_dataset_audio, Init)
