// Spectrogram maths of SPEC 4 on a device, behind a plain C++ interface (no torch headers here):
// torchaudio's HTK mel filterbank, MelSpectrogram + log1p, inverse mel and Griffin-Lim.
// Implementation: spectrogram.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridge.h"

namespace sda {

struct SpectrogramConfig {
  int64_t sampleRate = 48000;
  int64_t nFft = 2048;
  int64_t hopLength = 512;
  int64_t nMels = 128;
  double fMin = 0.0;
  double fMax = -1.0;  // < 0: sampleRate / 2 (f_max None)
  std::string device = "cpu";
};

struct InvertOptions {
  // Linear spectrogram from mel: "lstsq" (torch.linalg.lstsq, driver gels, as the Python app) or "pinv"
  // (a pseudo-inverse computed once per config, then a matrix product).
  std::string solver = "pinv";
  int64_t nIter = 64;
  double momentum = 0.99;
  // Initial phases, complex64 interleaved [B, F, T, 2]; empty means ones (rand_init=False).
  std::vector<float> phases;
  // One Griffin-Lim call per batch item, exactly as torchaudio runs it on one chunk (bit-for-bit with the
  // Python app); otherwise the whole batch at once.
  bool perItem = false;
  // On CPU, the loop-level Griffin-Lim (griffin_lim.cc): same algorithm, several times faster, not
  // bit-identical to torchaudio's.
  bool fast = false;
  // Initial phase: "phases" (the phases above, or ones) or "pghi" (from the magnitude itself by
  // phase-gradient heap integration; `phases` is then not used).
  std::string init = "phases";
  // Stop early once the spectral convergence improves by less than this (relative) over `stopWindow`
  // iterations, after at least `minIter` (StopRule in griffin_lim.h); 0 runs all nIter iterations.
  double tolerance = 0.0;
  int64_t stopWindow = 8;
  int64_t minIter = 0;
};

class Spectrogram {
 public:
  // Checks the config and returns at once, on any thread: the LibTorch work (filterbank, pseudo-inverse,
  // window, device copies) happens on the first call below, which must run on the LibTorch thread.
  static std::shared_ptr<Spectrogram> create(const SpectrogramConfig& config);
  ~Spectrogram();

  int64_t nFreqs() const;
  // [nFreqs, nMels], as torchaudio.functional.melscale_fbanks(norm=None, mel_scale="htk").
  FloatTensor filterbank();
  // waveform [B, N] -> log1p(mel) [B, nMels, N / hop + 1].
  FloatTensor melSpectrogram(const std::vector<float>& waveform, int64_t batch, int64_t length);
  // |STFT(waveform)| [B, nFreqs, N / hop + 1] (centre, reflect padding, periodic Hann window).
  FloatTensor magnitude(const std::vector<float>& waveform, int64_t batch, int64_t length);
  // linear mel [B, nMels, T] -> relu(least squares) [B, nFreqs, T].
  FloatTensor inverseMel(const std::vector<float>& mel, int64_t batch, int64_t frames, const std::string& solver);
  // power spectrogram [B, nFreqs, T] -> waveform [B, (T - 1) * hop]. Needs hop * (T - 1) > nFft / 2
  // (NativeFailure kErrInvalidArgument otherwise), as melToWaveform. Both set `iterations` of the result
  // to the iterations each item ran.
  FloatTensor griffinLim(const std::vector<float>& spec, int64_t batch, int64_t frames, const InvertOptions& o);
  // log1p-mel [B, nMels, T] -> waveform: expm1(clamp(mel, 0)), inverse mel, Griffin-Lim (SPEC 4).
  FloatTensor melToWaveform(const std::vector<float>& mel, int64_t batch, int64_t frames, const InvertOptions& o);

 private:
  struct Impl;
  explicit Spectrogram(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sda
