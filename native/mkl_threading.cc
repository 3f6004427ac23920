// See mkl_threading.h. LibTorch links MKL statically and exports its service functions; they are looked
// up with dlsym (as mkl_dft.cc does DFTI): the setters by their C names from MKL's documented
// mkl_service.h, the dynamic-threading query by the service function MKL_Get_Dynamic stands for (its
// answers checked against MKL_DYNAMIC and torch.set_num_threads from Python's torch 2.13).
#include "mkl_threading.h"

#include <dlfcn.h>

#include <cstdlib>

namespace sda {

namespace {

std::string& source() {
  static std::string* s = new std::string("not settled");  // process-wide, never freed
  return *s;
}

template <typename Fn>
Fn lookup(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void settleMklThreading() {
  auto setDynamic = lookup<void (*)(int)>("MKL_Set_Dynamic");
  if (!setDynamic) {
    source() = "no MKL";
    return;
  }
  if (const char* env = std::getenv("MKL_DYNAMIC")) {
    source() = std::string("MKL_DYNAMIC=") + env;
    return;
  }
  setDynamic(0);
  source() = "addon";
}

const std::string& mklDynamicSource() { return source(); }

int mklDynamicNow() {
  auto get = lookup<int (*)()>("mkl_serv_get_dynamic");
  return get ? (get() != 0 ? 1 : 0) : -1;
}

int mklMaxThreads() {
  auto get = lookup<int (*)()>("MKL_Get_Max_Threads");
  return get ? get() : -1;
}

}  // namespace sda
