#pragma once

#include <napi.h>

namespace sda {
Napi::Value SmokeMatmul(const Napi::CallbackInfo& info);
}
