// One small real computation on a chosen device, to prove the device works end to end.
#include <ATen/core/Tensor.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/detail/MPSHooksInterface.h>
#include <ATen/ops/from_blob.h>
#include <ATen/ops/matmul.h>
#include <c10/core/Device.h>
#include <c10/util/Exception.h>

#include <cstring>

#include "bridge.h"

namespace sda {

std::vector<float> smokeMatmul(const std::string& device, const std::vector<float>& a,
                               const std::vector<float>& b, int64_t n) {
  if (n <= 0 || static_cast<int64_t>(a.size()) != n * n || static_cast<int64_t>(b.size()) != n * n) {
    throw NativeFailure(kErrInvalidArgument, "smokeMatmul: both inputs must hold n*n floats");
  }
  try {
    const c10::Device dev(device);
    // The JS side resolves devices first; this guard keeps direct native calls typed too.
    if (dev.is_cuda()) {
      const auto& hooks = at::detail::getCUDAHooks();
      const int count = hooks.hasCUDA() ? hooks.getNumGPUs() : 0;
      if (dev.index() >= count || count == 0) {
        throw NativeFailure(kErrDeviceUnavailable, "device " + device + " is not available: LibTorch sees " +
                                                       std::to_string(count) + " CUDA device(s)");
      }
    } else if (dev.is_mps() && !at::detail::getMPSHooks().hasMPS()) {
      throw NativeFailure(kErrDeviceUnavailable, "no MPS device is available");
    }
    auto opts = at::TensorOptions().dtype(at::kFloat);
    // from_blob does not copy; .to(dev) copies onto the device (and is a no-op view for cpu).
    at::Tensor ta = at::from_blob(const_cast<float*>(a.data()), {n, n}, opts).to(dev);
    at::Tensor tb = at::from_blob(const_cast<float*>(b.data()), {n, n}, opts).to(dev);
    at::Tensor out = at::matmul(ta, tb).to(at::kCPU).contiguous();
    std::vector<float> result(static_cast<size_t>(n * n));
    std::memcpy(result.data(), out.data_ptr<float>(), result.size() * sizeof(float));
    return result;
  } catch (const c10::Error& e) {
    throw NativeFailure(kErrNative, e.what_without_backtrace());
  }
}

}  // namespace sda
