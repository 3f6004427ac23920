// Conversions between JS values and the plain C++ types of bridge.h, with typed errors for bad arguments.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "bridge.h"

namespace sda {

// A Float32Array holding a copy of `v`.
inline Napi::Float32Array toFloat32Array(Napi::Env env, const std::vector<float>& v) {
  auto arr = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(arr.Data(), v.data(), v.size() * sizeof(float));
  return arr;
}

// { data: Float32Array, shape: number[] } for a FloatTensor.
inline Napi::Value tensorToJs(Napi::Env env, FloatTensor& t) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", toFloat32Array(env, t.data));
  Napi::Array shape = Napi::Array::New(env, t.shape.size());
  for (size_t i = 0; i < t.shape.size(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(t.shape[i]));
  out.Set("shape", shape);
  if (!t.iterations.empty()) {
    Napi::Array its = Napi::Array::New(env, t.iterations.size());
    for (size_t i = 0; i < t.iterations.size(); ++i) its.Set(static_cast<uint32_t>(i), static_cast<double>(t.iterations[i]));
    out.Set("iterations", its);
  }
  return out;
}

// A whole number within +-2^53 from a JS value; a typed error names `what` otherwise.
inline int64_t intValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw NativeFailure(kErrInvalidArgument, what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) > 9007199254740992.0) {
    throw NativeFailure(kErrInvalidArgument, what + " must be a whole number");
  }
  return static_cast<int64_t>(d);
}

// An integer argument; a typed error names `what` otherwise.
inline int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i) throw NativeFailure(kErrInvalidArgument, std::string(what) + " is missing");
  return intValue(info[i], what);
}

// A string argument; a typed error names `what` otherwise.
inline std::string stringValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw NativeFailure(kErrInvalidArgument, what + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// A finite number from a JS value; a typed error names `what` otherwise.
inline double numberValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw NativeFailure(kErrInvalidArgument, what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw NativeFailure(kErrInvalidArgument, what + " must be finite");
  return d;
}

// A boolean from a JS value; a typed error names `what` otherwise.
inline bool boolValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsBoolean()) throw NativeFailure(kErrInvalidArgument, what + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

// An object from a JS value; a typed error names `what` otherwise.
inline Napi::Object objectValue(const Napi::Value& v, const std::string& what) {
  if (!v.IsObject()) throw NativeFailure(kErrInvalidArgument, what + " must be an object");
  return v.As<Napi::Object>();
}

// A typed error "<usage>: wrong number of arguments" unless there are min to max arguments.
inline void expectArgs(const Napi::CallbackInfo& info, size_t min, size_t max, const char* usage) {
  if (info.Length() < min || info.Length() > max) throw NativeFailure(kErrInvalidArgument, std::string(usage) + ": wrong number of arguments");
}

// A copy of a Float32Array argument; a typed error names `what` otherwise.
inline std::vector<float> copyFloat32Array(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw NativeFailure(kErrInvalidArgument, std::string(what) + " must be a Float32Array");
  }
  auto arr = v.As<Napi::Float32Array>();
  return std::vector<float>(arr.Data(), arr.Data() + arr.ElementLength());
}

// An array of whole numbers (a shape); a typed error names `what` otherwise.
inline std::vector<int64_t> intArray(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw NativeFailure(kErrInvalidArgument, what + " must be an array of whole numbers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(intValue(a.Get(i), what + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace sda
