#include "lib/weights/key_match.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mammo::weights {
namespace {

bool IsSkipped(const std::string& name, const KeyMatchOptions& options) {
  for (const std::string& prefix : options.skip_prefixes) {
    if (absl::StartsWith(name, prefix)) return true;
  }
  return false;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

}  // namespace

absl::StatusOr<std::vector<std::string>> MatchKeys(const SafetensorsFile& file,
                                                   absl::string_view model_name,
                                                   const std::vector<ExpectedTensor>& expected,
                                                   const KeyMatchOptions& options) {
  std::vector<std::string> to_copy;
  std::set<std::string> expected_names;
  for (const ExpectedTensor& tensor : expected) {
    expected_names.insert(tensor.name);
    if (IsSkipped(tensor.name, options)) continue;
    const TensorView* found = file.Find(tensor.name);
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(file.path(), ": key '", tensor.name, "' of ",
                                                     model_name, " is missing from the file"));
    }
    if (found->shape != tensor.shape) {
      return absl::InvalidArgumentError(
          absl::StrCat(file.path(), ": key '", tensor.name, "': shape ", ShapeText(found->shape),
                       " in the file, ", ShapeText(tensor.shape), " in ", model_name));
    }
    to_copy.push_back(tensor.name);
  }
  for (const std::string& name : file.names()) {
    if (IsSkipped(name, options) || expected_names.count(name) > 0) continue;
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": key '", name, "' in the file is not in ", model_name));
  }
  return to_copy;
}

}  // namespace mammo::weights
