// N-API glue for the ConvVAE: createConvVae(config, tensors) -> Promise<NativeConvVae>, and the
// decode/encode/dispose methods. No torch headers: the model lives behind convvae.h.
#include "convvae_binding.h"

#include <memory>

#include "addon_data.h"
#include "bridge.h"
#include "convvae.h"
#include "errors.h"
#include "js_values.h"
#include "torch_call.h"

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
                           InstanceAccessor<&NativeConvVae::WeightBytes>("weightBytes"),
                       });
  }

  explicit NativeConvVae(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeConvVae>(info), env_(info.Env()) {}

  // The weights count towards V8's external memory while this object owns them, so the GC knows what
  // an unreferenced model costs (node-llama-cpp does the same for its contexts).
  ~NativeConvVae() override { release(); }

  void attach(std::shared_ptr<ConvVae> model) {
    model_ = std::move(model);
    reported_ = model_->weightBytes();
    Napi::MemoryManagement::AdjustExternalMemory(env_, reported_);
  }

 private:
  void release() {
    model_.reset();
    if (reported_ > 0) {
      napi_adjust_external_memory(env_, -reported_, nullptr);  // C call: no exception from a finalizer
      reported_ = 0;
    }
  }

  std::shared_ptr<ConvVae> live() {
    if (!model_) throw NativeFailure(kErrDisposed, "this model has been disposed");
    return model_;
  }

  // decode(z: Float32Array, batch, outH, outW, each: boolean) -> Promise<{ data: Float32Array, shape: number[] }>
  Napi::Value Decode(const Napi::CallbackInfo& info) {
    return startTorchCall(info, "sda:decode", [&] {
      auto model = live();
      if (info.Length() != 5 || !info[4].IsBoolean()) {
        throw NativeFailure(kErrInvalidArgument, "decode(z, batch, outH, outW, each): 5 arguments expected, each a boolean");
      }
      auto z = copyFloat32Array(info[0], "z");
      const int64_t batch = checkedRange(intArg(info, 1, "batch"), limits::kBatchMin, limits::kBatchMax, "decode: batch");
      const int64_t outH = intArg(info, 2, "outH"), outW = intArg(info, 3, "outW");
      const bool each = info[4].As<Napi::Boolean>().Value();
      return [model, z = std::move(z), batch, outH, outW, each]() { return model->decode(z, batch, outH, outW, each); };
    }, tensorToJs);
  }

  // encode(mel: Float32Array, batch, h, w) -> Promise<{ mu: Float32Array, logvar: Float32Array }>
  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return startTorchCall(info, "sda:encode", [&] {
      auto model = live();
      if (info.Length() != 4) throw NativeFailure(kErrInvalidArgument, "encode(mel, batch, h, w): 4 arguments expected");
      auto mel = copyFloat32Array(info[0], "mel");
      const int64_t batch = checkedRange(intArg(info, 1, "batch"), limits::kBatchMin, limits::kBatchMax, "encode: batch");
      const int64_t h = intArg(info, 2, "h"), w = intArg(info, 3, "w");
      return [model, mel = std::move(mel), batch, h, w]() { return model->encode(mel, batch, h, w); };
    }, [](Napi::Env e, EncodeResult& r) -> Napi::Value {
      Napi::Object out = Napi::Object::New(e);
      out.Set("mu", toFloat32Array(e, r.mu));
      out.Set("logvar", toFloat32Array(e, r.logvar));
      return out;
    });
  }

  // Frees the weights once calls already queued have finished (each holds its own reference).
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    release();
    return info.Env().Undefined();
  }

  Napi::Value HasEncoder(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), model_ && model_->hasEncoder());
  }

  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !model_); }

  Napi::Value WeightBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(reported_));
  }

  napi_env env_;
  std::shared_ptr<ConvVae> model_;
  int64_t reported_ = 0;
};

// createConvVae(config, tensors: Array<{ key, dtype, shape, data: Uint8Array }>) -> Promise<NativeConvVae>
Napi::Value CreateConvVae(const Napi::CallbackInfo& info) {
  return startTorchCall(info, "sda:createConvVae", [&](std::vector<Napi::Value>& keepAlive) {
    if (info.Length() != 2 || !info[1].IsArray()) {
      throw NativeFailure(kErrInvalidArgument, "createConvVae(config, tensors): tensors must be an array");
    }
    Napi::Object cfg = objectValue(info[0], "config");
    ConvVaeConfig config;
    config.distill = cfg.Get("distill").ToBoolean().Value();
    config.latentDim = intValue(cfg.Get("latentDim"), "config.latentDim");
    config.nMels = intValue(cfg.Get("nMels"), "config.nMels");
    config.frames = intValue(cfg.Get("frames"), "config.frames");
    config.device = stringValue(cfg.Get("device"), "config.device");

    Napi::Array list = info[1].As<Napi::Array>();
    std::vector<TensorInput> tensors;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      const std::string where = "tensors[" + std::to_string(i) + "]";
      Napi::Object t = objectValue(list.Get(i), where);
      TensorInput in;
      in.key = stringValue(t.Get("key"), where + ".key");
      in.dtype = stringValue(t.Get("dtype"), where + ".dtype");
      in.shape = intArray(t.Get("shape"), where + ".shape");
      Napi::Value data = t.Get("data");
      if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw NativeFailure(kErrInvalidArgument, "tensor " + in.key + ": data must be a Uint8Array");
      }
      auto bytes = data.As<Napi::Uint8Array>();
      // No copy here: the LibTorch thread reads the file's bytes in place (kept alive below) and copies
      // each tensor once, into LibTorch memory on the device.
      in.data = bytes.Data();
      in.nbytes = bytes.ByteLength();
      keepAlive.push_back(data);
      tensors.push_back(std::move(in));
    }
    return [config, tensors = std::move(tensors)]() { return ConvVae::create(config, tensors); };
  }, [](Napi::Env e, std::shared_ptr<ConvVae>& model) -> Napi::Value {
    Napi::Object obj = addonData(e).convVaeClass.New({});
    NativeConvVae::Unwrap(obj)->attach(std::move(model));
    return obj;
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
