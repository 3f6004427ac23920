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
#include <optional>
#include <type_traits>

namespace sda {

// Runs `task` on the LibTorch thread and waits for it; exceptions are rethrown in the caller. Called
// from the LibTorch thread itself, it runs the task inline.
void runOnTorchThread(const std::function<void()>& task);

// The result of `fn()` computed on the LibTorch thread.
template <typename Fn>
auto onTorchThread(Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    runOnTorchThread(fn);
  } else {
    std::optional<R> value;
    runOnTorchThread([&] { value.emplace(fn()); });
    return std::move(*value);
  }
}

}  // namespace sda
