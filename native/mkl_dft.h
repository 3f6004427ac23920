// Real FFTs of many frames through MKL's DFTI interface, the FFT library inside x86 LibTorch builds, with
// descriptors committed once per Griffin-Lim call rather than once per FFT (what at::fft_rfft and
// at::fft_irfft do), into buffers the caller reuses. Torch side only (griffin_lim.cc is its one user).
// Where LibTorch carries no MKL (ARM, macOS builds), available() is false and callers use at::fft.
#pragma once

#include <cstdint>
#include <vector>

namespace sda {

class RealDft {
 public:
  // Whether LibTorch's MKL DFTI functions were found in this process (looked up once), and not turned
  // off with SDA_MKL_DFT=0.
  static bool available();

  // `count` transforms of length `n` per call, computed by at most `threads` threads (1 inside a parallel
  // region of the caller). Throws NativeFailure when MKL refuses the configuration.
  RealDft(int64_t n, int64_t count, int64_t threads);
  ~RealDft();
  RealDft(const RealDft&) = delete;
  RealDft& operator=(const RealDft&) = delete;

  int64_t count() const { return count_; }

  // in: count frames of n reals; out: count rows of n/2+1 complex values (interleaved re, im). Unscaled.
  void forward(const float* in, float* out);
  // in: count rows of n/2+1 complex values; out: count frames of n reals. Unscaled: n times the inverse
  // (the caller folds 1/n into its window). `in` is left as it was.
  void backward(const float* in, float* out);

 private:
  void* forward_ = nullptr;
  void* backward_ = nullptr;
  int64_t count_ = 0;
};

}  // namespace sda
