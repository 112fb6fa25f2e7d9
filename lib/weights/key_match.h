// Checking that a weights file has exactly the tensors a model expects, before copying.
//
//   std::vector<ExpectedTensor> expected = {{"features.0.weight", {64, 3, 3, 3}}, ...};
//   KeyMatchOptions options;
//   options.skip_prefixes = {"head.", "pre_logits."};   // a new classifier replaces ImageNet's
//   ASSIGN_OR_RETURN(std::vector<std::string> to_copy,
//                    MatchKeys(*file, "vgg16", expected, options));
//
// The checks run in the model's order, then over the file's extra keys, and the first
// difference is the error, e.g.
//   "weights.safetensors: key 'features.0.weight': shape [64,3,3,3] in the file, [64,1,3,3]
//    in vgg16".
// Keys starting with a skip prefix are ignored on both sides; nothing is skipped unless
// asked, so a loader never silently leaves a layer (or BatchNorm statistics) untouched.
#ifndef MAMMO_LIB_WEIGHTS_KEY_MATCH_H_
#define MAMMO_LIB_WEIGHTS_KEY_MATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/weights/safetensors.h"

namespace mammo::weights {

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
};

struct KeyMatchOptions {
  // Plain string prefixes: "fc." skips "fc.weight" but not "fc1.weight"; "fc" skips both.
  std::vector<std::string> skip_prefixes;
};

// The expected names that were not skipped, in the model's order: the tensors to copy.
// InvalidArgument naming the file, the key and the model on the first missing key,
// unexpected key or shape mismatch.
absl::StatusOr<std::vector<std::string>> MatchKeys(const SafetensorsFile& file,
                                                   absl::string_view model_name,
                                                   const std::vector<ExpectedTensor>& expected,
                                                   const KeyMatchOptions& options);

}  // namespace mammo::weights

#endif  // MAMMO_LIB_WEIGHTS_KEY_MATCH_H_
