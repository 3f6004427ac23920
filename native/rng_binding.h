#pragma once

#include <napi.h>

namespace sda {
// Registers the NativeRng class (new NativeRng(seed: bigint)) on `exports`.
void InitRng(Napi::Env env, Napi::Object exports);
}
