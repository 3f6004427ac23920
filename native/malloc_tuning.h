// The C library's allocator settings for a process that generates audio (see malloc_tuning.cc).
#pragma once

namespace sda {

// Applied once per process, when the addon is first loaded; a no-op off glibc, or when the user set the
// allocator's thresholds, or SDA_MALLOC_TUNING=0.
void tuneMalloc();

}  // namespace sda
