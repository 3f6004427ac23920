// A generation allocates and frees tens of MB per Griffin-Lim call (spectra, phases, waveforms). With
// glibc's defaults, blocks over its mmap threshold (128 KB, rising to at most 32 MB) are mapped fresh
// and unmapped on free, and the heap's top is given back past 2x that: so the same memory is faulted in
// again call after call. On virtual machines a page fault costs 10-20 us (measured: 23 MB first touched
// in 70-120 ms), a large part of a generation's time. Keeping blocks up to 64 MB in the heap and up to
// 256 MB of free heap top lets later calls reuse the pages: here a 60 s render's first run in a process
// took 1.75-1.92 s instead of 2.19-2.57 s, later runs about the same or up to 10 % less (docs/native.md).
// The process's peak memory is unchanged; what changes is that up to 256 MB
// freed at the heap's top stays mapped for the next generation instead of going back to the system.
#include "malloc_tuning.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sda {

namespace {

bool userChoseSettings() {
  const char* off = std::getenv("SDA_MALLOC_TUNING");
  if (off && std::strcmp(off, "0") == 0) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return true;
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

}  // namespace

void tuneMalloc() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    if (userChoseSettings()) return;
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
#endif
}

}  // namespace sda
