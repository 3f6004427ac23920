// The default mode's Griffin-Lim iterations on the CPU (griffinLimLoops, see griffin_lim.h): plain loops
// around MKL's FFTs, worked in blocks of frames. Compiled with -fno-math-errno (CMakeLists, binding.gyp)
// so that the square roots of the per-bin loops vectorise; nothing here reads errno.
#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <c10/util/complex.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <string>
#include <time.h>
#include <vector>

#include "block_fft.h"
#include "bridge.h"
#include "griffin_lim.h"
#include "segment_split.h"
#include "team_sync.h"

namespace sda {
namespace {

using cfloat = c10::complex<float>;
// Frames per FFT call of the loops: a long item is worked in blocks this size (cache-sized, and few
// enough calls that the FFT's per-call setup stays small next to its work).
constexpr int64_t kBlockFrames = 128;
// A segmented run goes on alone (thread 0) when, over kAloneWindow iterations, its threads were off their
// CPUs for more than kAloneOffCpu of their busy time: other processes hold the cores, and every hand-over
// between the threads would wait for a descheduled one (with 1 or 2 busy loops beside it on 2 cores, the
// segmented 10 s render took 1.1-1.13x one thread's time; bench/load.ts).
constexpr int64_t kAloneWindow = 8;
constexpr double kAloneOffCpu = 0.15;

// This thread's CPU time, in seconds.
double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

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
  // hundreds of MB through memory per iteration.
  const int64_t blockFrames = std::max<int64_t>(kBlockFrames, (N + H - 1) / H);
  const int64_t nBlocks = (T + blockFrames - 1) / blockFrames;
  const int64_t maxCount = std::min(T, blockFrames);  // frames per FFT call at most
  struct Item {
    const float* m;
    float* x;                        // the next estimate, magnitude times phase, interleaved complex [T, F]
    float* prev;                     // the previous rebuilt spectrum (momentum), interleaved complex [T, F]
    std::vector<float> y;            // the waveform before the window envelope [L]
    std::vector<double> rowErr, sc;  // the stopping rule's measure: per frame (two iterations' worth), per iteration
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
    it.rowErr.assign(static_cast<size_t>(2 * T), 0.0);
    for (int64_t i = 0; i < T * F; ++i) it.magNorm2 += static_cast<double>(it.m[i]) * it.m[i];
  }
  const bool measure = stop.tolerance > 0;
  // The first output sample past block k's frames.
  auto blockEnd = [&](int64_t k) { return std::min(L, (std::min(T, (k + 1) * blockFrames) - 1) * H - pad + N); };

  // The frames of block k whose samples block k - 1's frames also reach (those before blockEnd(k - 1)).
  auto edgeFrames = [&](int64_t k) {
    const int64_t t0 = k * blockFrames, t1 = std::min(T, t0 + blockFrames);
    int64_t t = t0;
    while (t < t1 && t * H - pad < blockEnd(k - 1)) ++t;
    return t - t0;
  };
  // y += the windowed inverse FFTs of block k's frames (the istft's overlap-add, before the envelope), on
  // samples zeroed first where no earlier block wrote. With `edge`, the samples block k - 1 also reaches
  // are left alone and the frames that reach them are copied to `edge`, for addEdge once block k - 1 is in.
  auto inverseBlock = [&](Item& it, int64_t k, BlockFft& fft, std::vector<float>* edge) {
    const int64_t t0 = k * blockFrames, t1 = std::min(T, t0 + blockFrames);
    float* y = it.y.data();
    std::fill(y + (k > 0 ? blockEnd(k - 1) : 0), y + blockEnd(k), 0.f);
    const float* fr = fft.inverse(it.x + 2 * t0 * F, t1 - t0);
    const float* wi = wInv.data();
    int64_t s0 = std::max<int64_t>(0, t0 * H - pad);
    const int64_t s1 = blockEnd(k);
    if (edge) {
      edge->assign(fr, fr + edgeFrames(k) * N);
      s0 = blockEnd(k - 1);
    }
    for (int64_t t = std::max(t0, (s0 + pad - N) / H); t <= std::min(t1 - 1, (s1 - 1 + pad) / H); ++t) {
      const int64_t first = t * H - pad;
      const int64_t q0 = std::max<int64_t>(0, s0 - first), q1 = std::min<int64_t>(N, s1 - first);
      const float* f = fr + (t - t0) * N;
      for (int64_t q = q0; q < q1; ++q) y[first + q] += f[q] * wi[q];
    }
  };
  // The contributions inverseBlock(k, edge) held back, added in frame order after block k - 1's: each
  // sample gets the same sum, in the same order, as from one inverseBlock over both blocks.
  auto addEdge = [&](Item& it, int64_t k, const std::vector<float>& edge) {
    const int64_t t0 = k * blockFrames, end = blockEnd(k - 1);
    float* y = it.y.data();
    const float* wi = wInv.data();
    const int64_t count = static_cast<int64_t>(edge.size()) / N;
    for (int64_t t = t0; t < t0 + count; ++t) {
      const int64_t first = t * H - pad;
      const float* f = edge.data() + (t - t0) * N;
      for (int64_t q = 0; q < end - first; ++q) y[first + q] += f[q] * wi[q];
    }
  };
  // Block k's frames of istft(X) (y times the envelope), reflect-padded as torch.stft pads, windowed and
  // FFT'd; then the measure and the update of X for those frames.
  auto forwardBlock = [&](Item& it, int64_t k, BlockFft& fft, bool first, double* rowErr) {
    const int64_t t0 = k * blockFrames, t1 = std::min(T, t0 + blockFrames);
    float* f2 = fft.frames();
    const float* y = it.y.data();
    const float* env = invEnv.data();
    for (int64_t t = t0; t < t1; ++t) {
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
    const float* rBlock = fft.forward(t1 - t0);
    float* pBlock = it.prev + 2 * t0 * F;
    // Before the first update there is no previous spectrum: v = R (c 0 against R itself).
    const float ce = first ? 0.f : c;
    std::vector<float> err2(static_cast<size_t>(measure ? F : 0));
    for (int64_t t = t0; t < t1; ++t) {
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
        rowErr[t] = sum;
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
  };
  // The spectral convergence after an iteration, from the measure its forward blocks wrote.
  auto convergence = [&](const Item& it, const double* rowErr) {
    double e = 0;
    for (int64_t t = 0; t < T; ++t) e += rowErr[t];
    return it.magNorm2 > 0 ? std::sqrt(e / it.magNorm2) : 0.0;
  };
  auto applyEnvelope = [&](Item& it) {
    float* y = it.y.data();
    at::parallel_for(0, L, 1 << 16, [&](int64_t j0, int64_t j1) {
      for (int64_t j = j0; j < j1; ++j) y[j] *= invEnv[j];
    });
  };
  // One item, its iterations from the it.ran-th on and the final inverse, on the calling thread, so its
  // data stays in cache from one to the next (the envelope is run()'s).
  auto iterate = [&](Item& it, BlockFft& fft) {
    for (int64_t iter = it.ran; iter < nIter; ++iter) {
      double* rowErr = it.rowErr.data() + (iter & 1) * T;
      for (int64_t k = 0; k < nBlocks; ++k) {
        inverseBlock(it, k, fft, nullptr);
        if (k > 0) forwardBlock(it, k - 1, fft, iter == 0, rowErr);
      }
      forwardBlock(it, nBlocks - 1, fft, iter == 0, rowErr);
      ++it.ran;
      if (measure) {
        it.sc.push_back(convergence(it, rowErr));
        if (stop.done(it.sc)) break;
      }
    }
    for (int64_t k = 0; k < nBlocks; ++k) inverseBlock(it, k, fft, nullptr);
  };
  auto run = [&](Item& it, BlockFft& fft) {
    iterate(it, fft);
    applyEnvelope(it);
  };
  // One item on `segments` threads, each taking a run of consecutive blocks through the wavefront on its
  // own: per iteration a thread waits for its neighbours twice (for the samples its first and last
  // blocks share with them) and for all of them once (where the runs may move: segment_split.h), where
  // spreading each block over the threads waits at every one of hundreds of loops and FFTs per
  // iteration. The samples and the measure are the same bits as run()'s. When other processes keep the
  // threads off their cores (each hand-over between threads then waits for a descheduled one), thread 0
  // goes on alone.
  auto runSegmented = [&](Item& it, int segments) {
    enum { kInverse = 0, kLeft = 1 };
    TeamClock clock(segments, 2);
    TeamBarrier barrier(segments);
    // Each thread's busy seconds in an iteration on the clock, then on the CPU, in two buffers by
    // iteration (as the measure).
    std::vector<double> busy(static_cast<size_t>(4 * segments), 0.0);
    int team = 0;
    std::vector<std::string> errors(static_cast<size_t>(segments));
#pragma omp parallel num_threads(segments)
    {
      const int s = omp_get_thread_num(), n = omp_get_num_threads();
#pragma omp single
      team = n;
      // (an implicit barrier ends `single`: every thread sees `team`)
      try {
        if (team != segments) {
          // Fewer threads than asked for: one thread does it all (a neighbour it waited for might never run).
          if (s == 0) {
            BlockFft fft(N, maxCount);
            run(it, fft);
          }
        } else {
          using Clock = std::chrono::steady_clock;
          BlockFft fft(N, maxCount);
          SegmentSplit split(segments, nBlocks, blockFrames, T);
          const bool hasLeft = s > 0, hasRight = s < segments - 1;
          std::vector<float> edge;
          std::vector<double> sc;
          double waited = 0, waitedCpu = 0;
          auto wait = [&](int member, int kind, int64_t value) {
            const auto t0 = Clock::now();
            const double c0 = threadCpuSeconds();
            clock.waitFor(member, kind, value);
            waited += std::chrono::duration<double>(Clock::now() - t0).count();
            waitedCpu += threadCpuSeconds() - c0;
          };
          // One pass: every block's inverse, then (with `forward`) every block's forward and update.
          auto pass = [&](int64_t number, bool forward, bool first, double* rowErr) {
            const int64_t k0 = split.bounds()[s], k1 = split.bounds()[s + 1];
            for (int64_t k = k0; k < k1; ++k) {
              inverseBlock(it, k, fft, hasLeft && k == k0 ? &edge : nullptr);
              if (forward && k - 1 >= k0 && !(hasLeft && k - 1 == k0)) forwardBlock(it, k - 1, fft, first, rowErr);
            }
            clock.set(s, kInverse, number);
            if (hasLeft) {
              wait(s - 1, kInverse, number);
              addEdge(it, k0, edge);
              if (forward) forwardBlock(it, k0, fft, first, rowErr);
              clock.set(s, kLeft, number);
            }
            if (forward) {
              if (hasRight) wait(s + 1, kLeft, number);
              forwardBlock(it, k1 - 1, fft, first, rowErr);
            }
          };
          int64_t ran = 0;
          bool stopped = false, alone = false;
          double windowWall = 0, windowCpu = 0;
          for (int64_t iter = 0; iter < nIter && !stopped && !alone; ++iter) {
            double* rowErr = it.rowErr.data() + (iter & 1) * T;
            const auto started = Clock::now();
            const double cpuStarted = threadCpuSeconds();
            waited = waitedCpu = 0;
            pass(iter + 1, true, iter == 0, rowErr);
            ++ran;
            // This thread's busy time (not waiting for another), on the clock and on the CPU.
            double* wall = busy.data() + (iter & 1) * 2 * segments;
            double* cpu = wall + segments;
            wall[s] = std::chrono::duration<double>(Clock::now() - started).count() - waited;
            cpu[s] = threadCpuSeconds() - cpuStarted - waitedCpu;
            // After the barrier every thread reads the same figures (two buffers by iteration, so none is
            // written while another thread reads): all move the split alike, all sum the whole measure
            // in the same order, so all stop at the same iteration, and all decide alike to go on alone.
            barrier.arriveAndWait();
            split.update(wall);
            if (measure) {
              sc.push_back(convergence(it, rowErr));
              stopped = stop.done(sc);
            }
            for (int r = 0; r < segments; ++r) {
              windowWall += wall[r];
              windowCpu += std::min(cpu[r], wall[r]);
            }
            if (ran % kAloneWindow == 0) {
              alone = windowWall > 0 && 1 - windowCpu / windowWall > kAloneOffCpu;
              windowWall = windowCpu = 0;
              // Thread 0 going on alone writes the measure's buffers at once: every thread is done reading.
              if (alone) barrier.arriveAndWait();
            }
          }
          if (alone && !stopped) {
            if (s == 0) {
              it.ran = ran;
              it.sc = sc;
              iterate(it, fft);
            }
          } else {
            pass(ran + 1, false, false, nullptr);
            if (s == 0) {
              it.ran = ran;
              it.sc = sc;
            }
          }
        }
      } catch (const TeamAborted&) {
        // another thread failed and reports why
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(s)] = e.what();
        clock.abort();
        barrier.abort();
      }
    }
    for (const auto& e : errors) {
      if (!e.empty()) throw NativeFailure(kErrNative, e);
    }
    applyEnvelope(it);
  };
  // Fewer items than threads (a whole clip) with at least two blocks per thread run one after the other,
  // each split into runs of blocks, one per thread. Otherwise items run in parallel, each on one thread,
  // each thread taking the next item not yet taken: a thread kept off its core by other processes does
  // fewer, instead of the others waiting for its share at the end. A clip too short to split so runs on
  // one thread, where spread block by block its loops would wait for every thread hundreds of times per
  // iteration (8x slower than one thread on a busy machine). Each thread has its own FFT descriptors and
  // buffers, and every FFT call runs on one thread: the samples are the same bits whatever the thread
  // count. (Inside the regions the envelope's parallel_for runs inline.)
  const int threads = at::get_num_threads();
  const int segments = B < threads ? static_cast<int>(std::min<int64_t>(threads, nBlocks / 2)) : 0;
  if (segments >= 2) {
    for (Item& it : items) runSegmented(it, segments);
  } else {
    std::atomic<int64_t> next{0};
    std::vector<std::string> errors(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads)
    {
      try {
        BlockFft fft(N, maxCount);
        for (int64_t b = next++; b < B; b = next++) run(items[b], fft);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(omp_get_thread_num())] = e.what();
      }
    }
    for (const auto& e : errors) {
      if (!e.empty()) throw NativeFailure(kErrNative, e);
    }
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
