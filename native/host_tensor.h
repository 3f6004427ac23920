// Copies between host vectors and tensors: the N-API glue's inputs onto a device, results back as its
// FloatTensor (torch-side files only).
#pragma once

#include <ATen/core/Tensor.h>
#include <ATen/ops/from_blob.h>

#include <cstring>
#include <string>
#include <vector>

#include "bridge.h"

namespace sda {

// A copy of `v` as a float32 tensor of `shape` on `device`; NativeFailure kErrInvalidArgument when the
// counts differ.
inline at::Tensor fromHost(const std::vector<float>& v, at::IntArrayRef shape, const c10::Device& device) {
  const int64_t n = checkedElementCount(shape.vec(), "input");
  if (static_cast<int64_t>(v.size()) != n) {
    throw NativeFailure(kErrInvalidArgument, "expected " + std::to_string(n) + " values, got " + std::to_string(v.size()));
  }
  // from_blob views the vector; .to() with copy=true gives a tensor that owns its memory on the device.
  return at::from_blob(const_cast<float*>(v.data()), shape, at::kFloat).to(device, at::kFloat, false, true);
}

// `t` on the CPU as float32, contiguous, copied out with its shape.
inline FloatTensor toHost(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).to(at::kFloat).contiguous();
  FloatTensor out;
  out.shape = c.sizes().vec();
  out.data.resize(c.numel());
  if (!out.data.empty()) std::memcpy(out.data.data(), c.data_ptr<float>(), out.data.size() * sizeof(float));
  return out;
}

}  // namespace sda
