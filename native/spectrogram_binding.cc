// N-API glue for the spectrogram maths. No torch headers (see spectrogram.h).
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

  // A method taking (waveform, batch, length).
  using WaveformMethod = FloatTensor (Spectrogram::*)(const std::vector<float>&, int64_t, int64_t);
  Napi::Value ofWaveform(const Napi::CallbackInfo& info, const char* name, const char* usage, WaveformMethod method) {
    return startTorchCall(info, name, [&] {
      auto s = live();
      expectArgs(info, 3, 3, usage);
      auto w = copyFloat32Array(info[0], "waveform");
      int64_t b = intArg(info, 1, "batch"), n = intArg(info, 2, "length");
      return [s, method, w = std::move(w), b, n]() { return ((*s).*method)(w, b, n); };
    }, tensorToJs);
  }

  // A Griffin-Lim method taking (input, batch, frames, options?).
  using InversionMethod = FloatTensor (Spectrogram::*)(const std::vector<float>&, int64_t, int64_t, const InvertOptions&);
  Napi::Value inversion(const Napi::CallbackInfo& info, const char* name, const char* usage, const char* input,
                        InversionMethod method) {
    return startTorchCall(info, name, [&] {
      auto s = live();
      expectArgs(info, 3, 4, usage);
      auto x = copyFloat32Array(info[0], input);
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      InvertOptions o = invertOptions(info, 3);
      return [s, method, x = std::move(x), b, t, o = std::move(o)]() { return ((*s).*method)(x, b, t, o); };
    }, tensorToJs);
  }

  // filterbank() -> Promise<{data, shape: [nFreqs, nMels]}>
  Napi::Value Filterbank(const Napi::CallbackInfo& info) {
    return startTorchCall(info, "sda:filterbank", [&] {
      auto s = live();
      return [s]() { return s->filterbank(); };
    }, tensorToJs);
  }

  // melSpectrogram(waveform, batch, length) -> Promise<{data, shape: [B, nMels, frames]}>
  Napi::Value MelSpectrogram(const Napi::CallbackInfo& info) {
    return ofWaveform(info, "sda:melSpectrogram", "melSpectrogram(waveform, batch, length)", &Spectrogram::melSpectrogram);
  }

  // magnitude(waveform, batch, length) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value Magnitude(const Napi::CallbackInfo& info) {
    return ofWaveform(info, "sda:magnitude", "magnitude(waveform, batch, length)", &Spectrogram::magnitude);
  }

  // inverseMel(melLinear, batch, frames, solver) -> Promise<{data, shape: [B, nFreqs, frames]}>
  Napi::Value InverseMel(const Napi::CallbackInfo& info) {
    return startTorchCall(info, "sda:inverseMel", [&] {
      auto s = live();
      expectArgs(info, 4, 4, "inverseMel(mel, batch, frames, solver)");
      auto m = copyFloat32Array(info[0], "mel");
      int64_t b = intArg(info, 1, "batch"), t = intArg(info, 2, "frames");
      std::string solver = stringValue(info[3], "solver");
      return [s, m = std::move(m), b, t, solver]() { return s->inverseMel(m, b, t, solver); };
    }, tensorToJs);
  }

  // griffinLim(powerSpec, batch, frames, options) -> Promise<{data, shape: [B, samples], iterations: [B]}>
  Napi::Value GriffinLim(const Napi::CallbackInfo& info) {
    return inversion(info, "sda:griffinLim", "griffinLim(spec, batch, frames, options)", "spec", &Spectrogram::griffinLim);
  }

  // melToWaveform(log1pMel, batch, frames, options) -> Promise<{data, shape: [B, samples], iterations: [B]}>
  Napi::Value MelToWaveform(const Napi::CallbackInfo& info) {
    return inversion(info, "sda:melToWaveform", "melToWaveform(mel, batch, frames, options)", "mel", &Spectrogram::melToWaveform);
  }

  // Frees the device tensors once calls already queued have finished (each holds its own reference).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    spec_.reset();
    return info.Env().Undefined();
  }

  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !spec_); }

  std::shared_ptr<Spectrogram> spec_;
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

}  // namespace

void InitSpectrogram(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = NativeSpectrogram::Define(env);
  addonData(env).spectrogramClass = Napi::Persistent(cls);
  exports.Set("NativeSpectrogram", cls);
  exports.Set("createSpectrogram", Napi::Function::New(env, CreateSpectrogram, "createSpectrogram"));
}

}  // namespace sda
