// Resampling on a device, behind a plain C++ interface (no torch headers here). Implementation: resample.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bridge.h"

namespace sda {

// torchaudio.functional.resample (sinc_interp_hann, lowpass_filter_width 6, rolloff 0.99): [B, N] ->
// [B, ceil(N * newRate / origRate)].
FloatTensor resample(const std::vector<float>& waveform, int64_t batch, int64_t length, int64_t origRate,
                     int64_t newRate, const std::string& device);

}  // namespace sda
