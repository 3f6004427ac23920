// ConvVAE forward passes with functional ATen ops (per-op headers keep this file's compile time low).
// Eval mode throughout: BatchNorm uses running statistics, Dropout2d is the identity.
#include "convvae.h"

#include <omp.h>

#include <ATen/core/Tensor.h>
#include <ATen/Parallel.h>
#include <ATen/ops/batch_norm.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/clamp.h>
#include <ATen/ops/constant_pad_nd.h>
#include <ATen/ops/conv2d.h>
#include <ATen/ops/conv_transpose2d.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/linear.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/sigmoid.h>
#include <ATen/ops/softplus.h>
#include <c10/core/Device.h>

#include <atomic>
#include <map>

#include "bridge.h"
#include "host_tensor.h"
#include "torch_device.h"
#include "torch_errors.h"

namespace sda {
namespace {

constexpr double kBnEps = 1e-5;  // nn.BatchNorm2d default

c10::ScalarType scalarType(const std::string& dtype, const std::string& key) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "float64") return at::kDouble;
  if (dtype == "float16") return at::kHalf;
  if (dtype == "bfloat16") return at::kBFloat16;
  if (dtype == "int64") return at::kLong;
  if (dtype == "int32") return at::kInt;
  throw NativeFailure(kErrInvalidArgument, "state dict entry " + key + " has unsupported dtype " + dtype);
}

struct BatchNorm {
  at::Tensor weight, bias, mean, var;
  at::Tensor operator()(const at::Tensor& x) const {
    return at::batch_norm(x, weight, bias, mean, var, /*training=*/false, /*momentum=*/0.1, kBnEps,
                          /*cudnn_enabled=*/true);
  }
};

struct Conv {
  at::Tensor weight, bias;
};

std::string shapeString(at::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

struct ConvVae::Impl {
  ConvVaeConfig config;
  c10::Device device{c10::kCPU};
  int64_t h = 0, w = 0;  // latent grid: padded (nMels, frames) / 16
  bool hasEncoder = false;
  int64_t weightBytes = 0;
  Conv enc[4];
  BatchNorm encBn[4];
  at::Tensor fcMuW, fcMuB, fcLogvarW, fcLogvarB;
  at::Tensor decFcW, decFcB;
  Conv dec[4];
  BatchNorm decBn[3];
};

ConvVae::ConvVae(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConvVae::~ConvVae() = default;

bool ConvVae::hasEncoder() const { return impl_->hasEncoder; }
int64_t ConvVae::weightBytes() const { return impl_->weightBytes; }
const ConvVaeConfig& ConvVae::config() const { return impl_->config; }

std::shared_ptr<ConvVae> ConvVae::create(const ConvVaeConfig& config, const std::vector<TensorInput>& tensors) {
  // Far above any trained model; keeps every product below bounds.
  checkedRange(config.latentDim, limits::kConvVaeSizeMin, limits::kConvVaeSizeMax, "createConvVae: latentDim");
  checkedRange(config.nMels, limits::kConvVaeSizeMin, limits::kConvVaeSizeMax, "createConvVae: nMels");
  checkedRange(config.frames, limits::kConvVaeSizeMin, limits::kConvVaeSizeMax, "createConvVae: frames");
  return translateTorchErrors([&] {
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    impl->device = requireDevice(config.device);
    impl->h = (config.nMels + 15) / 16;
    impl->w = (config.frames + 15) / 16;

    std::map<std::string, const TensorInput*> byKey;
    for (const auto& t : tensors) byKey[t.key] = &t;
    auto take = [&](const std::string& key) -> at::Tensor {
      auto it = byKey.find(key);
      if (it == byKey.end()) throw NativeFailure(kErrInvalidArgument, "state dict has no " + key);
      const TensorInput& t = *it->second;
      const auto type = scalarType(t.dtype, key);
      const int64_t numel = checkedElementCount(t.shape, "state dict entry " + key);
      if (static_cast<uint64_t>(numel) * c10::elementSize(type) != t.nbytes) {
        throw NativeFailure(kErrInvalidArgument, "state dict entry " + key + " has " + std::to_string(t.nbytes) +
                                                     " bytes, not the " + shapeString(t.shape) + " " + t.dtype + " it claims");
      }
      at::Tensor view = at::from_blob(const_cast<uint8_t*>(t.data), t.shape, at::TensorOptions().dtype(type));
      // The one copy: into LibTorch-owned float32 memory on the target device.
      impl->weightBytes += numel * static_cast<int64_t>(sizeof(float));
      return view.to(impl->device, at::kFloat, /*non_blocking=*/false, /*copy=*/true);
    };
    auto conv = [&](const std::string& p) { return Conv{take(p + ".weight"), take(p + ".bias")}; };
    auto bn = [&](const std::string& p) {
      return BatchNorm{take(p + ".weight"), take(p + ".bias"), take(p + ".running_mean"), take(p + ".running_var")};
    };

    impl->hasEncoder = byKey.count("encoder.fc_mu.weight") > 0;
    const int encIdx[4] = {0, 4, 8, 12};
    for (int i = 0; i < 4; ++i) {
      impl->enc[i] = conv("encoder.convs." + std::to_string(encIdx[i]));
      impl->encBn[i] = bn("encoder.convs." + std::to_string(encIdx[i] + 1));
    }
    if (impl->hasEncoder) {
      impl->fcMuW = take("encoder.fc_mu.weight");
      impl->fcMuB = take("encoder.fc_mu.bias");
      impl->fcLogvarW = take("encoder.fc_logvar.weight");
      impl->fcLogvarB = take("encoder.fc_logvar.bias");
    }
    impl->decFcW = take("decoder.fc.weight");
    impl->decFcB = take("decoder.fc.bias");
    const int decIdx[4] = {0, 4, 8, 12};
    for (int i = 0; i < 4; ++i) impl->dec[i] = conv("decoder.deconvs." + std::to_string(decIdx[i]));
    for (int i = 0; i < 3; ++i) impl->decBn[i] = bn("decoder.deconvs." + std::to_string(decIdx[i] + 1));

    const int64_t flat = 256 * impl->h * impl->w;
    if (impl->decFcW.sizes() != at::IntArrayRef({flat, config.latentDim})) {
      throw NativeFailure(kErrInvalidArgument, "decoder.fc.weight is " + shapeString(impl->decFcW.sizes()) +
                                                   ", expected " + shapeString({flat, config.latentDim}));
    }
    return std::shared_ptr<ConvVae>(new ConvVae(std::move(impl)));
  });
}

FloatTensor ConvVae::decode(const std::vector<float>& z, int64_t batch, int64_t outH, int64_t outW, bool each) {
  const Impl& m = *impl_;
  if (outH < 1 || outW < 1) throw NativeFailure(kErrInvalidArgument, "decode: outH and outW must be positive");
  if (batch < 1 || static_cast<int64_t>(z.size()) != checkedElementCount({batch, m.config.latentDim}, "decode")) {
    throw NativeFailure(kErrInvalidArgument, "decode: z must hold batch * latentDim floats");
  }
  const int64_t d = m.config.latentDim;
  // The decoder on latents x [b, latentDim] (on the model's device), cropped to outH x outW.
  auto decodeOn = [&m, outH, outW](at::Tensor x) {
    const int64_t b = x.size(0);
    x = at::linear(x, m.decFcW, m.decFcB).view({b, 256, m.h, m.w});
    for (int i = 0; i < 3; ++i) {
      x = at::conv_transpose2d(x, m.dec[i].weight, m.dec[i].bias, /*stride=*/2, /*padding=*/1, /*output_padding=*/1);
      x = at::relu(m.decBn[i](x));
    }
    x = at::conv_transpose2d(x, m.dec[3].weight, m.dec[3].bias, 2, 1, 1);
    x = m.config.distill ? at::softplus(x) : at::sigmoid(x);
    return x.slice(2, 0, std::min(outH, x.size(2))).slice(3, 0, std::min(outW, x.size(3)));
  };
  auto latents = [&](int64_t b0, int64_t n) {
    return at::from_blob(const_cast<float*>(z.data()) + b0 * d, {n, d}, at::kFloat).to(m.device);
  };
  return inferenceCall([&] {
    std::vector<at::Tensor> outs;
    if (!each) {
      outs.push_back(decodeOn(latents(0, batch)));
    } else if (m.device.type() != at::kCPU) {
      for (int64_t b = 0; b < batch; ++b) outs.push_back(decodeOn(latents(b, 1)));
    } else {
      // On the CPU, inside a parallel region of at least two threads even for one latent: nested
      // parallelism is then off, so every op of every decode runs on one thread, whatever the batch.
      // Each thread takes the next latent not yet taken, so a thread the machine's other work keeps off
      // its core decodes fewer instead of holding the others up at the end.
      const int threads = static_cast<int>(std::max<int64_t>(2, std::min<int64_t>(batch, at::get_num_threads())));
      outs.resize(static_cast<size_t>(batch));
      std::vector<std::string> errors(static_cast<size_t>(threads));
      std::atomic<int64_t> next{0};
#pragma omp parallel num_threads(threads)
      {
        const int t = omp_get_thread_num();
        try {
          inferenceCall([&] {
            for (int64_t b = next++; b < batch; b = next++) outs[b] = decodeOn(latents(b, 1));
          });
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      }
      for (const auto& e : errors) {
        if (!e.empty()) throw NativeFailure(kErrNative, e);
      }
    }
    return toHost(outs.size() == 1 ? outs[0] : at::cat(outs, 0));
  });
}

EncodeResult ConvVae::encode(const std::vector<float>& mel, int64_t batch, int64_t h, int64_t w) {
  const Impl& m = *impl_;
  if (!m.hasEncoder) {
    throw NativeFailure(kErrInvalidArgument, "this model has no encoder weights (it was only ever sampled)");
  }
  if (batch < 1 || h < 1 || w < 1 || static_cast<int64_t>(mel.size()) != checkedElementCount({batch, h, w}, "encode")) {
    throw NativeFailure(kErrInvalidArgument, "encode: mel must hold batch * h * w floats");
  }
  return inferenceCall([&] {
    at::Tensor x = at::from_blob(const_cast<float*>(mel.data()), {batch, 1, h, w}, at::kFloat).to(m.device);
    const int64_t padH = (16 - h % 16) % 16, padW = (16 - w % 16) % 16;
    if (padH || padW) x = at::constant_pad_nd(x, {0, padW, 0, padH}, 0);
    for (int i = 0; i < 4; ++i) {
      x = at::conv2d(x, m.enc[i].weight, m.enc[i].bias, /*stride=*/2, /*padding=*/1);
      x = at::relu(m.encBn[i](x));
    }
    x = x.flatten(1);
    at::Tensor mu = at::linear(x, m.fcMuW, m.fcMuB);
    at::Tensor logvar = at::linear(x, m.fcLogvarW, m.fcLogvarB);
    if (m.config.distill) logvar = at::clamp(logvar, -20.0, 20.0);
    mu = mu.to(at::kCPU).contiguous();
    logvar = logvar.to(at::kCPU).contiguous();
    EncodeResult r;
    r.mu.assign(mu.data_ptr<float>(), mu.data_ptr<float>() + mu.numel());
    r.logvar.assign(logvar.data_ptr<float>(), logvar.data_ptr<float>() + logvar.numel());
    return r;
  });
}

}  // namespace sda
