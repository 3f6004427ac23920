#pragma once

#include <napi.h>

namespace sda {
// Registers the NativeConvVae class and createConvVae(config, tensors) on `exports`.
void InitConvVae(Napi::Env env, Napi::Object exports);
}
