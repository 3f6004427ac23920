// See mkl_dft.h. LibTorch links MKL statically and exports its DFTI entry points, but ships no MKL
// headers, so the few functions and constants used are declared here from MKL's documented C interface
// (mkl_dfti.h: LP64, MKL_LONG is long) and looked up at run time with dlsym, which also covers LibTorch
// builds without MKL.
#include "mkl_dft.h"

#include <dlfcn.h>

#include <cstdlib>

#include <string>

#include "bridge.h"

namespace sda {

namespace {

// mkl_dfti.h's enum values (DFTI_CONFIG_PARAM and DFTI_CONFIG_VALUE).
enum : int {
  kNumberOfTransforms = 7,
  kConjugateEvenStorage = 10,
  kPlacement = 11,
  kInputDistance = 14,
  kOutputDistance = 15,
  kThreadLimit = 27,
  kReal = 33,
  kComplexComplex = 39,
  kNotInplace = 44,
};

struct Dfti {
  long (*create)(void**, int domain, ...);  // DftiCreateDescriptor_s_1d(handle, domain, length)
  long (*set)(void*, int param, ...);
  long (*commit)(void*);
  long (*forward)(void*, void* in, ...);
  long (*backward)(void*, void* in, ...);
  long (*release)(void**);
  bool ok = false;
};

const Dfti& dfti() {
  static const Dfti table = [] {
    Dfti d{};
    d.create = reinterpret_cast<decltype(d.create)>(dlsym(RTLD_DEFAULT, "DftiCreateDescriptor_s_1d"));
    d.set = reinterpret_cast<decltype(d.set)>(dlsym(RTLD_DEFAULT, "DftiSetValue"));
    d.commit = reinterpret_cast<decltype(d.commit)>(dlsym(RTLD_DEFAULT, "DftiCommitDescriptor"));
    d.forward = reinterpret_cast<decltype(d.forward)>(dlsym(RTLD_DEFAULT, "DftiComputeForward"));
    d.backward = reinterpret_cast<decltype(d.backward)>(dlsym(RTLD_DEFAULT, "DftiComputeBackward"));
    d.release = reinterpret_cast<decltype(d.release)>(dlsym(RTLD_DEFAULT, "DftiFreeDescriptor"));
    // SDA_MKL_DFT=0: LibTorch's at::fft instead (the path of builds without MKL; test/58 compares them).
    const char* off = std::getenv("SDA_MKL_DFT");
    d.ok = d.create && d.set && d.commit && d.forward && d.backward && d.release && !(off && std::string(off) == "0");
    return d;
  }();
  return table;
}

void check(long status, const char* what) {
  if (status != 0) throw NativeFailure(kErrNative, std::string("MKL FFT: ") + what + " failed (status " + std::to_string(status) + ")");
}

// A committed descriptor for `count` real transforms of length n, real frames on one side and rows of
// n/2+1 complex values on the other.
void* makeDescriptor(int64_t n, int64_t count, int64_t threads, bool forward) {
  const Dfti& d = dfti();
  void* h = nullptr;
  check(d.create(&h, kReal, static_cast<long>(n)), "creating a descriptor");
  const long realDist = static_cast<long>(n), complexDist = static_cast<long>(n / 2 + 1);
  long s = d.set(h, kNumberOfTransforms, static_cast<long>(count));
  s = s ? s : d.set(h, kPlacement, kNotInplace);
  s = s ? s : d.set(h, kConjugateEvenStorage, kComplexComplex);
  s = s ? s : d.set(h, kInputDistance, forward ? realDist : complexDist);
  s = s ? s : d.set(h, kOutputDistance, forward ? complexDist : realDist);
  s = s ? s : d.set(h, kThreadLimit, static_cast<long>(threads));
  s = s ? s : d.commit(h);
  if (s != 0) {
    d.release(&h);
    check(s, "configuring a descriptor");
  }
  return h;
}

}  // namespace

bool RealDft::available() { return dfti().ok; }

RealDft::RealDft(int64_t n, int64_t count, int64_t threads) : count_(count) {
  forward_ = makeDescriptor(n, count, threads, true);
  try {
    backward_ = makeDescriptor(n, count, threads, false);
  } catch (...) {
    dfti().release(&forward_);
    throw;
  }
}

RealDft::~RealDft() {
  if (forward_) dfti().release(&forward_);
  if (backward_) dfti().release(&backward_);
}

void RealDft::forward(const float* in, float* out) {
  check(dfti().forward(forward_, const_cast<float*>(in), out), "forward transform");
}

void RealDft::backward(const float* in, float* out) {
  check(dfti().backward(backward_, const_cast<float*>(in), out), "inverse transform");
}

}  // namespace sda
