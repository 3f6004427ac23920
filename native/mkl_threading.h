// MKL's threading settings for the process, set once first thing on the LibTorch thread, and the facts a
// reproducibility report needs (numericsReport in torch_info.cc). Torch side, like mkl_dft.h.
#pragma once

#include <string>

namespace sda {

// Turns MKL's dynamic threading off unless the process's real environment sets MKL_DYNAMIC: with it on,
// MKL may run an FFT or a least-squares solve on fewer threads than asked when the cores are busy, and
// the last bits of the result then depend on the load. Done here rather than by setting the variable
// from JavaScript, which reaches neither a Jest test's nor a worker thread's copy of the environment.
void settleMklThreading();

// Who decided MKL's dynamic threading: "addon" (settleMklThreading turned it off), "MKL_DYNAMIC=<value>"
// (the environment's, left to MKL) or "no MKL" (a LibTorch build without it).
const std::string& mklDynamicSource();

// MKL's dynamic threading as MKL reports it now: 1 on, 0 off, -1 unknown (no MKL).
int mklDynamicNow();

// MKL's own thread count (mkl_get_max_threads), -1 without MKL.
int mklMaxThreads();

}  // namespace sda
