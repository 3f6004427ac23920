// All LibTorch computation of the process runs on one long-lived thread.
//
// Why: LibTorch's CPU kernels use OpenMP, and libgomp keeps a team of worker threads per thread that
// starts parallel work. When several threads do (the JS thread and libuv's pool threads, say), more
// OpenMP threads exist than cores, libgomp throttles its waiting, and every small parallel region pays
// a wake-up: measured here, an FFT of a chunk's 94 frames takes 67 us on the first thread that used
// OpenMP and 135 us on any other, and Griffin-Lim runs half as fast. Funnelling the work through one
// thread keeps one team, so the addon runs at the speed of a Python script calling the same ops.
#pragma once

#include <functional>

namespace sda {

// Queues `task` on the LibTorch thread and returns at once; nothing ever waits for that thread. Tasks
// run in the order they were posted; `task` reports its own failures (exceptions are caught and dropped).
// Results reach JavaScript through torch_call.h.
void postToTorchThread(std::function<void()> task);

// For a process that is exiting (its 'exit' event, before C++ static destructors run): the LibTorch
// thread runs no further task, and this waits, at most `maxWaitMs`, for the task in progress to finish,
// so that LibTorch's objects are not destroyed under it. Returns whether the thread was left idle.
bool stopTorchThreadForExit(int maxWaitMs);

}  // namespace sda
