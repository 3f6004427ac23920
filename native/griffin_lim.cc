// The default mode's Griffin-Lim on the CPU (see griffin_lim.h). Compiled with -fno-math-errno (CMakeLists,
// binding.gyp) so that the square roots of the per-bin loops vectorise; nothing here reads errno.
#include "griffin_lim.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/fft_irfft.h>
#include <ATen/ops/fft_rfft.h>
#include <ATen/ops/zeros.h>
#include <c10/util/complex.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

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

// Work buffers and constants of one Griffin-Lim item.
struct LoopItem {
  const StftGeometry& g;
  const float* w;            // window [nFft]
  const float* invEnv;       // 1 / sum of squared windows per output sample [L]
  int64_t T, F, L;
  std::vector<float> y;      // current waveform [L]

  // y = istft(X): inverse FFTs, windowed overlap-add, divided by the window envelope. The overlap-add runs
  // over blocks of output samples, so blocks can run in parallel.
  void inverse(const at::Tensor& X) {
    const int64_t N = g.nFft, H = g.hop, pad = N / 2;
    at::Tensor frames = at::fft_irfft(X, N, -1).contiguous();
    const float* fr = frames.data_ptr<float>();
    at::parallel_for(0, L, 8192, [&](int64_t j0, int64_t j1) {
      std::fill(y.begin() + j0, y.begin() + j1, 0.f);
      // Frames t cover samples [t * H - pad, t * H - pad + N).
      const int64_t tFirst = std::max<int64_t>(0, (j0 + pad - N) / H), tLast = std::min<int64_t>(T - 1, (j1 - 1 + pad) / H);
      for (int64_t t = tFirst; t <= tLast; ++t) {
        const int64_t start = t * H - pad;
        const int64_t k0 = std::max<int64_t>(0, j0 - start), k1 = std::min<int64_t>(N, j1 - start);
        const float* f = fr + t * N;
        float* dst = y.data();
        for (int64_t k = k0; k < k1; ++k) dst[start + k] += f[k] * w[k];
      }
      for (int64_t j = j0; j < j1; ++j) y[j] *= invEnv[j];
    });
  }

  // rfft of the windowed frames of y with torch.stft's centre reflect padding.
  at::Tensor forward() {
    const int64_t N = g.nFft, H = g.hop, pad = N / 2;
    at::Tensor frames = at::empty({T, N}, at::TensorOptions().dtype(at::kFloat));
    float* f2 = frames.data_ptr<float>();
    at::parallel_for(0, T, 16, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t start = t * H - pad;
        float* dst = f2 + t * N;
        if (start >= 0 && start + N <= L) {
          const float* src = y.data() + start;
          for (int64_t k = 0; k < N; ++k) dst[k] = src[k] * w[k];
          continue;
        }
        for (int64_t k = 0; k < N; ++k) {
          int64_t j = start + k;
          if (j < 0) j = -j;
          else if (j >= L) j = 2 * (L - 1) - j;
          dst[k] = y[j] * w[k];
        }
      }
    });
    return at::fft_rfft(frames, c10::nullopt, -1).contiguous();
  }
};

}  // namespace

at::Tensor pghiPhases(const at::Tensor& mag, const StftGeometry& g) {
  const int64_t B = mag.size(0), T = mag.size(1), F = mag.size(2);
  if (T * F >= std::numeric_limits<int32_t>::max()) {
    throw NativeFailure(kErrInvalidArgument, "phase-gradient integration: more than 2^31 bins in one item");
  }
  at::Tensor m = mag.to(at::kCPU).to(at::kFloat).contiguous();
  at::Tensor out = at::empty({B, T, F}, at::TensorOptions().dtype(at::kComplexFloat));
  const float* mp = m.data_ptr<float>();
  cfloat* op = out.data_ptr<cfloat>();
  at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) pghiItem(mp + b * T * F, T, F, g, op + b * T * F);
  });
  return out;
}

at::Tensor griffinLimLoops(const at::Tensor& mag, const at::Tensor& start, const at::Tensor& window, const StftGeometry& g,
                           int64_t nIter, double momentum, const StopRule& stop, std::vector<int64_t>& iterations) {
  const int64_t B = mag.size(0), T = mag.size(1), F = mag.size(2);
  const int64_t N = g.nFft, H = g.hop, pad = N / 2, L = H * (T - 1);
  at::Tensor winT = window.to(at::kCPU).to(at::kFloat).contiguous();
  const float* w = winT.data_ptr<float>();
  std::vector<float> invEnv(static_cast<size_t>(L), 0.f);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < N; ++k) {
      const int64_t j = t * H + k - pad;
      if (j >= 0 && j < L) invEnv[j] += w[k] * w[k];
    }
  }
  for (auto& e : invEnv) e = e > 1e-11f ? 1.f / e : 0.f;
  at::Tensor magC = mag.contiguous();
  at::Tensor startC = start.contiguous();
  at::Tensor out = at::empty({B, L}, at::TensorOptions().dtype(at::kFloat));
  iterations.assign(static_cast<size_t>(B), 0);
  const float c = static_cast<float>(momentum / (1 + momentum));
  const int64_t TF = T * F;

  auto runItem = [&](int64_t b) {
    LoopItem item{g, w, invEnv.data(), T, F, L, std::vector<float>(static_cast<size_t>(L))};
    const float* m = magC.data_ptr<float>() + b * TF;
    double magNorm2 = 0;
    for (int64_t i = 0; i < TF; ++i) magNorm2 += static_cast<double>(m[i]) * m[i];
    at::Tensor X = startC[b].clone();  // the next estimate: magnitude times phase
    at::Tensor prev;                   // the previous rebuilt spectrum (momentum)
    std::vector<double> sc;
    std::vector<double> rowErr(static_cast<size_t>(T));
    int64_t it = 0;
    while (it < nIter) {
      item.inverse(X);
      at::Tensor R = item.forward();
      const float* rp = reinterpret_cast<const float*>(R.data_ptr<cfloat>());
      // Before the first update there is no previous spectrum: v = R (c 0 against R itself).
      const float* pp = prev.defined() ? reinterpret_cast<const float*>(prev.data_ptr<cfloat>()) : rp;
      const float ce = prev.defined() ? c : 0.f;
      float* xp = reinterpret_cast<float*>(X.data_ptr<cfloat>());
      const bool measure = stop.tolerance > 0;
      at::parallel_for(0, T, 16, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t i0 = t * F, i1 = i0 + F;
          if (measure) {
            // || |R| - m ||^2 of this frame: the spectral convergence of the estimate R was built from.
            float e = 0.f;
            for (int64_t i = i0; i < i1; ++i) {
              const float d = std::sqrt(rp[2 * i] * rp[2 * i] + rp[2 * i + 1] * rp[2 * i + 1]) - m[i];
              e += d * d;
            }
            rowErr[t] = e;
          }
          // X = m * v / |v| with v = R - c * prev: torchaudio's momentum update, normalised, times the magnitude.
          for (int64_t i = i0; i < i1; ++i) {
            const float vr = rp[2 * i] - ce * pp[2 * i], vi = rp[2 * i + 1] - ce * pp[2 * i + 1];
            const float scale = m[i] / (std::sqrt(vr * vr + vi * vi) + 1e-16f);
            xp[2 * i] = vr * scale;
            xp[2 * i + 1] = vi * scale;
          }
        }
      });
      prev = R;
      ++it;
      if (measure) {
        double e = 0;
        for (double v : rowErr) e += v;
        sc.push_back(magNorm2 > 0 ? std::sqrt(e / magNorm2) : 0.0);
        if (stop.done(sc)) break;
      }
    }
    item.inverse(X);
    std::memcpy(out[b].data_ptr<float>(), item.y.data(), sizeof(float) * L);
    iterations[b] = it;
  };
  // Items in parallel when there are enough of them; otherwise one at a time, each with its FFTs and
  // loops spread over the threads (the loops' parallel_for runs inline inside an outer one).
  if (B >= at::get_num_threads()) {
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) runItem(b);
    });
  } else {
    for (int64_t b = 0; b < B; ++b) runItem(b);
  }
  return out;
}

}  // namespace sda
