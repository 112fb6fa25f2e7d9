#include "lib/records/preprocessing.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace mammo {

std::vector<std::pair<std::string, std::string>> PreprocessingParameters(const Record& record) {
  static const absl::flat_hash_set<std::string> kStages = {"dcm2png", "roicrop"};
  static const absl::flat_hash_set<std::string> kPerRecordOrDataset = {
      "aspect",  "crop_box",      "interpolation", "mask_box", "region",
      "dataset", "mask_mismatch", "mask_rescaled", "split"};
  std::vector<std::pair<std::string, std::string>> parameters;
  for (const Provenance& step : record.provenance()) {
    if (!kStages.contains(step.stage())) continue;
    for (const Parameter& p : step.parameters()) {
      if (kPerRecordOrDataset.contains(p.name())) continue;
      parameters.emplace_back(absl::StrCat(step.stage(), ".", p.name()), p.value());
    }
  }
  return parameters;
}

}  // namespace mammo
