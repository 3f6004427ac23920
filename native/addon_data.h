// Per-environment state of the addon (one per Node thread that loads it; see Napi::Env::SetInstanceData).
#pragma once

#include <napi.h>

namespace sda {

struct AddonData {
  Napi::FunctionReference convVaeClass;
  Napi::FunctionReference spectrogramClass;
};

inline AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace sda
