// The FFTs of Griffin-Lim's blocks (griffin_lim_loops.cc), one object per thread. Torch side only.
#pragma once

#include <ATen/ops/fft_irfft.h>
#include <ATen/ops/fft_rfft.h>
#include <ATen/ops/from_blob.h>
#include <c10/util/complex.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "mkl_dft.h"

namespace sda {

// The FFTs of the blocks one thread works on, each call on that thread: frames [count, nFft] <-> rows
// [count, nFft/2 + 1] complex, in buffers reused from block to block and iteration to iteration. MKL's
// descriptors (mkl_dft.h) are committed once per size met (a call meets two at most: whole blocks and the
// last); where LibTorch has no MKL, at::fft does the work. The inverse is unscaled (nFft times istft's
// frames): the caller's window carries the 1/nFft.
class BlockFft {
 public:
  BlockFft(int64_t n, int64_t maxCount)
      : n_(n), f_(n / 2 + 1), real_(static_cast<size_t>(maxCount * n)), complex_(static_cast<size_t>(maxCount * 2 * f_)) {}

  // The buffer forward() reads its frames from.
  float* frames() { return real_.data(); }

  // The spectra of the first `count` frames in frames(): rows of interleaved complex values.
  const float* forward(int64_t count) {
    if (RealDft* d = dft(count)) {
      d->forward(real_.data(), complex_.data());
      return complex_.data();
    }
    held_ = at::fft_rfft(at::from_blob(real_.data(), {count, n_}, at::kFloat), c10::nullopt, -1).contiguous();
    return reinterpret_cast<const float*>(held_.data_ptr<c10::complex<float>>());
  }

  // The unscaled inverse transforms of `count` rows of `spec` (interleaved complex [count, nFft/2 + 1]).
  const float* inverse(const float* spec, int64_t count) {
    if (RealDft* d = dft(count)) {
      d->backward(spec, real_.data());
      return real_.data();
    }
    at::Tensor in = at::from_blob(const_cast<float*>(spec), {count, f_}, at::kComplexFloat);
    held_ = at::fft_irfft(in, n_, -1, "forward").contiguous();  // "forward": the inverse unscaled
    return held_.data_ptr<float>();
  }

 private:
  RealDft* dft(int64_t count) {
    if (!RealDft::available()) return nullptr;
    for (auto& d : dfts_) {
      if (d->count() == count) return d.get();
    }
    dfts_.push_back(std::make_unique<RealDft>(n_, count, 1));
    return dfts_.back().get();
  }

  int64_t n_, f_;
  std::vector<float> real_, complex_;
  std::vector<std::unique_ptr<RealDft>> dfts_;
  at::Tensor held_;  // the at::fft result being read (no MKL)
};

}  // namespace sda
