// Module entry: N-API glue only. Torch work lives behind bridge.h in the torch_*.cc files.
#include <napi.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <memory>

#include "addon_data.h"
#include "bridge.h"
#include "convvae_binding.h"
#include "errors.h"
#include "js_values.h"
#include "malloc_tuning.h"
#include "resample_binding.h"
#include "rng_binding.h"
#include "smoke_worker.h"
#include "spectrogram_binding.h"
#include "torch_call.h"
#include "torch_thread.h"

namespace sda {
namespace {

// The device list does not change while the process runs (CUDA counts devices once), so it is asked
// for once, first thing on the LibTorch thread, and every later devices() reads the answer without
// waiting behind queued work. The thread count lives here too, so reading it never waits either.
struct DeviceFacts {
  std::shared_future<DeviceReport> report;
  std::atomic<int> threads{0};
};

DeviceFacts& deviceFacts() {
  static DeviceFacts* facts = [] {
    auto* f = new DeviceFacts();  // process-wide, shared by every environment, never freed
    auto promise = std::make_shared<std::promise<DeviceReport>>();
    f->report = promise->get_future().share();
    postToTorchThread([promise, f] {
      try {
        settleLibtorchStartup();
        DeviceReport r = deviceReport();
        int expected = 0;
        f->threads.compare_exchange_strong(expected, r.cpuThreads);
        promise->set_value(std::move(r));
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    return f;
  }();
  return *facts;
}

Napi::Value LibtorchVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libtorchVersion());
}

Napi::Value Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    DeviceFacts& facts = deviceFacts();
    DeviceReport r = facts.report.get();  // ready long before: it was the LibTorch thread's first task
    Napi::Object out = Napi::Object::New(env);
    out.Set("cpuThreads", facts.threads.load());
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

// setNumThreads(n): applied on the LibTorch thread after the work already queued (OpenMP's setting is
// per thread, so it must be made there); getNumThreads() reports it at once.
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 1) throw NativeFailure(kErrInvalidArgument, "setNumThreads(n): one argument expected");
    const int64_t n = checkedRange(intValue(info[0], "setNumThreads(n): n"), limits::kThreadsMin, limits::kThreadsMax, "setNumThreads(n): n");
    DeviceFacts& facts = deviceFacts();
    facts.report.wait();  // the initial count must not overwrite this one
    facts.threads.store(static_cast<int>(n));
    postToTorchThread([n] { setNumThreads(static_cast<int>(n)); });
    return env.Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    DeviceFacts& facts = deviceFacts();
    facts.report.wait();
    return Napi::Number::New(env, facts.threads.load());
  });
}

// stopForExit(code): for the process's 'exit' event (lib/native/loader.ts): no further task runs, and the
// one in progress, if any, is waited for, 10 s at most, before C++ static destructors tear LibTorch down.
// A call still running then would be torn down under: the process ends at once with its exit code.
Napi::Value StopForExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 1) throw NativeFailure(kErrInvalidArgument, "stopForExit(code): one argument expected");
    const int64_t code = intValue(info[0], "stopForExit(code): code");
    if (!stopTorchThreadForExit(10000)) std::_Exit(static_cast<int>(code));
    return env.Undefined();
  });
}

// numericsReport() as a JS object; mklDynamic is null without MKL.
Napi::Value numericsToJs(Napi::Env env, NumericsReport& r) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("threads", r.threads);
  out.Set("mklMaxThreads", r.mklMaxThreads);
  if (r.mklDynamic < 0) {
    out.Set("mklDynamic", env.Null());
  } else {
    out.Set("mklDynamic", Napi::Boolean::New(env, r.mklDynamic == 1));
  }
  out.Set("mklDynamicSource", r.mklDynamicSource);
  out.Set("fftPath", r.fftPath);
  out.Set("cpuCapability", r.cpuCapability);
  out.Set("parallelInfo", r.parallelInfo);
  return out;
}

// numericsReport(): Promise of what decides the last bits of CPU results now (bridge.h NumericsReport),
// read on the LibTorch thread after the work already queued, so a thread count just set is included.
Napi::Value NumericsReportValue(const Napi::CallbackInfo& info) {
  return startTorchCall(info, "sda:numericsReport", [] { return [] { return numericsReport(); }; }, numericsToJs);
}

}  // namespace
}  // namespace sda

namespace {
using namespace sda;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonData());
  tuneMalloc();
  deviceFacts();  // starts the LibTorch thread with the device query as its first task
  exports.Set("libtorchVersion", Napi::Function::New(env, LibtorchVersion, "libtorchVersion"));
  exports.Set("devices", Napi::Function::New(env, Devices, "devices"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads, "getNumThreads"));
  exports.Set("stopForExit", Napi::Function::New(env, StopForExit, "stopForExit"));
  exports.Set("numericsReport", Napi::Function::New(env, NumericsReportValue, "numericsReport"));
  exports.Set("smokeMatmul", Napi::Function::New(env, SmokeMatmul, "smokeMatmul"));
  InitConvVae(env, exports);
  InitSpectrogram(env, exports);
  InitRng(env, exports);
  InitResample(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(small_dataset_audio, Init)
