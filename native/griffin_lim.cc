// The default mode's Griffin-Lim on the CPU, its start (see griffin_lim.h): the stopping rule and the
// phase-gradient initial phases; the iterations are in griffin_lim_loops.cc. Compiled with
// -fno-math-errno (CMakeLists, binding.gyp); nothing here reads errno.
#include "griffin_lim.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/complex.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <vector>

#include "bridge.h"

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

}  // namespace sda
