// torch.manual_seed's CPU generator and its draws (see rng.h).
#include "rng.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <ATen/ops/view_as_real.h>

#include "bridge.h"
#include "host_tensor.h"
#include "torch_errors.h"

namespace sda {

struct Rng::Impl {
  at::Generator gen;
  at::Tensor scratch;  // skipComplex's draws
};

Rng::Rng(uint64_t seed) : impl_(std::make_unique<Impl>()) { impl_->gen = at::detail::createCPUGenerator(seed); }
Rng::~Rng() = default;

namespace {
void checkDrawShape(const std::vector<int64_t>& shape) {
  if (checkedElementCount(shape, "shape") > (int64_t{1} << 28)) {
    throw NativeFailure(kErrInvalidArgument, "shape: more than 2^28 values in one draw");
  }
}
}  // namespace

std::vector<float> Rng::randn(const std::vector<int64_t>& shape) {
  checkDrawShape(shape);
  return inferenceCall([&] { return toHost(at::randn(shape, impl_->gen, at::TensorOptions().dtype(at::kFloat))).data; });
}

std::vector<float> Rng::randComplex(const std::vector<int64_t>& shape) {
  checkDrawShape(shape);
  return inferenceCall([&] {
    at::Tensor c = at::rand(shape, impl_->gen, at::TensorOptions().dtype(at::kComplexFloat));
    return toHost(at::view_as_real(c)).data;
  });
}

void Rng::skipComplex(const std::vector<int64_t>& shape) {
  checkDrawShape(shape);
  inferenceCall([&] {
    at::Tensor& s = impl_->scratch;
    if (!s.defined()) s = at::empty({0}, at::TensorOptions().dtype(at::kComplexFloat));
    at::rand_out(s, shape, impl_->gen);  // the same uniform_ over the same count as at::rand
  });
}

}  // namespace sda
