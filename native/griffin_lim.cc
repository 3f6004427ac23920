// The default mode's Griffin-Lim on the CPU (see griffin_lim.h). Compiled with -fno-math-errno (CMakeLists,
// binding.gyp) so that the square roots of the per-bin loops vectorise; nothing here reads errno.
#include "griffin_lim.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/fft_irfft.h>
#include <ATen/ops/fft_rfft.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/zeros.h>
#include <c10/util/complex.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "bridge.h"
#include "mkl_dft.h"

namespace sda {

bool StopRule::done(const std::vector<double>& sc) const {
  const int64_t k = static_cast<int64_t>(sc.size());
  if (tolerance <= 0 || k < std::max(minIter, window + 1)) return false;
  const double now = sc[k - 1], before = sc[k - 1 - window];
  return before - now <= tolerance * now;
}

namespace {

using cfloat = c10::complex<float>;
constexpr double kTwoPi = 6.283185307179586;
constexpr double kPi = 3.141592653589793;
// Hann's time-frequency spread in PGHI's Gaussian approximation: lambda = 0.25645 * L^2 (Prusa et al.).
constexpr double kHannLambda = 0.25645;
// Bins more than this far under an item's peak (in log magnitude: 100 dB) are left at phase 0.
const double kLogFloor = -11.512925464970229;  // log(1e-5)
// Buckets of the approximate max-heap: 0.4 dB each over the 100 dB range.
constexpr int kBuckets = 256;
// Frames per FFT call of the loops: a long item is worked in blocks this size (cache-sized, and few
// enough calls that the FFT's per-call setup stays small next to its work).
constexpr int64_t kBlockFrames = 128;
// Frames per phase-gradient integration (see pghiPhases).
constexpr int64_t kPghiFrames = 1024;

// x wrapped into [-pi, pi] (near enough: an initial phase), without a libm call.
inline double wrapPhase(double x) {
  const double turns = x * (1.0 / kTwoPi);
  return x - kTwoPi * static_cast<double>(static_cast<int64_t>(turns + (turns >= 0 ? 0.5 : -0.5)));
}

// sin(x) for x in about [-pi, pi], within 4e-6: folded onto [-pi/2, pi/2], then its Taylor polynomial to
// x^9. Branch-free, so the loops calling it vectorise (libm's sinf and cosf do not); an initial phase
// needs no more.
inline float sinApprox(float x) {
  const float halfPi = static_cast<float>(kPi / 2), pi = static_cast<float>(kPi);
  x = x > halfPi ? pi - x : x;
  x = x < -halfPi ? -pi - x : x;
  const float x2 = x * x;
  return x * (1.f + x2 * (-1.f / 6 + x2 * (1.f / 120 + x2 * (-1.f / 5040 + x2 * (1.f / 362880)))));
}

// One item of pghiPhases: mag [T, F] -> out [T, F]. The bins sit in a grid with a border of one settled
// bin on every side, so the walk needs no bounds checks; the gradients are computed in whole-array passes
// first, so the walk itself only adds two numbers per bin.
void pghiItem(const float* mag, int64_t T, int64_t F, const StftGeometry& g, cfloat* out) {
  const int64_t W = F + 2, n = (T + 2) * W;  // grid width and size; bin (t, f) is at (t + 1) * W + f + 1
  std::vector<float> s(static_cast<size_t>(n), 0.f);
  float peak = -std::numeric_limits<float>::infinity();
  for (int64_t t = 0; t < T; ++t) {
    float* st = s.data() + (t + 1) * W + 1;
    const float* mt = mag + t * F;
    for (int64_t f = 0; f < F; ++f) {
      st[f] = std::log(mt[f] > 1e-30f ? mt[f] : 1e-30f);  // NaN counts as silent
      peak = std::max(peak, st[f]);
    }
  }
  if (!std::isfinite(peak)) {  // non-finite magnitudes: nothing to integrate
    std::fill(out, out + T * F, cfloat(1.f, 0.f));
    return;
  }
  const float floor = static_cast<float>(peak + kLogFloor);
  for (int64_t t = 0; t < T; ++t) {
    float* st = s.data() + (t + 1) * W + 1;
    for (int64_t f = 0; f < F; ++f) st[f] = std::max(st[f], floor);
  }
  const double lambda = kHannLambda * static_cast<double>(g.nFft) * static_cast<double>(g.nFft);
  const double a = static_cast<double>(g.hop), M = static_cast<double>(g.nFft);
  const float tScale = static_cast<float>(a * M / lambda), fScale = static_cast<float>(lambda / (a * M));
  // The phase's advance per frame (instantaneous frequency: bin frequency plus tScale times the log
  // magnitude's slope along frequency) and per bin (pi minus fScale times its slope along time: the local
  // group delay; the pi is torch.stft's frame-start phase reference, (-1)^m against a centred window).
  // Centred differences, one-sided at the edges.
  std::vector<float> perFrame(static_cast<size_t>(n), 0.f), perBin(static_cast<size_t>(n), 0.f);
  for (int64_t t = 0; t < T; ++t) {
    const float* st = s.data() + (t + 1) * W + 1;
    float* pf = perFrame.data() + (t + 1) * W + 1;
    for (int64_t f = 0; f < F; ++f) {
      const int64_t lo = f > 0 ? f - 1 : 0, hi = f + 1 < F ? f + 1 : F - 1;
      const float slope = hi > lo ? (st[hi] - st[lo]) / static_cast<float>(hi - lo) : 0.f;
      pf[f] = static_cast<float>(kTwoPi * a * static_cast<double>(f) / M) + tScale * slope;
    }
    const int64_t tLo = t > 0 ? t - 1 : 0, tHi = t + 1 < T ? t + 1 : T - 1;
    const float* sLo = s.data() + (tLo + 1) * W + 1;
    const float* sHi = s.data() + (tHi + 1) * W + 1;
    const float inv = tHi > tLo ? 1.f / static_cast<float>(tHi - tLo) : 0.f;
    float* pb = perBin.data() + (t + 1) * W + 1;
    for (int64_t f = 0; f < F; ++f) pb[f] = static_cast<float>(kPi) - fScale * (sHi[f] - sLo[f]) * inv;
  }
  // Approximate max-heap: buckets of equal log magnitude (0 the loudest), each a LIFO list threaded
  // through `nextQ`; the seeds (where a walk starts) are all bins, listed by bucket through `nextSeed`.
  const float toBucket = static_cast<float>(kBuckets) / (peak - floor);
  std::vector<uint8_t> bucket(static_cast<size_t>(n), 0), done(static_cast<size_t>(n), 1);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t j = (t + 1) * W + 1, end = j + F; j < end; ++j) {
      const int b = static_cast<int>((peak - s[j]) * toBucket);
      bucket[j] = static_cast<uint8_t>(std::min(kBuckets - 1, std::max(0, b)));
      done[j] = s[j] <= floor;  // too quiet to integrate: phase 0
    }
  }
  std::vector<float>& phase = s;  // the log magnitude is not needed past here
  std::fill(phase.begin(), phase.end(), 0.f);
  std::vector<int32_t> nextQ(static_cast<size_t>(n), -1), nextSeed(static_cast<size_t>(n), -1);
  std::vector<int32_t> qHead(kBuckets, -1), seedHead(kBuckets, -1);
  for (int64_t i = n - 1; i >= 0; --i) {
    if (done[i]) continue;
    nextSeed[i] = seedHead[bucket[i]];
    seedHead[bucket[i]] = static_cast<int32_t>(i);
  }
  int cur = kBuckets;  // no bucket under `cur` holds anything
  auto settle = [&](int64_t i, float ph) {
    phase[i] = ph;
    done[i] = 1;
    const int b = bucket[i];
    nextQ[i] = qHead[b];
    qHead[b] = static_cast<int32_t>(i);
    cur = std::min(cur, b);
  };
  int seedBucket = 0;
  int32_t seed = seedHead[0];
  for (;;) {
    while (cur < kBuckets && qHead[cur] < 0) ++cur;
    if (cur == kBuckets) {
      // The queue is empty: start again from the loudest bin not reached yet, at phase 0.
      while (seedBucket < kBuckets && (seed < 0 || done[seed])) {
        if (seed >= 0) seed = nextSeed[seed];
        else if (++seedBucket < kBuckets) seed = seedHead[seedBucket];
      }
      if (seedBucket == kBuckets) break;
      settle(seed, 0.f);
      continue;
    }
    const int64_t i = qHead[cur];
    qHead[cur] = nextQ[i];
    // Phases stay wrapped: summed over thousands of frames, unwrapped ones would lose their precision.
    const double p = phase[i];
    if (!done[i + W]) settle(i + W, static_cast<float>(wrapPhase(p + 0.5 * (perFrame[i] + perFrame[i + W]))));
    if (!done[i - W]) settle(i - W, static_cast<float>(wrapPhase(p - 0.5 * (perFrame[i] + perFrame[i - W]))));
    if (!done[i + 1]) settle(i + 1, static_cast<float>(wrapPhase(p + 0.5 * (perBin[i] + perBin[i + 1]))));
    if (!done[i - 1]) settle(i - 1, static_cast<float>(wrapPhase(p - 0.5 * (perBin[i] + perBin[i - 1]))));
  }
  const float halfPi = static_cast<float>(kPi / 2), pi = static_cast<float>(kPi), twoPi = static_cast<float>(kTwoPi);
  for (int64_t t = 0; t < T; ++t) {
    const float* pt = phase.data() + (t + 1) * W + 1;
    float* o = reinterpret_cast<float*>(out + t * F);
    for (int64_t f = 0; f < F; ++f) {
      const float x = pt[f];
      const float y = x + halfPi > pi ? x + halfPi - twoPi : x + halfPi;  // cos x = sin(x + pi/2)
      o[2 * f] = sinApprox(y);
      o[2 * f + 1] = sinApprox(x);
    }
  }
}

}  // namespace

at::Tensor pghiPhases(const at::Tensor& mag, const StftGeometry& g) {
  const int64_t B = mag.size(0), T = mag.size(1), F = mag.size(2);
  if ((kPghiFrames + 2) * (F + 2) >= std::numeric_limits<int32_t>::max()) {
    throw NativeFailure(kErrInvalidArgument, "phase-gradient integration: more than 2^31 bins in one segment");
  }
  at::Tensor m = mag.to(at::kCPU).to(at::kFloat).contiguous();
  at::Tensor out = at::empty({B, T, F}, at::TensorOptions().dtype(at::kComplexFloat));
  const float* mp = m.data_ptr<float>();
  cfloat* op = out.data_ptr<cfloat>();
  // A long item (a whole clip) is integrated in segments of kPghiFrames frames, each on its own, so the
  // walk's working set stays bounded and segments run in parallel (a 60 s clip: 0.48 s -> 0.33 s of CPU
  // time, spread over the threads); the segments are then turned to continue one another (below).
  const int64_t segments = (T + kPghiFrames - 1) / kPghiFrames;
  at::parallel_for(0, B * segments, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t b = i / segments, t0 = (i % segments) * kPghiFrames, t1 = std::min(T, t0 + kPghiFrames);
      pghiItem(mp + (b * T + t0) * F, t1 - t0, F, g, op + (b * T + t0) * F);
    }
  });
  if (segments == 1) return out;
  // Each segment's phases are known up to a constant: turn each by the constant that best continues the
  // one before it across their boundary (frame t0 predicted from frame t0 - 1 by the phase advance per
  // frame, weighted by magnitude), turns adding up along the item.
  std::vector<cfloat> turn(static_cast<size_t>(B * segments), cfloat(1.f, 0.f));
  const double a = static_cast<double>(g.hop), M = static_cast<double>(g.nFft);
  const double tScale = a * M / (kHannLambda * M * M);
  auto advance = [&](const float* row, int64_t f) {  // the phase advance per frame at bin f (pghiItem's, unfloored)
    const int64_t lo = f > 0 ? f - 1 : 0, hi = f + 1 < F ? f + 1 : F - 1;
    const double slope = hi > lo ? (std::log(std::max(row[hi], 1e-30f)) - std::log(std::max(row[lo], 1e-30f))) / static_cast<double>(hi - lo) : 0.0;
    return kTwoPi * a * static_cast<double>(f) / M + tScale * slope;
  };
  for (int64_t b = 0; b < B; ++b) {
    std::complex<double> total(1.0, 0.0);
    for (int64_t sgm = 1; sgm < segments; ++sgm) {
      const int64_t t0 = sgm * kPghiFrames;
      const float* before = mp + (b * T + t0 - 1) * F;
      const float* after = mp + (b * T + t0) * F;
      const cfloat* pb = op + (b * T + t0 - 1) * F;
      const cfloat* pa = op + (b * T + t0) * F;
      std::complex<double> z(0.0, 0.0);
      for (int64_t f = 0; f < F; ++f) {
        const double step = 0.5 * (advance(before, f) + advance(after, f));
        const std::complex<double> predicted = std::complex<double>(pb[f].real(), pb[f].imag()) * std::polar(1.0, step);
        z += static_cast<double>(before[f]) * after[f] * predicted * std::conj(std::complex<double>(pa[f].real(), pa[f].imag()));
      }
      if (std::abs(z) > 0) total *= z / std::abs(z);
      turn[b * segments + sgm] = cfloat(static_cast<float>(total.real()), static_cast<float>(total.imag()));
    }
  }
  at::parallel_for(0, B * segments, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t b = i / segments, t0 = (i % segments) * kPghiFrames, t1 = std::min(T, t0 + kPghiFrames);
      const cfloat r = turn[i];
      for (cfloat* p = op + (b * T + t0) * F, *end = op + (b * T + t1) * F; p < end; ++p) *p = *p * r;
    }
  });
  return out;
}

namespace {

// The FFTs of the blocks one thread works on: frames [count, nFft] <-> rows [count, nFft/2 + 1] complex,
// in buffers reused from block to block and iteration to iteration. MKL's descriptors (mkl_dft.h) are
// committed once per size met (a call meets two at most: whole blocks and the last); where LibTorch has
// no MKL, at::fft does the work. The inverse is unscaled (nFft times istft's frames): the caller's
// window carries the 1/nFft.
class BlockFft {
 public:
  BlockFft(int64_t n, int64_t maxCount, int64_t threads)
      : n_(n), f_(n / 2 + 1), threads_(threads), real_(static_cast<size_t>(maxCount * n)), complex_(static_cast<size_t>(maxCount * 2 * f_)) {}

  // The buffer forward() reads its frames from.
  float* frames() { return real_.data(); }

  // The spectra of the first `count` frames in frames(): rows of interleaved complex values.
  const float* forward(int64_t count) {
    if (RealDft* d = dft(count)) {
      d->forward(real_.data(), complex_.data());
      return complex_.data();
    }
    held_ = at::fft_rfft(at::from_blob(real_.data(), {count, n_}, at::kFloat), c10::nullopt, -1).contiguous();
    return reinterpret_cast<const float*>(held_.data_ptr<cfloat>());
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
    dfts_.push_back(std::make_unique<RealDft>(n_, count, threads_));
    return dfts_.back().get();
  }

  int64_t n_, f_, threads_;
  std::vector<float> real_, complex_;
  std::vector<std::unique_ptr<RealDft>> dfts_;
  at::Tensor held_;  // the at::fft result being read (no MKL)
};

}  // namespace

at::Tensor griffinLimLoops(const at::Tensor& mag, const at::Tensor& start, const at::Tensor& window, const StftGeometry& g,
                           int64_t nIter, double momentum, const StopRule& stop, std::vector<int64_t>& iterations) {
  const int64_t B = mag.size(0), T = mag.size(1), F = mag.size(2);
  const int64_t N = g.nFft, H = g.hop, pad = N / 2, L = H * (T - 1);
  at::Tensor winT = window.to(at::kCPU).to(at::kFloat).contiguous();
  const float* w = winT.data_ptr<float>();
  // The overlap-add's window with the inverse FFT's 1/nFft folded in (BlockFft's inverse is unscaled).
  std::vector<float> wInv(static_cast<size_t>(N));
  for (int64_t k = 0; k < N; ++k) wInv[k] = w[k] / static_cast<float>(N);
  std::vector<float> invEnv(static_cast<size_t>(L), 0.f);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < N; ++k) {
      const int64_t j = t * H + k - pad;
      if (j >= 0 && j < L) invEnv[j] += w[k] * w[k];
    }
  }
  for (auto& e : invEnv) e = e > 1e-11f ? 1.f / e : 0.f;
  const float c = static_cast<float>(momentum / (1 + momentum));

  // The frames of an item are processed in blocks of kBlockFrames, in a wavefront: block k's inverse FFTs
  // and overlap-add, then block k - 1's forward FFTs and update (its samples are complete once blocks
  // k - 2 .. k are added, as a block spans at least nFft samples). A long item (a whole clip) so works in
  // cache-sized pieces, touching each once per iteration, where whole-signal passes would stream
  // hundreds of MB through memory per iteration; within a block, the FFTs and loops use the threads.
  const int64_t blockFrames = std::max<int64_t>(kBlockFrames, (N + H - 1) / H);
  const int64_t nBlocks = (T + blockFrames - 1) / blockFrames;
  struct Item {
    const float* m;
    float* x;                        // the next estimate, magnitude times phase, interleaved complex [T, F]
    float* prev;                     // the previous rebuilt spectrum (momentum), interleaved complex [T, F]
    std::vector<float> y;            // the waveform before the window envelope [L]
    std::vector<double> rowErr, sc;  // the stopping rule's measure, per frame and per iteration
    double magNorm2 = 0;
    int64_t ran = 0;
  };
  at::Tensor X = start.contiguous().clone();
  // Blocks keep their rebuilt spectrum here rather than as their own tensors: blocks of the same size
  // allocated and freed in turn reuse the same memory instead of mapping fresh pages every time.
  at::Tensor prevAll = at::empty({B, T, F}, at::TensorOptions().dtype(at::kComplexFloat));
  at::Tensor magC = mag.contiguous();
  std::vector<Item> items(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    Item& it = items[b];
    it.m = magC.data_ptr<float>() + b * T * F;
    it.x = reinterpret_cast<float*>(X.data_ptr<cfloat>() + b * T * F);
    it.prev = reinterpret_cast<float*>(prevAll.data_ptr<cfloat>() + b * T * F);
    it.y.assign(static_cast<size_t>(L), 0.f);
    it.rowErr.assign(static_cast<size_t>(T), 0.0);
    for (int64_t i = 0; i < T * F; ++i) it.magNorm2 += static_cast<double>(it.m[i]) * it.m[i];
  }
  const bool measure = stop.tolerance > 0;
  // The first output sample past block k's frames.
  auto blockEnd = [&](int64_t k) { return std::min(L, (std::min(T, (k + 1) * blockFrames) - 1) * H - pad + N); };

  // y += the windowed inverse FFTs of block k's frames (the istft's overlap-add, before the envelope), on
  // samples zeroed first where no earlier block wrote.
  auto inverseBlock = [&](Item& it, int64_t k, BlockFft& fft) {
    const int64_t t0 = k * blockFrames, t1 = std::min(T, t0 + blockFrames);
    float* y = it.y.data();
    std::fill(y + (k > 0 ? blockEnd(k - 1) : 0), y + blockEnd(k), 0.f);
    const float* fr = fft.inverse(it.x + 2 * t0 * F, t1 - t0);
    const float* wi = wInv.data();
    const int64_t s0 = std::max<int64_t>(0, t0 * H - pad), s1 = blockEnd(k);
    // Over ranges of output samples, so the ranges can run in parallel.
    at::parallel_for(s0, s1, 8192, [&](int64_t j0, int64_t j1) {
      const int64_t ta = std::max(t0, (j0 + pad - N) / H), tb = std::min(t1 - 1, (j1 - 1 + pad) / H);
      for (int64_t t = ta; t <= tb; ++t) {
        const int64_t first = t * H - pad;
        const int64_t q0 = std::max<int64_t>(0, j0 - first), q1 = std::min<int64_t>(N, j1 - first);
        const float* f = fr + (t - t0) * N;
        for (int64_t q = q0; q < q1; ++q) y[first + q] += f[q] * wi[q];
      }
    });
  };
  // Block k's frames of istft(X) (y times the envelope), reflect-padded as torch.stft pads, windowed and
  // FFT'd; then the measure and the update of X for those frames.
  auto forwardBlock = [&](Item& it, int64_t k, BlockFft& fft) {
    const int64_t t0 = k * blockFrames, t1 = std::min(T, t0 + blockFrames);
    float* f2 = fft.frames();
    const float* y = it.y.data();
    const float* env = invEnv.data();
    at::parallel_for(t0, t1, 8, [&](int64_t ta, int64_t tb) {
      for (int64_t t = ta; t < tb; ++t) {
        const int64_t first = t * H - pad;
        float* dst = f2 + (t - t0) * N;
        if (first >= 0 && first + N <= L) {
          for (int64_t q = 0; q < N; ++q) dst[q] = y[first + q] * env[first + q] * w[q];
          continue;
        }
        for (int64_t q = 0; q < N; ++q) {
          int64_t j = first + q;
          if (j < 0) j = -j;
          else if (j >= L) j = 2 * (L - 1) - j;
          dst[q] = y[j] * env[j] * w[q];
        }
      }
    });
    const float* rBlock = fft.forward(t1 - t0);
    float* pBlock = it.prev + 2 * t0 * F;
    // Before the first update there is no previous spectrum: v = R (c 0 against R itself).
    const bool first = it.ran == 0;
    const float ce = first ? 0.f : c;
    at::parallel_for(t0, t1, 8, [&](int64_t ta, int64_t tb) {
      std::vector<float> err2(static_cast<size_t>(measure ? F : 0));
      for (int64_t t = ta; t < tb; ++t) {
        const float* rp = rBlock + 2 * (t - t0) * F;
        float* pp = pBlock + 2 * (t - t0) * F;
        const float* m = it.m + t * F;
        float* xp = it.x + 2 * t * F;
        if (measure) {
          // (|R| - m)^2 per bin, then summed over the frame: the squared spectral convergence of the
          // estimate R was rebuilt from. Two loops, so the first (the square roots) vectorises.
          float* e2 = err2.data();
          for (int64_t f = 0; f < F; ++f) {
            const float d = std::sqrt(rp[2 * f] * rp[2 * f] + rp[2 * f + 1] * rp[2 * f + 1]) - m[f];
            e2[f] = d * d;
          }
          float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
          int64_t f = 0;
          for (; f + 8 <= F; f += 8) {
            for (int q = 0; q < 8; ++q) acc[q] += e2[f + q];
          }
          double sum = 0;
          for (; f < F; ++f) sum += e2[f];
          for (float a : acc) sum += a;
          it.rowErr[t] = sum;
        }
        // X = m * v / |v| with v = R - c * prev: torchaudio's momentum update, normalised, times the magnitude.
        for (int64_t f = 0; f < F; ++f) {
          const float pr = first ? 0.f : pp[2 * f], pi = first ? 0.f : pp[2 * f + 1];
          const float vr = rp[2 * f] - ce * pr, vi = rp[2 * f + 1] - ce * pi;
          const float scale = m[f] / (std::sqrt(vr * vr + vi * vi) + 1e-16f);
          xp[2 * f] = vr * scale;
          xp[2 * f + 1] = vi * scale;
        }
        std::memcpy(pp, rp, sizeof(float) * 2 * F);
      }
    });
  };
  // One item, all its iterations, so its data stays in cache from one to the next.
  auto run = [&](Item& it, BlockFft& fft) {
    for (int64_t iter = 0; iter < nIter; ++iter) {
      for (int64_t k = 0; k < nBlocks; ++k) {
        inverseBlock(it, k, fft);
        if (k > 0) forwardBlock(it, k - 1, fft);
      }
      forwardBlock(it, nBlocks - 1, fft);
      ++it.ran;
      if (measure) {
        double e = 0;
        for (double v : it.rowErr) e += v;
        it.sc.push_back(it.magNorm2 > 0 ? std::sqrt(e / it.magNorm2) : 0.0);
        if (stop.done(it.sc)) break;
      }
    }
    for (int64_t k = 0; k < nBlocks; ++k) inverseBlock(it, k, fft);
    float* y = it.y.data();
    at::parallel_for(0, L, 1 << 16, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) y[j] *= invEnv[j];
    });
  };
  // Chunks of a batch run in parallel, one per thread (the loops' parallel_for runs inline there);
  // fewer items than threads (a whole clip) run one after the other, each spread over the threads.
  // Each thread has its own FFT descriptors and buffers (one thread per FFT call in the first case).
  const int64_t maxCount = std::min(T, blockFrames);
  if (B >= at::get_num_threads()) {
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      BlockFft fft(N, maxCount, 1);
      for (int64_t b = b0; b < b1; ++b) run(items[b], fft);
    });
  } else {
    BlockFft fft(N, maxCount, at::get_num_threads());
    for (Item& it : items) run(it, fft);
  }
  at::Tensor out = at::empty({B, L}, at::TensorOptions().dtype(at::kFloat));
  iterations.assign(static_cast<size_t>(B), 0);
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(out[b].data_ptr<float>(), items[b].y.data(), sizeof(float) * L);
    iterations[b] = items[b].ran;
  }
  return out;
}

}  // namespace sda
