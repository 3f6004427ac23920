// SPEC 4 on LibTorch. Every step follows torchaudio's own code path op for op (filterbank in float32 from
// float64 endpoints, torch.stft/istft with a periodic Hann window, Griffin-Lim's momentum update), so on
// the same LibTorch the results equal the Python app's bit for bit.
#include "spectrogram.h"

#include <ATen/TensorOperators.h>
#include <ATen/core/Tensor.h>
#include <ATen/Parallel.h>
#include <ATen/ops/abs.h>
#include <ATen/ops/expm1.h>
#include <ATen/ops/hann_window.h>
#include <ATen/ops/istft.h>
#include <ATen/ops/linalg_lstsq.h>
#include <ATen/ops/linalg_pinv.h>
#include <ATen/ops/linspace.h>
#include <ATen/ops/log1p.h>
#include <ATen/ops/matmul.h>
#include <ATen/ops/max.h>
#include <ATen/ops/min.h>
#include <ATen/ops/pow.h>
#include <ATen/ops/relu.h>
#include <ATen/ops/scalar_tensor.h>
#include <ATen/ops/stft.h>
#include <ATen/ops/view_as_complex.h>
#include <ATen/ops/where.h>
#include <ATen/ops/zeros.h>
#include <ATen/ops/cat.h>
#include <ATen/ops/ones.h>

#include <cmath>

#include "bridge.h"
#include "griffin_lim.h"
#include "host_tensor.h"
#include "torch_device.h"
#include "torch_errors.h"

namespace sda {
namespace {

double hzToMelHtk(double f) { return 2595.0 * std::log10(1.0 + f / 700.0); }

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

  // griffinLimLoops runs on CPU, for an even n_fft: its reflect indexing assumes frames of 2 * (n_fft/2).
  bool fastApplies() const { return device.is_cpu() && cfg.nFft % 2 == 0; }

  // Griffin-Lim of power spectrograms [B, F, T] as `o` says (loops or torch ops, initial phase, stopping
  // rule); writes the iterations each item ran to `its`.
  at::Tensor invert(const at::Tensor& power, const InvertOptions& o, std::vector<int64_t>& its) const;

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

  // torchaudio.functional.griffinlim, power 2, on [B, F, T], op for op. With a stopping rule, an item that
  // has stopped keeps its phase while the others go on, so it ends as it would alone.
  at::Tensor griffinLim(const at::Tensor& spec, at::Tensor angles, int64_t nIter, double momentum,
                        const StopRule& stop = StopRule(), std::vector<int64_t>* iterations = nullptr) const {
    at::Tensor mag = spec.pow(1.0 / 2.0);
    at::Tensor tprev = at::scalar_tensor(0.0, at::TensorOptions().dtype(at::kFloat).device(device));
    const int64_t B = spec.size(0);
    std::vector<std::vector<double>> sc(static_cast<size_t>(B));
    std::vector<int64_t> ran(static_cast<size_t>(B), nIter);
    std::vector<uint8_t> active(static_cast<size_t>(B), 1);
    at::Tensor magNorm;
    if (stop.tolerance > 0) magNorm = mag.flatten(1).norm(2, {1}).clamp_min(1e-30);
    for (int64_t i = 0; i < nIter; ++i) {
      at::Tensor inverse = istft(mag * angles);
      at::Tensor rebuilt = stft(inverse);
      at::Tensor next = rebuilt;
      if (momentum != 0.0) next = next - tprev.mul_(momentum / (1 + momentum));
      next = next.div(next.abs().add(1e-16));
      if (stop.tolerance <= 0) {
        angles = next;
        tprev = rebuilt;
        continue;
      }
      // One host read per iteration: each item's spectral convergence, for the stopping rule.
      at::Tensor err = (rebuilt.abs() - mag).flatten(1).norm(2, {1}).div(magNorm).to(at::kCPU, at::kDouble).contiguous();
      at::Tensor moving = at::from_blob(active.data(), {B, 1, 1}, at::kByte).to(device).to(at::kBool);
      angles = at::where(moving, next, angles);
      tprev = at::where(moving, rebuilt, tprev);
      bool any = false;
      for (int64_t b = 0; b < B; ++b) {
        if (!active[b]) continue;
        sc[b].push_back(err.data_ptr<double>()[b]);
        ran[b] = i + 1;
        active[b] = !stop.done(sc[b]);
        any = any || active[b];
      }
      if (!any) break;
    }
    if (iterations) *iterations = ran;
    return istft(mag * angles);
  }
};

Spectrogram::Spectrogram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spectrogram::~Spectrogram() = default;

std::shared_ptr<Spectrogram> Spectrogram::create(const SpectrogramConfig& cfg) {
  // Sanity bounds only (the JS side checks the documented limits first): sizes that allocate stay small.
  if (cfg.sampleRate < limits::kSampleRateMin || cfg.sampleRate > limits::kSampleRateMax || cfg.nFft < 2 || cfg.nFft > (1 << 20) || cfg.hopLength < 1 ||
      cfg.hopLength > (1 << 22) || cfg.nMels < 1 || cfg.nMels > 65536 || (cfg.nFft / 2 + 1) * cfg.nMels > (1 << 28) ||
      !std::isfinite(cfg.fMin) || !std::isfinite(cfg.fMax)) {
    throw NativeFailure(kErrInvalidArgument,
                        "spectrogram config: sampleRate, nFft, hopLength, nMels must be positive and within bounds");
  }
  (void)parseDevice(cfg.device);  // a malformed name fails here; availability is checked on first use
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
  return inferenceCall([&] {
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
  return inferenceCall([&] {
    impl_->prepare();
    at::Tensor x = fromHost(waveform, {batch, length}, m.device);
    at::Tensor spec = m.stft(x).abs().pow(2.0);
    at::Tensor mel = at::matmul(spec.transpose(-1, -2), m.fb).transpose(-1, -2);
    return toHost(at::log1p(mel));
  });
}

FloatTensor Spectrogram::magnitude(const std::vector<float>& waveform, int64_t batch, int64_t length) {
  const Impl& m = *impl_;
  return inferenceCall([&] {
    impl_->prepare();
    return toHost(m.stft(fromHost(waveform, {batch, length}, m.device)).abs());
  });
}

FloatTensor Spectrogram::inverseMel(const std::vector<float>& mel, int64_t batch, int64_t frames, const std::string& solver) {
  const Impl& m = *impl_;
  return inferenceCall([&] {
    impl_->prepare();
    return toHost(m.inverseMel(fromHost(mel, {batch, m.cfg.nMels, frames}, m.device), solver));
  });
}

namespace {

void checkInvertOptions(const InvertOptions& o) {
  if (o.init != "phases" && o.init != "pghi") {
    throw NativeFailure(kErrInvalidArgument, "unknown initial phase " + o.init + " (use phases or pghi)");
  }
  if (!(o.tolerance >= 0 && o.tolerance < 1)) throw NativeFailure(kErrInvalidArgument, "stopping rule: tolerance must be in [0, 1)");
  checkedRange(o.stopWindow, limits::kStopWindowMin, limits::kStopWindowMax, "stopping rule: stopWindow");
  checkedRange(o.minIter, limits::kStopMinIterationsMin, limits::kStopMinIterationsMax, "stopping rule: minIter");
}

}  // namespace

namespace {

at::Tensor initialAngles(const InvertOptions& o, at::IntArrayRef shape, const c10::Device& device) {
  if (o.phases.empty()) return at::ones(shape, at::TensorOptions().dtype(at::kComplexFloat).device(device));
  std::vector<int64_t> realShape(shape.begin(), shape.end());
  realShape.push_back(2);
  return at::view_as_complex(fromHost(o.phases, realShape, device));
}

}  // namespace

at::Tensor Spectrogram::Impl::invert(const at::Tensor& power, const InvertOptions& o, std::vector<int64_t>& its) const {
  const int64_t B = power.size(0), F = power.size(1), T = power.size(2);
  const StopRule stop{o.tolerance, o.stopWindow, o.minIter};
  const StftGeometry g{cfg.nFft, cfg.hopLength};
  // The phase-gradient integration runs on the host (a sequential walk over the bins, cheap next to the
  // iterations); its phases then go to the device like given ones.
  auto pghi = [&]() { return pghiPhases(power.pow(0.5).transpose(1, 2).to(at::kCPU), g); };  // [B, T, F]
  if (o.fast && fastApplies()) {
    at::Tensor mag = power.pow(0.5).transpose(1, 2).contiguous();  // [B, T, F]
    at::Tensor phase = o.init == "pghi" ? pghi() : initialAngles(o, {B, F, T}, device).transpose(1, 2);
    return griffinLimLoops(mag, mag * phase, window, g, o.nIter, o.momentum, stop, its);
  }
  at::Tensor angles = o.init == "pghi" ? pghi().transpose(1, 2).to(device) : initialAngles(o, {B, F, T}, device);
  if (!o.perItem) return griffinLim(power, angles, o.nIter, o.momentum, stop, &its);
  std::vector<at::Tensor> outs;
  its.clear();
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> one;
    outs.push_back(griffinLim(power.slice(0, b, b + 1), angles.slice(0, b, b + 1), o.nIter, o.momentum, stop, &one));
    its.push_back(one.at(0));
  }
  return at::cat(outs, 0);
}

FloatTensor Spectrogram::griffinLim(const std::vector<float>& spec, int64_t batch, int64_t frames, const InvertOptions& o) {
  const Impl& m = *impl_;
  checkInvertible(m.cfg, frames);
  checkInvertOptions(o);
  return inferenceCall([&] {
    impl_->prepare();
    std::vector<int64_t> its;
    FloatTensor out = toHost(m.invert(fromHost(spec, {batch, nFreqs(), frames}, m.device), o, its));
    out.iterations = std::move(its);
    return out;
  });
}

FloatTensor Spectrogram::melToWaveform(const std::vector<float>& mel, int64_t batch, int64_t frames, const InvertOptions& o) {
  const Impl& m = *impl_;
  checkInvertible(m.cfg, frames);
  checkInvertOptions(o);
  return inferenceCall([&] {
    impl_->prepare();
    at::Tensor logMel = fromHost(mel, {batch, m.cfg.nMels, frames}, m.device);
    std::vector<int64_t> its;
    at::Tensor wave;
    if (!o.perItem) {
      wave = m.invert(m.inverseMel(at::expm1(logMel.clamp_min(0)), o.solver), o, its);
    } else {
      // One chunk at a time, inverse mel included, exactly as the Python app runs each chunk.
      std::vector<at::Tensor> outs;
      for (int64_t b = 0; b < batch; ++b) {
        InvertOptions one = o;
        if (!o.phases.empty()) {
          const size_t per = o.phases.size() / static_cast<size_t>(batch);
          one.phases.assign(o.phases.begin() + per * b, o.phases.begin() + per * (b + 1));
        }
        std::vector<int64_t> itsOne;
        outs.push_back(m.invert(m.inverseMel(at::expm1(logMel.slice(0, b, b + 1).clamp_min(0)), o.solver), one, itsOne));
        its.insert(its.end(), itsOne.begin(), itsOne.end());
      }
      wave = at::cat(outs, 0);
    }
    FloatTensor out = toHost(wave);
    out.iterations = std::move(its);
    return out;
  });
}

}  // namespace sda
