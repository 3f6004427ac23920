// One small real computation on a chosen device, to prove the device works end to end.
#include <ATen/core/Tensor.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/matmul.h>
#include <c10/core/Device.h>

#include <cstring>

#include "bridge.h"
#include "torch_device.h"
#include "torch_errors.h"

namespace sda {

std::vector<float> smokeMatmul(const std::string& device, const std::vector<float>& a,
                               const std::vector<float>& b, int64_t n) {
  if (n <= 0 || static_cast<int64_t>(a.size()) != n * n || static_cast<int64_t>(b.size()) != n * n) {
    throw NativeFailure(kErrInvalidArgument, "smokeMatmul: both inputs must hold n*n floats");
  }
  return translateTorchErrors([&] {
    const c10::Device dev = requireDevice(device);
    auto opts = at::TensorOptions().dtype(at::kFloat);
    // from_blob does not copy; .to(dev) copies onto the device (and is a no-op view for cpu).
    at::Tensor ta = at::from_blob(const_cast<float*>(a.data()), {n, n}, opts).to(dev);
    at::Tensor tb = at::from_blob(const_cast<float*>(b.data()), {n, n}, opts).to(dev);
    at::Tensor out = at::matmul(ta, tb).to(at::kCPU).contiguous();
    std::vector<float> result(static_cast<size_t>(n * n));
    std::memcpy(result.data(), out.data_ptr<float>(), result.size() * sizeof(float));
    return result;
  });
}

}  // namespace sda
