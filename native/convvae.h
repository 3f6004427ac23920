// The ConvVAE of SPEC section 3, in eval mode, behind a plain C++ interface (no torch headers here, so
// the N-API glue that includes this compiles fast). Implementation: convvae.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridge.h"

namespace sda {

// One state-dict entry handed over from JavaScript. `data` points at row-major bytes that stay alive
// until ConvVae::create returns (the glue holds a reference to the JS buffer meanwhile).
struct TensorInput {
  std::string key;
  std::string dtype;  // "float32", "float64", "float16", "bfloat16", "int64", ...
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
};

struct ConvVaeConfig {
  // `distill_model`: Softplus output and logvar clamped to [-20, 20]; `sda_model`: Sigmoid, no clamp.
  bool distill = false;
  int64_t latentDim = 64;
  int64_t nMels = 128;
  int64_t frames = 94;  // T: one second of mel frames
  std::string device = "cpu";
};

struct EncodeResult {
  std::vector<float> mu, logvar;  // [B, latentDim] each
};

class ConvVae {
 public:
  // Copies the weights onto the device (one copy per tensor); throws NativeFailure on bad input.
  static std::shared_ptr<ConvVae> create(const ConvVaeConfig& config, const std::vector<TensorInput>& tensors);
  ~ConvVae();

  // z: [batch, latentDim]. Output cropped to [batch, 1, min(outH, H), min(outW, W)] (H x W = padded size).
  // Returns [B, 1, H, W]. `each`: every latent decoded on its own by one thread (on the CPU, the latents
  // spread over the threads), so a latent's mel does not depend on the batch it came in, nor on the
  // number of threads; otherwise one batched forward pass, whose last bits do depend on the batch.
  FloatTensor decode(const std::vector<float>& z, int64_t batch, int64_t outH, int64_t outW, bool each = false);
  // mel: [batch, 1, h, w], log1p-mel values.
  EncodeResult encode(const std::vector<float>& mel, int64_t batch, int64_t h, int64_t w);

  bool hasEncoder() const;
  // Bytes of weights held on the device (reported to V8 as external memory while a JS object owns them).
  int64_t weightBytes() const;
  const ConvVaeConfig& config() const;

 private:
  struct Impl;
  explicit ConvVae(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sda
