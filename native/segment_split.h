// Where a long item's blocks are split between the threads of Griffin-Lim's segmented run
// (griffin_lim_loops.cc): at first evenly, then, after each iteration, in proportion to how many frames
// per second of busy time each thread has managed (smoothed over iterations). A thread that shares its
// core with another process so gets fewer frames, instead of the others waiting for it at every
// iteration. Every thread keeps its own copy and feeds it the same figures, so all agree on the split;
// the samples do not depend on it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sda {

class SegmentSplit {
 public:
  // blockFrames: frames per block but the last; frames: the item's frames.
  SegmentSplit(int segments, int64_t blocks, int64_t blockFrames, int64_t frames)
      : segments_(segments), blocks_(blocks), prefix_(static_cast<size_t>(blocks + 1), 0), rate_(static_cast<size_t>(segments), 0.0) {
    for (int64_t k = 0; k < blocks; ++k) prefix_[k + 1] = std::min(frames, (k + 1) * blockFrames);
    bounds_.resize(static_cast<size_t>(segments + 1));
    for (int s = 0; s <= segments; ++s) bounds_[s] = blocks * s / segments;
  }

  // Segment s takes blocks [bounds()[s], bounds()[s + 1]), at least kMinBlocks of them.
  const std::vector<int64_t>& bounds() const { return bounds_; }

  // One iteration's busy seconds per segment (time not spent waiting for another); may move the bounds.
  void update(const double* busySeconds) {
    for (int s = 0; s < segments_; ++s) {
      const double rate = static_cast<double>(framesOf(bounds_, s)) / std::max(busySeconds[s], 1e-6);
      rate_[s] = fed_ ? kKeep * rate_[s] + (1 - kKeep) * rate : rate;
    }
    fed_ = true;
    std::vector<int64_t> proposed = proportional();
    // Only a clear gain moves the bounds, so that noise in the timings does not shuffle them.
    if (slowest(proposed) < kGain * slowest(bounds_)) bounds_ = proposed;
  }

  static constexpr int64_t kMinBlocks = 2;

 private:
  static constexpr double kKeep = 0.7;  // weight of the past in the smoothed rates
  static constexpr double kGain = 0.95;

  int64_t framesOf(const std::vector<int64_t>& b, int s) const { return prefix_[b[s + 1]] - prefix_[b[s]]; }

  // The expected time of the slowest segment under bounds b.
  double slowest(const std::vector<int64_t>& b) const {
    double worst = 0;
    for (int s = 0; s < segments_; ++s) worst = std::max(worst, static_cast<double>(framesOf(b, s)) / rate_[s]);
    return worst;
  }

  // Bounds giving each segment frames in proportion to its rate, on block boundaries.
  std::vector<int64_t> proportional() const {
    double total = 0;
    for (double r : rate_) total += r;
    std::vector<int64_t> b(static_cast<size_t>(segments_ + 1));
    b[0] = 0;
    b[segments_] = blocks_;
    double share = 0;
    for (int s = 1; s < segments_; ++s) {
      share += rate_[s - 1] / total;
      const double target = share * static_cast<double>(prefix_[blocks_]);
      const int64_t lo = b[s - 1] + kMinBlocks, hi = blocks_ - kMinBlocks * (segments_ - s);
      int64_t best = lo;
      for (int64_t k = lo; k <= hi; ++k) {
        if (std::abs(static_cast<double>(prefix_[k]) - target) < std::abs(static_cast<double>(prefix_[best]) - target)) best = k;
      }
      b[s] = best;
    }
    return b;
  }

  int segments_;
  int64_t blocks_;
  std::vector<int64_t> prefix_;  // frames in blocks [0, k)
  std::vector<double> rate_;     // smoothed frames per busy second, per segment
  std::vector<int64_t> bounds_;
  bool fed_ = false;
};

}  // namespace sda
