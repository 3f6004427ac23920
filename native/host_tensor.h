// A tensor's values copied to the host as the N-API glue's FloatTensor (torch-side files only).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstring>

#include "bridge.h"

namespace sda {

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
