#include "lib/models/backbone.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/match.h"

namespace mammo::models {

bool UnitHolds(const ForwardUnit& unit, const std::string& path) {
  for (const std::string& module : unit.modules) {
    if (module.empty() || path == module || absl::StartsWith(path, module + ".")) return true;
  }
  return false;
}

torch::Tensor PadSameAsTensorFlow(const torch::Tensor& x, int64_t kernel, int64_t stride,
                                  double value) {
  const auto pads = [&](int64_t in) {
    const int64_t out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((out - 1) * stride + kernel - in, 0);
    return std::pair<int64_t, int64_t>{total / 2, total - total / 2};
  };
  const auto [top, bottom] = pads(x.size(2));
  const auto [left, right] = pads(x.size(3));
  if (top == 0 && bottom == 0 && left == 0 && right == 0) return x;
  return torch::constant_pad_nd(x, {left, right, top, bottom}, value);
}

torch::Tensor SameMaxPool2dImpl::forward(const torch::Tensor& x) {
  return torch::max_pool2d(
      PadSameAsTensorFlow(x, kernel_, stride_, -std::numeric_limits<double>::infinity()), kernel_,
      stride_);
}

std::vector<ForwardUnit> BackboneImpl::Units() {
  return {{{""}, [this](const torch::Tensor& x) { return Features(x); }}};
}

}  // namespace mammo::models
