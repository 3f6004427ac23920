// The random generator of the sampling paths, behind a plain C++ interface (no torch headers here).
// Implementation: rng.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace sda {

// A random generator with PyTorch's CPU stream (its draws are serial kernels, cheap enough for the
// caller's thread): after seeding, randn/rand draw exactly what Python's
// torch.manual_seed(seed); torch.randn(...) / torch.rand(..., dtype=complex64) draw.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  ~Rng();
  // torch.randn(shape) values, row-major.
  std::vector<float> randn(const std::vector<int64_t>& shape);
  // torch.rand(shape, dtype=complex64) values, interleaved real/imag.
  std::vector<float> randComplex(const std::vector<int64_t>& shape);
  // Advances the stream exactly as randComplex(shape) would, without handing the values out (drawn into
  // a buffer the generator keeps for the next skip).
  void skipComplex(const std::vector<int64_t>& shape);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sda
