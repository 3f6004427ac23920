// torchaudio's sinc resampling on LibTorch, op for op (see resample.h).
#include "resample.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/conv1d.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/where.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "bridge.h"
#include "host_tensor.h"
#include "torch_device.h"
#include "torch_errors.h"

namespace sda {

FloatTensor resample(const std::vector<float>& waveform, int64_t batch, int64_t length, int64_t origRate,
                     int64_t newRate, const std::string& deviceName) {
  checkedRange(origRate, limits::kSampleRateMin, limits::kSampleRateMax, "resample: origRate");
  checkedRange(newRate, limits::kSampleRateMin, limits::kSampleRateMax, "resample: newRate");
  if (batch < 1 || length < 0) throw NativeFailure(kErrInvalidArgument, "resample: batch must be positive, length not negative");
  // torchaudio.functional._get_sinc_resample_kernel (sinc_interp_hann): its geometry, then the kernel
  // [neu, 1, 2 * width + orig] bounded before anything is built.
  const int64_t g = std::gcd(origRate, newRate);
  const int64_t orig = origRate / g, neu = newRate / g;
  const double lowpassWidth = 6, rolloff = 0.99;
  const double baseFreq = std::min(orig, neu) * rolloff;
  const int64_t width = static_cast<int64_t>(std::ceil(lowpassWidth * orig / baseFreq));
  if (static_cast<double>(neu) * static_cast<double>(2 * width + orig) > static_cast<double>(1 << 24)) {
    throw NativeFailure(kErrInvalidArgument, "resample: " + std::to_string(origRate) + " Hz -> " + std::to_string(newRate) +
                                                 " Hz needs a resampling kernel of more than 2^24 elements");
  }
  return inferenceCall([&] {
    const c10::Device device = requireDevice(deviceName);
    at::Tensor x = fromHost(waveform, {batch, length}, device);
    if (origRate == newRate) return toHost(x);
    // The kernel, computed in float64 then float32.
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    at::Tensor idx = at::arange(-width, width + orig, f64).unsqueeze(0).unsqueeze(0) / static_cast<double>(orig);
    // int64 / int is float32 in torch; the sum with idx promotes to float64, as in torchaudio.
    at::Tensor t = (at::arange(0, -neu, -1, at::TensorOptions().dtype(at::kLong)) / static_cast<double>(neu)).unsqueeze(1).unsqueeze(2) + idx;
    t = (t * baseFreq).clamp(-lowpassWidth, lowpassWidth);
    at::Tensor window = at::cos(t * M_PI / lowpassWidth / 2).pow(2);
    t = t * M_PI;
    const double scale = baseFreq / orig;
    at::Tensor kernels = at::where(t == 0, at::scalar_tensor(1.0, f64), t.sin() / t);
    kernels = (kernels * (window * scale)).to(at::kFloat).to(device);
    // _apply_sinc_resample_kernel
    at::Tensor padded = at::pad(x, {width, width + orig});
    at::Tensor out = at::conv1d(padded.unsqueeze(1), kernels, {}, orig);
    out = out.transpose(1, 2).reshape({batch, -1});
    const int64_t target = static_cast<int64_t>(std::ceil(static_cast<double>(neu) * length / orig));
    return toHost(out.slice(1, 0, target));
  });
}

}  // namespace sda
