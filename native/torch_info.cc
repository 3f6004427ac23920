// Version and device facts from LibTorch. Narrow headers only (hooks interfaces, not torch.h).
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/detail/MPSHooksInterface.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include "bridge.h"

namespace sda {

std::string libtorchVersion() { return TORCH_VERSION; }

DeviceReport deviceReport() {
  DeviceReport r;
  r.cpuThreads = at::get_num_threads();
  const auto& cuda = at::detail::getCUDAHooks();
  r.cudaBuilt = cuda.hasCUDA() || cuda.hasROCM();
  int count = 0;
  try {
    count = r.cudaBuilt ? cuda.getNumGPUs() : 0;
  } catch (const c10::Error&) {
    count = 0;  // a CUDA build on a machine without a usable driver
  }
  for (int i = 0; i < count; ++i) {
    CudaDeviceInfo info;
    cudaDriverDeviceInfo(i, &info);
    info.index = i;
    r.cuda.push_back(info);
  }
  try {
    r.mpsAvailable = at::detail::getMPSHooks().hasMPS();
  } catch (const c10::Error&) {
    r.mpsAvailable = false;
  }
  return r;
}

void setNumThreads(int n) {
  if (n < 1) throw NativeFailure(kErrInvalidArgument, "thread count must be at least 1");
  at::set_num_threads(n);
}

}  // namespace sda
