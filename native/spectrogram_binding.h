#pragma once

#include <napi.h>

namespace sda {
// Registers the NativeSpectrogram class and createSpectrogram(config) on `exports`.
void InitSpectrogram(Napi::Env env, Napi::Object exports);
}
