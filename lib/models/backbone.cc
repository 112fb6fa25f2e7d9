#include "lib/models/backbone.h"

#include "absl/strings/match.h"

namespace mammo::models {

bool UnitHolds(const ForwardUnit& unit, const std::string& path) {
  for (const std::string& module : unit.modules) {
    if (module.empty() || path == module || absl::StartsWith(path, module + ".")) return true;
  }
  return false;
}

std::vector<ForwardUnit> BackboneImpl::Units() {
  return {{{""}, [this](const torch::Tensor& x) { return Features(x); }}};
}

}  // namespace mammo::models
