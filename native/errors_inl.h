#pragma once

#include "bridge.h"

namespace sda {

template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const NativeFailure& e) {
    throw makeError(env, e.code(), e.what());
  } catch (const std::exception& e) {
    throw makeError(env, kErrNative, e.what());
  }
}

}  // namespace sda
