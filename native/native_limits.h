// Generated from lib/native/limits.ts by `npm run gen:limits`; do not edit (test/11 checks it is current).
#pragma once

#include <cstdint>

namespace sda::limits {

// LibTorch intra-op threads (setNumThreads)
constexpr int64_t kThreadsMin = 1;
constexpr int64_t kThreadsMax = 1024;
// Griffin-Lim iterations (nIter)
constexpr int64_t kGriffinLimIterationsMin = 0;
constexpr int64_t kGriffinLimIterationsMax = 10000;
// Griffin-Lim stopping rule's window
constexpr int64_t kStopWindowMin = 1;
constexpr int64_t kStopWindowMax = 10000;
// Griffin-Lim stopping rule's iterations always run
constexpr int64_t kStopMinIterationsMin = 0;
constexpr int64_t kStopMinIterationsMax = 10000;
// latents or mels in one decode or encode
constexpr int64_t kBatchMin = 1;
constexpr int64_t kBatchMax = 65536;
// a ConvVAE's latentDim, nMels and frames (far above any trained model)
constexpr int64_t kConvVaeSizeMin = 1;
constexpr int64_t kConvVaeSizeMax = 65536;
// deviceMatmul's matrix size n
constexpr int64_t kMatmulSizeMin = 1;
constexpr int64_t kMatmulSizeMax = 4096;
// sample rates of a spectrogram config and of resampling
constexpr int64_t kSampleRateMin = 1;
constexpr int64_t kSampleRateMax = 4194304;

}  // namespace sda::limits
