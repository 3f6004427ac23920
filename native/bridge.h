// The boundary between the N-API glue and the LibTorch code. Plain C++ only: no torch and no
// node-addon-api headers here, so each side compiles without the other's (slow) headers.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "native_limits.h"

namespace sda {

// Stable error codes; lib/errors.ts maps each to a typed JS error class.
constexpr const char* kErrNative = "ERR_SDA_NATIVE";
constexpr const char* kErrDeviceUnavailable = "ERR_SDA_DEVICE_UNAVAILABLE";
constexpr const char* kErrInvalidArgument = "ERR_SDA_INVALID_ARGUMENT";
constexpr const char* kErrDisposed = "ERR_SDA_DISPOSED";

// Thrown by the torch-side code instead of c10::Error so the glue can report it without torch headers.
class NativeFailure : public std::runtime_error {
 public:
  NativeFailure(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// The element count of `shape`, or a NativeFailure naming `what` when a size is negative or the count
// passes 2^53 (so a product of hostile sizes can never wrap round to a plausible number).
inline int64_t checkedElementCount(const std::vector<int64_t>& shape, const std::string& what) {
  constexpr int64_t kMax = int64_t{1} << 53;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw NativeFailure(kErrInvalidArgument, what + ": negative size " + std::to_string(d));
    if (d != 0 && n > kMax / d) throw NativeFailure(kErrInvalidArgument, what + ": more than 2^53 elements");
    n *= d;
  }
  return n;
}

// `v`, or a NativeFailure "<what> must be in [min, max]; got v" (the ranges come from limits.h).
inline int64_t checkedRange(int64_t v, int64_t min, int64_t max, const std::string& what) {
  if (v < min || v > max) {
    throw NativeFailure(kErrInvalidArgument, what + " must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                                                 "]; got " + std::to_string(v));
  }
  return v;
}

// A row-major float32 result handed back to JavaScript as { data: Float32Array, shape: number[] }.
struct FloatTensor {
  std::vector<float> data;
  std::vector<int64_t> shape;
  // Griffin-Lim results only: the iterations each batch item ran (handed back as `iterations`).
  std::vector<int64_t> iterations;
};

struct CudaDeviceInfo {
  int index = 0;
  std::string name;         // empty when the driver could not be asked
  uint64_t totalMemory = 0; // bytes; 0 when unknown
};

struct DeviceReport {
  int cpuThreads = 1;
  bool cudaBuilt = false;   // this LibTorch has CUDA support loaded
  std::vector<CudaDeviceInfo> cuda;
  bool mpsAvailable = false;
};

// What decides the last bits of LibTorch's CPU results in this process, read on the LibTorch thread when
// asked: the thread counts, MKL's dynamic threading, the default mode's FFT path, ATen's vectorised kernel
// set and ATen's own summary (at::get_parallel_info).
struct NumericsReport {
  int threads = 1;
  int mklMaxThreads = -1;    // -1: no MKL
  int mklDynamic = -1;       // MKL's dynamic threading now: 1 on, 0 off, -1 no MKL
  std::string mklDynamicSource;  // "addon", "MKL_DYNAMIC=<value>" or "no MKL" (mkl_threading.h)
  std::string fftPath;       // "mkl-dfti" or "aten"
  std::string cpuCapability; // ATen's kernel set: "AVX512", "AVX2", "DEFAULT", ...
  std::string parallelInfo;
};

// The LibTorch version these sources were compiled against (TORCH_VERSION).
std::string libtorchVersion();
DeviceReport deviceReport();
// LibTorch's one-time CPU library setups, first thing on the LibTorch thread (torch_info.cc): MKL's
// threading made independent of load, and the NNPACK check that would otherwise log to stderr at the
// first convolution, done quietly.
void settleLibtorchStartup();
void setNumThreads(int n);
NumericsReport numericsReport();

// Square matrix product of two row-major n x n matrices on `device` (smoke test of a device).
std::vector<float> smokeMatmul(const std::string& device, const std::vector<float>& a,
                               const std::vector<float>& b, int64_t n);

// CUDA driver queries through libcuda (dlopen), so device names need no CUDA headers at build time.
bool cudaDriverDeviceInfo(int index, CudaDeviceInfo* out);

}  // namespace sda
