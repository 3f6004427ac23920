// Griffin-Lim of the default (non Python-compatible) inversion: the initial phase from the magnitude
// (phase-gradient heap integration), the CPU loop implementation, and the convergence-based stopping
// rule shared with the device path. Torch side only (spectrogram.cc is its one user).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace sda {

struct StftGeometry {
  int64_t nFft = 2048;
  int64_t hop = 512;
};

// When to stop iterating early: after at least `minIter` iterations, once the spectral convergence of the
// current estimate, || |STFT(x)| - S || / || S ||, has improved by no more than `tolerance` (relative) over
// the last `window` iterations. tolerance 0 runs every iteration asked for.
struct StopRule {
  double tolerance = 0.0;
  int64_t window = 8;
  int64_t minIter = 0;
  // true when iterating should stop after the measurement `sc[k]` (sc holds one value per iteration).
  bool done(const std::vector<double>& sc) const;
};

// Phase-gradient heap integration (Prusa, Balazs, Sondergaard 2017) for magnitudes `mag` [B, T, F]
// (frames major, CPU, float): the phase that a signal with these magnitudes would have, from the
// gradients of the log-magnitude, for the periodic Hann window of length nFft and torch.stft's phase
// convention. Bins more than 100 dB under the item's peak get phase 0. Returns e^{i phase}, complex
// [B, T, F] on the CPU. Items run in parallel; O(B T F) time and memory, no sorting.
at::Tensor pghiPhases(const at::Tensor& mag, const StftGeometry& g);

// Fast Griffin-Lim (momentum `momentum`, torchaudio's form) on the CPU from the complex spectrum `start`
// [B, T, F] (the first estimate: magnitude times initial phase) towards magnitudes `mag` [B, T, F], as
// plain loops around LibTorch's FFTs. Writes each item's iteration count to `iterations` and returns
// waveforms [B, hop * (T - 1)]. Needs an even nFft and hop * (T - 1) > nFft / 2 (checked by the caller).
at::Tensor griffinLimLoops(const at::Tensor& mag, const at::Tensor& start, const at::Tensor& window, const StftGeometry& g,
                           int64_t nIter, double momentum, const StopRule& stop, std::vector<int64_t>& iterations);

}  // namespace sda
