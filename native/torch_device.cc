#include "torch_device.h"

#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/detail/MPSHooksInterface.h>

#include "bridge.h"
#include "torch_errors.h"

namespace sda {

c10::Device parseDevice(const std::string& device) {
  return translateTorchErrors([&] { return c10::Device(device); }, kErrInvalidArgument);
}

c10::Device requireDevice(const std::string& device) {
  const c10::Device dev = parseDevice(device);
  // The JS side resolves devices first; this guard keeps direct native calls typed too.
  if (dev.is_cuda()) {
    const auto& hooks = at::detail::getCUDAHooks();
    const int count = hooks.hasCUDA() ? hooks.getNumGPUs() : 0;
    if (count == 0 || dev.index() >= count) {
      throw NativeFailure(kErrDeviceUnavailable, "device " + device + " is not available: LibTorch sees " +
                                                     std::to_string(count) + " CUDA device(s)");
    }
  } else if (dev.is_mps() && !at::detail::getMPSHooks().hasMPS()) {
    throw NativeFailure(kErrDeviceUnavailable, "device " + device + " is not available: no MPS device");
  } else if (!dev.is_cpu() && !dev.is_cuda() && !dev.is_mps()) {
    throw NativeFailure(kErrInvalidArgument, "unsupported device " + device + " (use cpu, cuda, cuda:N or mps)");
  }
  return dev;
}

}  // namespace sda
