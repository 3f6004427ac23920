// N-API glue for the spectrogram maths and the random generator. No torch headers (see spectrogram.h).
#include "spectrogram_binding.h"

#include <memory>

#include "addon_data.h"
#include "bridge.h"
#include "errors.h"
#include "js_values.h"
#include "spectrogram.h"
#include "torch_call.h"

namespace sda {
namespace {

InvertOptions invertOptions(const Napi::CallbackInfo& info, size_t i) {
  InvertOptions o;
  if (info.Length() <= i || info[i].IsUndefined()) return o;
  if (!info[i].IsObject()) throw NativeFailure(kErrInvalidArgument, "options must be an object");
  Napi::Object obj = info[i].As<Napi::Object>();
  auto given = [&](const char* key) {
    Napi::Value v = obj.Get(key);
    return !v.IsUndefined() && !v.IsNull();
  };
  if (given("solver")) o.solver = stringValue(obj.Get("solver"), "options.solver");
  if (given("nIter")) {
    o.nIter = checkedRange(intValue(obj.Get("nIter"), "options.nIter"), limits::kGriffinLimIterationsMin,
                           limits::kGriffinLimIterationsMax, "options.nIter");
  }
  if (given("momentum")) o.momentum = numberValue(obj.Get("momentum"), "options.momentum");
  if (given("perItem")) o.perItem = boolValue(obj.Get("perItem"), "options.perItem");
  if (given("fast")) o.fast = boolValue(obj.Get("fast"), "options.fast");
  if (given("phases")) o.phases = copyFloat32Array(obj.Get("phases"), "options.phases");
  if (given("init")) o.init = stringValue(obj.Get("init"), "options.init");
  if (given("tolerance")) o.tolerance = numberValue(obj.Get("tolerance"), "options.tolerance");
  if (given("stopWindow")) o.stopWindow = intValue(obj.Get("stopWindow"), "options.stopWindow");
  if (given("minIter")) o.minIter = intValue(obj.Get("minIter"), "options.minIter");
  return o;
}

void expectArgs(const Napi::CallbackInfo& info, size_t min, size_t max, const char* usage) {
  if (info.Length() < min || info.Length() > max) throw NativeFailure(kErrInvalidArgument, std::string(usage) + ": wrong number of arguments");
}

class NativeSpectrogram : public Napi::ObjectWrap<NativeSpectrogram> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeSpectrogram",
                       {
                           InstanceMethod<&NativeSpectrogram::Filterbank>("filterbank"),
                           InstanceMethod<&NativeSpectrogram::MelSpectrogram>("melSpectrogram"),
                           InstanceMethod<&NativeSpectrogram::Magnitude>("magnitude"),
                           InstanceMethod<&NativeSpectrogram::InverseMel>("inverseMel"),
                           InstanceMethod<&NativeSpectrogram::GriffinLim>("griffinLim"),
                           InstanceMethod<&NativeSpectrogram::MelToWaveform>("melToWaveform"),
                           InstanceMethod<&NativeSpectrogram::Dispose>("dispose"),
                           InstanceAccessor<&NativeSpectrogram::Disposed>("disposed"),
                       });
  }
  explicit NativeSpectrogram(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSpectrogram>(info) {}
  void attach(std::shared_ptr<Spectrogram> s) { spec_ = std::move(s); }

 private:
  std::shared_ptr<Spectrogram> live() {
    if (!spec_) throw NativeFailure(kErrDisposed, "this spectrogram has been disposed");
    return spec_;
  }

  // filterbank() -> Promise<{data, shape: [nFreqs, nMels]}>
  Napi::Value Filterbank(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      return TorchCall<FloatTensor>::Start(env, "sda:filterbank", [s]() { return s->filterbank(); }, tensorToJs);
    });
  }

  // melSpectrogram(waveform, batch, length) -> Promise<{data, shape: [B, nMels, frames]}>
  Napi::Value MelSpectrogram(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      expectArgs(info, 3, 3, "melSpectrogram(waveform, batch, length)");
      auto w = copyFloat32Array(info[0], "waveform");
      int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
      return TorchCall<FloatTensor>::Start(
          env, "sda:melSpectrogram", [s, w = std::move(w), b, n]() { return s->melSpectrogram(w, b, n); }, tensorToJs);
    });
  }

  // magnitude(waveform, batch, length) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value Magnitude(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      expectArgs(info, 3, 3, "magnitude(waveform, batch, length)");
      auto w = copyFloat32Array(info[0], "waveform");
      int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
      return TorchCall<FloatTensor>::Start(
          env, "sda:magnitude", [s, w = std::move(w), b, n]() { return s->magnitude(w, b, n); }, tensorToJs);
    });
  }

  // inverseMel(melLinear, batch, frames, solver) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value InverseMel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      expectArgs(info, 4, 4, "inverseMel(mel, batch, frames, solver)");
      auto m = copyFloat32Array(info[0], "mel");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      std::string solver = stringValue(info[3], "solver");
      return TorchCall<FloatTensor>::Start(
          env, "sda:inverseMel", [s, m = std::move(m), b, t, solver]() { return s->inverseMel(m, b, t, solver); }, tensorToJs);
    });
  }

  // griffinLim(powerSpec, batch, frames, options) -> Promise<{data, shape: [B, samples], iterations: [B]}>
  Napi::Value GriffinLim(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      expectArgs(info, 3, 4, "griffinLim(spec, batch, frames, options)");
      auto spec = copyFloat32Array(info[0], "spec");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      InvertOptions o = invertOptions(info, 3);
      return TorchCall<FloatTensor>::Start(
          env, "sda:griffinLim", [s, spec = std::move(spec), b, t, o = std::move(o)]() { return s->griffinLim(spec, b, t, o); },
          tensorToJs);
    });
  }

  // melToWaveform(log1pMel, batch, frames, options) -> Promise<{data, shape: [B, samples], iterations: [B]}>
  Napi::Value MelToWaveform(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      expectArgs(info, 3, 4, "melToWaveform(mel, batch, frames, options)");
      auto mel = copyFloat32Array(info[0], "mel");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      InvertOptions o = invertOptions(info, 3);
      return TorchCall<FloatTensor>::Start(
          env, "sda:melToWaveform", [s, mel = std::move(mel), b, t, o = std::move(o)]() { return s->melToWaveform(mel, b, t, o); },
          tensorToJs);
    });
  }

  // Frees the device tensors once calls already queued have finished (each holds its own reference).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    spec_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !spec_); }

  std::shared_ptr<Spectrogram> spec_;
};

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

// createSpectrogram(config) -> NativeSpectrogram. Synchronous and cheap: no LibTorch work (see spectrogram.h).
Napi::Value CreateSpectrogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 1 || !info[0].IsObject()) throw NativeFailure(kErrInvalidArgument, "createSpectrogram(config): config must be an object");
    Napi::Object c = info[0].As<Napi::Object>();
    SpectrogramConfig cfg;
    cfg.sampleRate = intValue(c.Get("sampleRate"), "config.sampleRate");
    cfg.nFft = intValue(c.Get("nFft"), "config.nFft");
    cfg.hopLength = intValue(c.Get("hopLength"), "config.hopLength");
    cfg.nMels = intValue(c.Get("nMels"), "config.nMels");
    cfg.fMin = numberValue(c.Get("fMin"), "config.fMin");
    Napi::Value fMax = c.Get("fMax");
    cfg.fMax = fMax.IsUndefined() || fMax.IsNull() ? -1.0 : numberValue(fMax, "config.fMax");
    cfg.device = stringValue(c.Get("device"), "config.device");
    auto spec = Spectrogram::create(cfg);
    Napi::Object obj = addonData(env).spectrogramClass.New({});
    NativeSpectrogram::Unwrap(obj)->attach(std::move(spec));
    return obj;
  });
}

// resample(waveform, batch, length, origRate, newRate, device) -> Promise<{data, shape}>
Napi::Value Resample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    expectArgs(info, 6, 6, "resample(waveform, batch, length, origRate, newRate, device)");
    auto w = copyFloat32Array(info[0], "waveform");
    int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
    int64_t from = intArg(info, 3, "origRate"), to = intArg(info, 4, "newRate");
    std::string device = stringValue(info[5], "device");
    return TorchCall<FloatTensor>::Start(
        env, "sda:resample", [w = std::move(w), b, n, from, to, device]() { return resample(w, b, n, from, to, device); },
        tensorToJs);
  });
}

}  // namespace

void InitSpectrogram(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = NativeSpectrogram::Define(env);
  addonData(env).spectrogramClass = Napi::Persistent(cls);
  exports.Set("NativeSpectrogram", cls);
  exports.Set("NativeRng", NativeRng::Define(env));
  exports.Set("createSpectrogram", Napi::Function::New(env, CreateSpectrogram, "createSpectrogram"));
  exports.Set("resample", Napi::Function::New(env, Resample, "resample"));
}

}  // namespace sda
