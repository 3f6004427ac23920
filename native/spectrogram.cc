// SPEC 4 on LibTorch. Every step follows torchaudio's own code path op for op (filterbank in float32 from
// float64 endpoints, torch.stft/istft with a periodic Hann window, Griffin-Lim's momentum update), so on
// the same LibTorch the results equal the Python app's bit for bit.
#include "spectrogram.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/Parallel.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/fft_irfft.h>
#include <ATen/ops/fft_rfft.h>
#include <ATen/ops/arange.h>
#include <ATen/ops/clamp.h>
#include <ATen/ops/conv1d.h>
#include <ATen/ops/cos.h>
#include <ATen/ops/expm1.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/full.h>
#include <ATen/ops/hann_window.h>
#include <ATen/ops/istft.h>
#include <ATen/ops/linalg_lstsq.h>
#include <ATen/ops/linalg_pinv.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/log1p.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/max.h>
#include <ATen/ops/min.h>
#include <ATen/ops/ones_like.h>
#include <ATen/ops/pad.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/sin.h>
#include <ATen/ops/stft.h>
#include <ATen/ops/view_as_complex.h>
#include <ATen/ops/view_as_real.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/ones.h>
#include <c10/core/InferenceMode.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <cstring>
#include <numeric>

#include "bridge.h"
#include "torch_device.h"

namespace sda {
namespace {

FloatTensor toHost(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).to(at::kFloat).contiguous();
  FloatTensor out;
  out.shape = c.sizes().vec();
  out.data.resize(c.numel());
  if (!out.data.empty()) std::memcpy(out.data.data(), c.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}

at::Tensor fromHost(const std::vector<float>& v, at::IntArrayRef shape, const c10::Device& device) {
  const int64_t n = checkedElementCount(shape.vec(), "input");
  if (static_cast<int64_t>(v.size()) != n) {
    throw NativeFailure(kErrInvalidArgument, "expected " + std::to_string(n) + " values, got " + std::to_string(v.size()));
  }
  // from_blob views the vector; .to() with copy=true gives a tensor that owns its memory on the device.
  return at::from_blob(const_cast<float*>(v.data()), shape, at::kFloat).to(device, at::kFloat, false, true);
}

double hzToMelHtk(double f) { return 2595.0 * std::log10(1.0 + f / 700.0); }

template <typename Fn>
auto torchCall(Fn&& fn) -> decltype(fn()) {
  try {
    c10::InferenceMode guard;
    return fn();
  } catch (const c10::Error& e) {
    throw NativeFailure(kErrNative, e.what_without_backtrace());
  }
}

}  // namespace

struct Spectrogram::Impl {
  SpectrogramConfig cfg;
  bool ready = false;
  c10::Device device{c10::kCPU};
  at::Tensor fb;     // [nFreqs, nMels]
  at::Tensor fbT;    // [1, nMels, nFreqs] (the lstsq system matrix, as torchaudio builds it)
  at::Tensor pinvT;  // [nFreqs, nMels]
  at::Tensor window;

  // Builds the filterbank, its pseudo-inverse and the window on the device. On the LibTorch thread only.
  void prepare();

  // griffinLimFast runs on CPU, for an even n_fft: its reflect indexing assumes frames of 2 * (n_fft/2).
  bool fastApplies() const { return device.is_cpu() && cfg.nFft % 2 == 0; }

  at::Tensor stft(const at::Tensor& x) const {
    return at::stft(x, cfg.nFft, cfg.hopLength, cfg.nFft, window, /*center=*/true, "reflect", /*normalized=*/false,
                    /*onesided=*/true, /*return_complex=*/true);
  }
  at::Tensor istft(const at::Tensor& X) const {
    return at::istft(X, cfg.nFft, cfg.hopLength, cfg.nFft, window, /*center=*/true, /*normalized=*/false,
                     /*onesided=*/c10::nullopt, /*length=*/c10::nullopt, /*return_complex=*/false);
  }

  at::Tensor inverseMel(const at::Tensor& mel, const std::string& solver) const {
    if (solver == "lstsq") {
      // torchaudio >= 2.1 InverseMelScale: gels (the default gelsy returns zeros on this system).
      return at::relu(std::get<0>(at::linalg_lstsq(fbT, mel, c10::nullopt, c10::string_view("gels"))));
    }
    if (solver == "pinv") return at::relu(at::matmul(pinvT, mel));
    throw NativeFailure(kErrInvalidArgument, "unknown inverse-mel solver " + solver + " (use lstsq or pinv)");
  }

  // torchaudio.functional.griffinlim, power 2, on [B, F, T].
  at::Tensor griffinLim(const at::Tensor& spec, at::Tensor angles, int64_t nIter, double momentum) const {
    at::Tensor mag = spec.pow(1.0 / 2.0);
    at::Tensor tprev = at::scalar_tensor(0.0, at::TensorOptions().dtype(at::kFloat).device(device));
    for (int64_t i = 0; i < nIter; ++i) {
      at::Tensor inverse = istft(mag * angles);
      at::Tensor rebuilt = stft(inverse);
      angles = rebuilt;
      if (momentum != 0.0) angles = angles - tprev.mul_(momentum / (1 + momentum));
      angles = angles.div(angles.abs().add(1e-16));
      tprev = rebuilt;
    }
    return istft(mag * angles);
  }

  // The same Griffin-Lim iteration on CPU with the overlap-add, reflect padding and framing written as
  // plain loops over preallocated buffers and only the FFTs left to LibTorch: about twice as fast as
  // going through stft/istft (which rebuild the window envelope, check it and allocate on every call).
  // Rounding differs from torchaudio's in the last bits, which momentum 0.99 amplifies, so the
  // Python-compatible mode does not use it. Items of the batch run in parallel.
  at::Tensor griffinLimFast(const at::Tensor& spec, const at::Tensor& angles0, int64_t nIter, double momentum) const {
    using cfloat = c10::complex<float>;
    const int64_t B = spec.size(0), F = spec.size(1), T = spec.size(2);
    const int64_t N = cfg.nFft, H = cfg.hopLength, pad = N / 2, L = H * (T - 1);
    at::Tensor winT = window.to(at::kCPU).contiguous();
    const float* w = winT.data_ptr<float>();
    // 1 / sum of squared windows over each output sample (torch.istft's envelope, centre-trimmed).
    std::vector<float> invEnv(static_cast<size_t>(L), 0.f);
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t k = 0; k < N; ++k) {
        const int64_t j = t * H + k - pad;
        if (j >= 0 && j < L) invEnv[j] += w[k] * w[k];
      }
    }
    for (auto& e : invEnv) e = e > 1e-11f ? 1.f / e : 0.f;
    at::Tensor mag = spec.pow(1.0 / 2.0).transpose(1, 2).contiguous();  // [B, T, F]
    at::Tensor ang = angles0.transpose(1, 2).contiguous();               // [B, T, F]
    at::Tensor out = at::empty({B, L}, at::TensorOptions().dtype(at::kFloat));
    const float c = static_cast<float>(momentum / (1 + momentum));
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      const auto cplx = at::TensorOptions().dtype(at::kComplexFloat);
      const auto real = at::TensorOptions().dtype(at::kFloat);
      at::Tensor X = at::empty({T, F}, cplx), R = at::empty({T, F}, cplx), prev = at::zeros({T, F}, cplx);
      at::Tensor frames = at::empty({T, N}, real), frames2 = at::empty({T, N}, real);
      std::vector<float> y(static_cast<size_t>(L));
      for (int64_t b = b0; b < b1; ++b) {
        const float* m = mag[b].data_ptr<float>();
        at::Tensor a = ang[b].clone();
        cfloat* ap = a.data_ptr<cfloat>();
        cfloat* xp = X.data_ptr<cfloat>();
        cfloat* rp = R.data_ptr<cfloat>();
        cfloat* pp = prev.data_ptr<cfloat>();
        prev.zero_();
        const int64_t TF = T * F;
        auto inverse = [&]() {  // y = istft(mag * angles)
          for (int64_t i = 0; i < TF; ++i) xp[i] = ap[i] * m[i];
          at::fft_irfft_out(frames, X, N, -1);
          const float* fr = frames.data_ptr<float>();
          std::fill(y.begin(), y.end(), 0.f);
          for (int64_t t = 0; t < T; ++t) {
            const int64_t k0 = std::max<int64_t>(0, pad - t * H), k1 = std::min<int64_t>(N, L + pad - t * H);
            const float* f = fr + t * N;
            float* dst = y.data() + (t * H - pad);
            for (int64_t k = k0; k < k1; ++k) dst[k] += f[k] * w[k];
          }
          for (int64_t j = 0; j < L; ++j) y[j] *= invEnv[j];
        };
        for (int64_t it = 0; it < nIter; ++it) {
          inverse();
          // stft(y): reflect-padded frames times the window
          float* f2 = frames2.data_ptr<float>();
          for (int64_t t = 0; t < T; ++t) {
            for (int64_t k = 0; k < N; ++k) {
              int64_t j = t * H + k - pad;
              if (j < 0) j = -j;
              else if (j >= L) j = 2 * (L - 1) - j;
              f2[t * N + k] = y[j] * w[k];
            }
          }
          at::fft_rfft_out(R, frames2, c10::nullopt, -1);
          for (int64_t i = 0; i < TF; ++i) {
            const cfloat v = rp[i] - pp[i] * c;
            ap[i] = v / (std::sqrt(v.real() * v.real() + v.imag() * v.imag()) + 1e-16f);
            pp[i] = rp[i];
          }
        }
        inverse();
        std::memcpy(out[b].data_ptr<float>(), y.data(), sizeof(float) * L);
      }
    });
    return out;
  }
};

Spectrogram::Spectrogram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spectrogram::~Spectrogram() = default;

std::shared_ptr<Spectrogram> Spectrogram::create(const SpectrogramConfig& cfg) {
  // Sanity bounds only (the JS side checks the documented limits first): sizes that allocate stay small.
  if (cfg.sampleRate < 1 || cfg.sampleRate > (1 << 22) || cfg.nFft < 2 || cfg.nFft > (1 << 20) || cfg.hopLength < 1 ||
      cfg.hopLength > (1 << 22) || cfg.nMels < 1 || cfg.nMels > 65536 || (cfg.nFft / 2 + 1) * cfg.nMels > (1 << 28) ||
      !std::isfinite(cfg.fMin) || !std::isfinite(cfg.fMax)) {
    throw NativeFailure(kErrInvalidArgument,
                        "spectrogram config: sampleRate, nFft, hopLength, nMels must be positive and within bounds");
  }
  try {
    (void)c10::Device(cfg.device);  // a malformed name fails here; availability is checked on first use
  } catch (const c10::Error& e) {
    throw NativeFailure(kErrInvalidArgument, e.what_without_backtrace());
  }
  // No LibTorch work here: creation happens on the caller's thread and must not wait for the LibTorch
  // thread, so the filterbank and window are built on first use, there (prepare()).
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  return std::shared_ptr<Spectrogram>(new Spectrogram(std::move(impl)));
}

void Spectrogram::Impl::prepare() {
  if (ready) return;
  device = requireDevice(cfg.device);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  const int64_t nFreqs = cfg.nFft / 2 + 1;
  const double fMax = cfg.fMax < 0 ? static_cast<double>(cfg.sampleRate / 2) : cfg.fMax;
  // torchaudio.functional.melscale_fbanks, step by step.
  at::Tensor allFreqs = at::linspace(0, static_cast<double>(cfg.sampleRate / 2), nFreqs, f32);
  at::Tensor mPts = at::linspace(hzToMelHtk(cfg.fMin), hzToMelHtk(fMax), cfg.nMels + 2, f32);
  at::Tensor fPts = (at::pow(10.0, mPts / 2595.0) - 1.0) * 700.0;
  at::Tensor fDiff = fPts.slice(0, 1) - fPts.slice(0, 0, -1);
  at::Tensor slopes = fPts.unsqueeze(0) - allFreqs.unsqueeze(1);
  at::Tensor down = (-1.0 * slopes.slice(1, 0, -2)) / fDiff.slice(0, 0, -1);
  at::Tensor up = slopes.slice(1, 2) / fDiff.slice(0, 1);
  at::Tensor bank = at::max(at::zeros({1}, f32), at::min(down, up));
  fb = bank.to(device);
  fbT = bank.t().unsqueeze(0).contiguous().to(device);
  pinvT = at::linalg_pinv(bank.t()).to(device);
  window = at::hann_window(cfg.nFft, f32).to(device);
  ready = true;
}

int64_t Spectrogram::nFreqs() const { return impl_->cfg.nFft / 2 + 1; }

FloatTensor Spectrogram::filterbank() {
  return torchCall([&] {
    impl_->prepare();
    return toHost(impl_->fb);
  });
}

namespace {

// Griffin-Lim trims n_fft/2 samples at each end of the signal and reflect-pads frames by as much, so the
// signal between (hop * (frames - 1) samples) must be longer than that: with fewer frames the reflection
// would index outside it. Checked before any work, for both implementations.
void checkInvertible(const SpectrogramConfig& cfg, int64_t frames) {
  if (frames < 1 || frames > (int64_t{1} << 24)) {
    throw NativeFailure(kErrInvalidArgument, "Griffin-Lim: frames must be in [1, 2^24]; got " + std::to_string(frames));
  }
  const int64_t samples = cfg.hopLength * (frames - 1);
  if (samples <= cfg.nFft / 2) {
    throw NativeFailure(kErrInvalidArgument,
                        "Griffin-Lim needs hop_length * (frames - 1) > n_fft / 2 (the reflect padding); got " +
                            std::to_string(cfg.hopLength) + " * " + std::to_string(frames - 1) + " = " +
                            std::to_string(samples) + " samples for n_fft " + std::to_string(cfg.nFft));
  }
}

}  // namespace

FloatTensor Spectrogram::melSpectrogram(const std::vector<float>& waveform, int64_t batch, int64_t length) {
  const Impl& m = *impl_;
  return torchCall([&] {
    impl_->prepare();
    at::Tensor x = fromHost(waveform, {batch, length}, m.device);
    at::Tensor spec = m.stft(x).abs().pow(2.0);
    at::Tensor mel = at::matmul(spec.transpose(-1, -2), m.fb).transpose(-1, -2);
    return toHost(at::log1p(mel));
  });
}

FloatTensor Spectrogram::magnitude(const std::vector<float>& waveform, int64_t batch, int64_t length) {
  const Impl& m = *impl_;
  return torchCall([&] {
    impl_->prepare();
    return toHost(m.stft(fromHost(waveform, {batch, length}, m.device)).abs());
  });
}

FloatTensor Spectrogram::inverseMel(const std::vector<float>& mel, int64_t batch, int64_t frames, const std::string& solver) {
  const Impl& m = *impl_;
  return torchCall([&] {
    impl_->prepare();
    return toHost(m.inverseMel(fromHost(mel, {batch, m.cfg.nMels, frames}, m.device), solver));
  });
}

namespace {

at::Tensor initialAngles(const InvertOptions& o, at::IntArrayRef shape, const c10::Device& device) {
  if (o.phases.empty()) return at::ones(shape, at::TensorOptions().dtype(at::kComplexFloat).device(device));
  std::vector<int64_t> realShape(shape.begin(), shape.end());
  realShape.push_back(2);
  return at::view_as_complex(fromHost(o.phases, realShape, device));
}

}  // namespace

FloatTensor Spectrogram::griffinLim(const std::vector<float>& spec, int64_t batch, int64_t frames, const InvertOptions& o) {
  const Impl& m = *impl_;
  checkInvertible(m.cfg, frames);
  return torchCall([&] {
    impl_->prepare();
    const int64_t F = nFreqs();
    at::Tensor s = fromHost(spec, {batch, F, frames}, m.device);
    at::Tensor angles = initialAngles(o, {batch, F, frames}, m.device);
    if (o.fast && m.fastApplies() && !o.perItem) return toHost(m.griffinLimFast(s, angles, o.nIter, o.momentum));
    if (!o.perItem) return toHost(m.griffinLim(s, angles, o.nIter, o.momentum));
    std::vector<at::Tensor> outs;
    for (int64_t b = 0; b < batch; ++b) {
      outs.push_back(m.griffinLim(s.slice(0, b, b + 1), angles.slice(0, b, b + 1), o.nIter, o.momentum));
    }
    return toHost(at::cat(outs, 0));
  });
}

FloatTensor Spectrogram::melToWaveform(const std::vector<float>& mel, int64_t batch, int64_t frames, const InvertOptions& o) {
  const Impl& m = *impl_;
  checkInvertible(m.cfg, frames);
  return torchCall([&] {
    impl_->prepare();
    const int64_t F = nFreqs();
    at::Tensor logMel = fromHost(mel, {batch, m.cfg.nMels, frames}, m.device);
    at::Tensor angles = initialAngles(o, {batch, F, frames}, m.device);
    const bool fast = o.fast && m.fastApplies();
    auto one = [&](const at::Tensor& lm, const at::Tensor& a) {
      at::Tensor lin = m.inverseMel(at::expm1(lm.clamp_min(0)), o.solver);
      return fast ? m.griffinLimFast(lin, a, o.nIter, o.momentum) : m.griffinLim(lin, a, o.nIter, o.momentum);
    };
    if (!o.perItem) return toHost(one(logMel, angles));
    std::vector<at::Tensor> outs;
    for (int64_t b = 0; b < batch; ++b) outs.push_back(one(logMel.slice(0, b, b + 1), angles.slice(0, b, b + 1)));
    return toHost(at::cat(outs, 0));
  });
}

struct Rng::Impl {
  at::Generator gen;
};

Rng::Rng(uint64_t seed) : impl_(std::make_unique<Impl>()) { impl_->gen = at::detail::createCPUGenerator(seed); }
Rng::~Rng() = default;

namespace {
void checkDrawShape(const std::vector<int64_t>& shape) {
  if (checkedElementCount(shape, "shape") > (int64_t{1} << 28)) {
    throw NativeFailure(kErrInvalidArgument, "shape: more than 2^28 values in one draw");
  }
}
}  // namespace

std::vector<float> Rng::randn(const std::vector<int64_t>& shape) {
  checkDrawShape(shape);
  return torchCall([&] { return toHost(at::randn(shape, impl_->gen, at::TensorOptions().dtype(at::kFloat))).data; });
}

std::vector<float> Rng::randComplex(const std::vector<int64_t>& shape) {
  checkDrawShape(shape);
  return torchCall([&] {
    at::Tensor c = at::rand(shape, impl_->gen, at::TensorOptions().dtype(at::kComplexFloat));
    return toHost(at::view_as_real(c)).data;
  });
}

FloatTensor resample(const std::vector<float>& waveform, int64_t batch, int64_t length, int64_t origRate,
                     int64_t newRate, const std::string& deviceName) {
  if (origRate < 1 || newRate < 1 || origRate > (1 << 22) || newRate > (1 << 22)) {
    throw NativeFailure(kErrInvalidArgument, "resample: rates must be in [1, 2^22]");
  }
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
  return torchCall([&] {
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
