// N-API glue for the spectrogram maths and the random generator. No torch headers (see spectrogram.h).
#include "spectrogram_binding.h"

#include <memory>

#include "addon_data.h"
#include "bridge.h"
#include "errors.h"
#include "promise_worker.h"
#include "spectrogram.h"
#include "torch_thread.h"

namespace sda {
namespace {

InvertOptions invertOptions(const Napi::Value& v) {
  InvertOptions o;
  if (!v.IsObject()) return o;
  Napi::Object obj = v.As<Napi::Object>();
  if (obj.Has("solver")) o.solver = obj.Get("solver").ToString().Utf8Value();
  if (obj.Has("nIter")) o.nIter = obj.Get("nIter").ToNumber().Int64Value();
  if (obj.Has("momentum")) o.momentum = obj.Get("momentum").ToNumber().DoubleValue();
  if (obj.Has("perItem")) o.perItem = obj.Get("perItem").ToBoolean().Value();
  if (obj.Has("fast")) o.fast = obj.Get("fast").ToBoolean().Value();
  Napi::Value ph = obj.Get("phases");
  if (!ph.IsUndefined() && !ph.IsNull()) o.phases = copyFloat32Array(ph, "phases");
  return o;
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
                       });
  }
  explicit NativeSpectrogram(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSpectrogram>(info) {}
  void attach(std::shared_ptr<Spectrogram> s) { spec_ = std::move(s); }

 private:
  std::shared_ptr<Spectrogram> live() {
    if (!spec_) throw NativeFailure(kErrInvalidArgument, "spectrogram is not initialised");
    return spec_;
  }

  Napi::Value Filterbank(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      auto s = live();
      FloatTensor t = onTorchThread([&] { return s->filterbank(); });
      return tensorToJs(info.Env(), t);
    });
  }

  // melSpectrogram(waveform, batch, length) -> Promise<{data, shape: [B, nMels, frames]}>
  Napi::Value MelSpectrogram(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      auto w = copyFloat32Array(info[0], "waveform");
      int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:melSpectrogram", [s, w = std::move(w), b, n]() { return s->melSpectrogram(w, b, n); }, tensorToJs);
    });
  }

  // magnitude(waveform, batch, length) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value Magnitude(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      auto w = copyFloat32Array(info[0], "waveform");
      int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:magnitude", [s, w = std::move(w), b, n]() { return s->magnitude(w, b, n); }, tensorToJs);
    });
  }

  // inverseMel(melLinear, batch, frames, solver) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value InverseMel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      auto m = copyFloat32Array(info[0], "mel");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      std::string solver = info[3].ToString().Utf8Value();
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:inverseMel", [s, m = std::move(m), b, t, solver]() { return s->inverseMel(m, b, t, solver); }, tensorToJs);
    });
  }

  // griffinLim(powerSpec, batch, frames, options) -> Promise<{data, shape: [B, samples]}>
  Napi::Value GriffinLim(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      auto spec = copyFloat32Array(info[0], "spec");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      InvertOptions o = invertOptions(info[3]);
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:griffinLim", [s, spec = std::move(spec), b, t, o = std::move(o)]() { return s->griffinLim(spec, b, t, o); },
          tensorToJs);
    });
  }

  // melToWaveform(log1pMel, batch, frames, options) -> Promise<{data, shape: [B, samples]}>
  Napi::Value MelToWaveform(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto s = live();
      auto mel = copyFloat32Array(info[0], "mel");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      InvertOptions o = invertOptions(info[3]);
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:melToWaveform", [s, mel = std::move(mel), b, t, o = std::move(o)]() { return s->melToWaveform(mel, b, t, o); },
          tensorToJs);
    });
  }

  std::shared_ptr<Spectrogram> spec_;
};

class NativeRng : public Napi::ObjectWrap<NativeRng> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRng",
                       {InstanceMethod<&NativeRng::Randn>("randn"), InstanceMethod<&NativeRng::RandComplex>("randComplex")});
  }
  // new NativeRng(seed: bigint)
  explicit NativeRng(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeRng>(info) {
    guarded(info.Env(), [&]() -> Napi::Value {
      if (info.Length() != 1 || !info[0].IsBigInt()) throw NativeFailure(kErrInvalidArgument, "NativeRng(seed): seed must be a bigint");
      bool lossless = true;
      uint64_t seed = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
      if (!lossless) throw NativeFailure(kErrInvalidArgument, "NativeRng(seed): seed must be in [0, 2^64)");
      rng_ = onTorchThread([&] { return std::make_unique<Rng>(seed); });
      return info.Env().Undefined();
    });
  }

 private:
  static std::vector<int64_t> shapeArg(const Napi::Value& v) {
    if (!v.IsArray()) throw NativeFailure(kErrInvalidArgument, "shape must be an array of sizes");
    Napi::Array a = v.As<Napi::Array>();
    std::vector<int64_t> shape;
    for (uint32_t i = 0; i < a.Length(); ++i) shape.push_back(a.Get(i).ToNumber().Int64Value());
    return shape;
  }
  // Cheap draws happen on the JS thread so their order is exactly the order of the calls.
  Napi::Value Randn(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { auto shape = shapeArg(info[0]);
      return toFloat32Array(info.Env(), onTorchThread([&] { return rng_->randn(shape); })); });
  }
  Napi::Value RandComplex(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value { auto shape = shapeArg(info[0]);
      return toFloat32Array(info.Env(), onTorchThread([&] { return rng_->randComplex(shape); })); });
  }
  std::unique_ptr<Rng> rng_;
};

Napi::Value CreateSpectrogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 1 || !info[0].IsObject()) throw NativeFailure(kErrInvalidArgument, "createSpectrogram(config): bad arguments");
    Napi::Object c = info[0].As<Napi::Object>();
    SpectrogramConfig cfg;
    cfg.sampleRate = c.Get("sampleRate").ToNumber().Int64Value();
    cfg.nFft = c.Get("nFft").ToNumber().Int64Value();
    cfg.hopLength = c.Get("hopLength").ToNumber().Int64Value();
    cfg.nMels = c.Get("nMels").ToNumber().Int64Value();
    cfg.fMin = c.Get("fMin").ToNumber().DoubleValue();
    Napi::Value fMax = c.Get("fMax");
    cfg.fMax = fMax.IsNumber() ? fMax.As<Napi::Number>().DoubleValue() : -1.0;
    cfg.device = c.Get("device").ToString().Utf8Value();
    auto spec = onTorchThread([&] { return Spectrogram::create(cfg); });
    Napi::Object obj = addonData(env).spectrogramClass.New({});
    NativeSpectrogram::Unwrap(obj)->attach(std::move(spec));
    return obj;
  });
}

// resample(waveform, batch, length, origRate, newRate, device) -> Promise<{data, shape}>
Napi::Value Resample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto w = copyFloat32Array(info[0], "waveform");
    int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
    int64_t from = intArg(info, 3, "origRate"), to = intArg(info, 4, "newRate");
    std::string device = info[5].ToString().Utf8Value();
    return PromiseWorker<FloatTensor>::Start(
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
