// N-API glue for the ConvVAE: createConvVae(config, tensors) -> Promise<NativeConvVae>, and the
// decode/encode/dispose methods. No torch headers: the model lives behind convvae.h.
#include "convvae_binding.h"

#include <memory>

#include "addon_data.h"
#include "bridge.h"
#include "convvae.h"
#include "errors.h"
#include "promise_worker.h"

namespace sda {
namespace {

class NativeConvVae : public Napi::ObjectWrap<NativeConvVae> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeConvVae",
                       {
                           InstanceMethod<&NativeConvVae::Decode>("decode"),
                           InstanceMethod<&NativeConvVae::Encode>("encode"),
                           InstanceMethod<&NativeConvVae::Dispose>("dispose"),
                           InstanceAccessor<&NativeConvVae::HasEncoder>("hasEncoder"),
                           InstanceAccessor<&NativeConvVae::Disposed>("disposed"),
                       });
  }

  explicit NativeConvVae(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeConvVae>(info) {}

  void attach(std::shared_ptr<ConvVae> model) { model_ = std::move(model); }

 private:
  std::shared_ptr<ConvVae> live(Napi::Env env) {
    if (!model_) throw makeError(env, "ERR_SDA_DISPOSED", "this model has been disposed");
    return model_;
  }

  // decode(z: Float32Array, batch, outH, outW) -> Promise<{ data: Float32Array, shape: number[] }>
  Napi::Value Decode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto model = live(env);
      auto z = copyFloat32Array(info[0], "z");
      const int64_t batch = intArg(info, 1, "batch"), outH = intArg(info, 2, "outH"), outW = intArg(info, 3, "outW");
      return PromiseWorker<FloatTensor>::Start(
          env, "sda:decode",
          [model, z = std::move(z), batch, outH, outW]() { return model->decode(z, batch, outH, outW); }, tensorToJs);
    });
  }

  // encode(mel: Float32Array, batch, h, w) -> Promise<{ mu: Float32Array, logvar: Float32Array }>
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&]() -> Napi::Value {
      auto model = live(env);
      auto mel = copyFloat32Array(info[0], "mel");
      const int64_t batch = intArg(info, 1, "batch"), h = intArg(info, 2, "h"), w = intArg(info, 3, "w");
      return PromiseWorker<EncodeResult>::Start(
          env, "sda:encode",
          [model, mel = std::move(mel), batch, h, w]() { return model->encode(mel, batch, h, w); },
          [](Napi::Env e, EncodeResult& r) -> Napi::Value {
            Napi::Object out = Napi::Object::New(e);
            out.Set("mu", toFloat32Array(e, r.mu));
            out.Set("logvar", toFloat32Array(e, r.logvar));
            return out;
          });
    });
  }

  // Frees the weights once calls already running have finished (they hold their own reference).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    model_.reset();
    return info.Env().Undefined();
  }

  Napi::Value HasEncoder(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), model_ && model_->hasEncoder());
  }

  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }

  std::shared_ptr<ConvVae> model_;
};

int64_t intField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw NativeFailure(kErrInvalidArgument, std::string("config.") + name + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

// createConvVae(config, tensors: Array<{ key, dtype, shape, data: Uint8Array }>) -> Promise<NativeConvVae>
Napi::Value CreateConvVae(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (info.Length() != 2 || !info[0].IsObject() || !info[1].IsArray()) {
      throw NativeFailure(kErrInvalidArgument, "createConvVae(config, tensors): bad arguments");
    }
    Napi::Object cfg = info[0].As<Napi::Object>();
    ConvVaeConfig config;
    config.distill = cfg.Get("distill").ToBoolean().Value();
    config.latentDim = intField(cfg, "latentDim");
    config.nMels = intField(cfg, "nMels");
    config.frames = intField(cfg, "frames");
    config.device = cfg.Get("device").ToString().Utf8Value();

    Napi::Array list = info[1].As<Napi::Array>();
    std::vector<TensorInput> tensors;
    std::vector<Napi::Value> keepAlive;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object t = list.Get(i).As<Napi::Object>();
      TensorInput in;
      in.key = t.Get("key").ToString().Utf8Value();
      in.dtype = t.Get("dtype").ToString().Utf8Value();
      Napi::Array shape = t.Get("shape").As<Napi::Array>();
      for (uint32_t d = 0; d < shape.Length(); ++d) in.shape.push_back(shape.Get(d).As<Napi::Number>().Int64Value());
      Napi::Value data = t.Get("data");
      if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw NativeFailure(kErrInvalidArgument, "tensor " + in.key + ": data must be a Uint8Array");
      }
      auto bytes = data.As<Napi::Uint8Array>();
      // No copy here: the worker reads the file's bytes in place (kept alive below) and copies each tensor
      // once, into LibTorch memory on the device.
      in.data = bytes.Data();
      in.nbytes = bytes.ByteLength();
      keepAlive.push_back(data);
      tensors.push_back(std::move(in));
    }
    return PromiseWorker<std::shared_ptr<ConvVae>>::Start(
        env, "sda:createConvVae",
        [config, tensors = std::move(tensors)]() { return ConvVae::create(config, tensors); },
        [](Napi::Env e, std::shared_ptr<ConvVae>& model) -> Napi::Value {
          Napi::Object obj = addonData(e).convVaeClass.New({});
          NativeConvVae::Unwrap(obj)->attach(std::move(model));
          return obj;
        },
        std::move(keepAlive));
  });
}

}  // namespace

void InitConvVae(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = NativeConvVae::Define(env);
  addonData(env).convVaeClass = Napi::Persistent(cls);
  exports.Set("NativeConvVae", cls);
  exports.Set("createConvVae", Napi::Function::New(env, CreateConvVae, "createConvVae"));
}

}  // namespace sda
