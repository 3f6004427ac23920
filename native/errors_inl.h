#pragma once

#include <cstring>

#include "bridge.h"

namespace sda {

// Every entry point runs its body through this, so nothing but a coded error reaches JavaScript: an
// N-API failure on a bad argument ("An array was expected", a throwing getter) becomes
// ERR_SDA_INVALID_ARGUMENT, any other C++ exception ERR_SDA_NATIVE.
template <typename Fn>
Napi::Value guarded(Napi::Env env, Fn&& fn) {
  try {
    return fn();
  } catch (const Napi::Error& e) {
    Napi::Value v = e.Value();
    if (v.IsObject()) {
      Napi::Value code = v.As<Napi::Object>().Get("code");
      if (code.IsString() && code.As<Napi::String>().Utf8Value().rfind("ERR_SDA_", 0) == 0) throw;
    }
    throw makeError(env, kErrInvalidArgument, e.Message());
  } catch (const NativeFailure& e) {
    throw makeError(env, e.code(), e.what());
  } catch (const std::exception& e) {
    throw makeError(env, kErrNative, e.what());
  } catch (...) {
    throw makeError(env, kErrNative, "unknown native failure");
  }
}

}  // namespace sda
