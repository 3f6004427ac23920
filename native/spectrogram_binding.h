#pragma once

#include <napi.h>

namespace sda {
// Registers createSpectrogram(config), NativeRng (new NativeRng(seed)) and resample(...) on `exports`.
void InitSpectrogram(Napi::Env env, Napi::Object exports);
}
