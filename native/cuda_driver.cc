// Asks the CUDA driver (libcuda.so.1, present wherever an NVIDIA driver is) for device names.
// LibTorch's CUDA hooks give the device count but no names, and the CUDA runtime headers are not
// available in a CPU build; the driver API's C ABI is stable, so a dlopen is enough.
#include <dlfcn.h>

#include <mutex>

#include "bridge.h"

namespace sda {
namespace {

using CuInit = int (*)(unsigned int);
using CuDeviceGet = int (*)(int*, int);
using CuDeviceGetName = int (*)(char*, int, int);
using CuDeviceTotalMem = int (*)(size_t*, int);

struct Driver {
  CuInit init = nullptr;
  CuDeviceGet deviceGet = nullptr;
  CuDeviceGetName getName = nullptr;
  CuDeviceTotalMem totalMem = nullptr;
  bool ok = false;
};

const Driver& driver() {
  static Driver d;
  static std::once_flag once;
  std::call_once(once, [] {
    void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
    d.init = reinterpret_cast<CuInit>(dlsym(h, "cuInit"));
    d.deviceGet = reinterpret_cast<CuDeviceGet>(dlsym(h, "cuDeviceGet"));
    d.getName = reinterpret_cast<CuDeviceGetName>(dlsym(h, "cuDeviceGetName"));
    d.totalMem = reinterpret_cast<CuDeviceTotalMem>(dlsym(h, "cuDeviceTotalMem_v2"));
    d.ok = d.init && d.deviceGet && d.getName && d.init(0) == 0;
  });
  return d;
}

}  // namespace

bool cudaDriverDeviceInfo(int index, CudaDeviceInfo* out) {
  const Driver& d = driver();
  out->index = index;
  if (!d.ok) return false;
  int dev = 0;
  if (d.deviceGet(&dev, index) != 0) return false;
  char name[256] = {0};
  if (d.getName(name, sizeof(name) - 1, dev) == 0) out->name = name;
  size_t bytes = 0;
  if (d.totalMem && d.totalMem(&bytes, dev) == 0) out->totalMemory = bytes;
  return true;
}

}  // namespace sda
