// Version and device facts from LibTorch. Narrow headers only (hooks interfaces, not torch.h).
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <ATen/detail/MPSHooksInterface.h>
#include <ATen/ops/_nnpack_available.h>
#include <c10/util/Logging.h>
#include <torch/version.h>

#include <algorithm>

#include "bridge.h"
#include "mkl_dft.h"
#include "mkl_threading.h"
#include "torch_errors.h"

namespace sda {

std::string libtorchVersion() { return TORCH_VERSION; }

// ATen asks whether NNPACK works before some CPU convolutions, and on a CPU NNPACK does not support (AMD
// Zen 5, for one) every such question logs "Could not initialize NNPACK! Reason: Unsupported hardware."
// to stderr: a line in the output of `sda` commands there. Asked once here with warnings muted, and if
// NNPACK is unusable, ATen is told not to consider it (it could not use it anyway); where it works, it
// stays in use. MKL's threading is settled first, before any MKL call (mkl_threading.h).
void settleLibtorchStartup() {
  settleMklThreading();
  const int level = FLAGS_caffe2_log_level;
  FLAGS_caffe2_log_level = std::max(level, 2);  // errors only
  bool nnpack = true;
  try {
    nnpack = at::_nnpack_available();
  } catch (...) {
    nnpack = false;
  }
  FLAGS_caffe2_log_level = level;
  if (!nnpack) at::globalContext().setUserEnabledNNPACK(false);
}

DeviceReport deviceReport() {
  DeviceReport r;
  r.cpuThreads = at::get_num_threads();
  const auto& cuda = at::detail::getCUDAHooks();
  r.cudaBuilt = cuda.hasCUDA() || cuda.hasROCM();
  // 0 for a CUDA build on a machine without a usable driver.
  const int count = torchOr(0, [&] { return r.cudaBuilt ? cuda.getNumGPUs() : 0; });
  for (int i = 0; i < count; ++i) {
    CudaDeviceInfo info;
    cudaDriverDeviceInfo(i, &info);
    info.index = i;
    r.cuda.push_back(info);
  }
  r.mpsAvailable = torchOr(false, [] { return at::detail::getMPSHooks().hasMPS(); });
  return r;
}

NumericsReport numericsReport() {
  NumericsReport r;
  r.threads = at::get_num_threads();
  r.mklMaxThreads = mklMaxThreads();
  r.mklDynamic = mklDynamicNow();
  r.mklDynamicSource = mklDynamicSource();
  r.fftPath = RealDft::available() ? "mkl-dfti" : "aten";
  r.cpuCapability = at::get_cpu_capability();
  r.parallelInfo = at::get_parallel_info();
  return r;
}

void setNumThreads(int n) {
  if (n < 1) throw NativeFailure(kErrInvalidArgument, "thread count must be at least 1");
  at::set_num_threads(n);
}

}  // namespace sda
