#pragma once

#include <napi.h>

namespace sda {
// Registers resample(waveform, batch, length, origRate, newRate, device) on `exports`.
void InitResample(Napi::Env env, Napi::Object exports);
}
