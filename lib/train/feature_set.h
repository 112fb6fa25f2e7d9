// Feature records (from `embed`) loaded into tensors for training and prediction.
//
//   ASSIGN_OR_RETURN(FeatureSet all, LoadFeatureSet({"out/feats@8"}));
//   FeatureSet train = all.Select(TRAIN);
//   torch::Tensor x = train.features;    // [N, D] float32
//   torch::Tensor y = train.labels;      // [N] float32, 1 = malignant
//
// Feature vectors are small (D = 512 to 2048 floats), so even 60,000 records fit in memory
// (60,000 x 2048 x 4 bytes = 492 MB at most); images are never loaded here.
#ifndef MAMMO_LIB_TRAIN_FEATURE_SET_H_
#define MAMMO_LIB_TRAIN_FEATURE_SET_H_

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"
#include "lib/records/task.h"

namespace mammo::train {

struct FeatureSet {
  torch::Tensor features;  // [N, D] float32
  torch::Tensor labels;    // [N] float32: 1 malignant, 0 benign
  std::vector<std::string> ids;
  std::vector<std::string> patient_ids;
  std::vector<std::string> lesion_ids;
  std::vector<Split> splits;
  std::vector<Attributes> attributes;  // the records' clinical attributes, for subgroups
  // The stage that produced the features (e.g. "embed: vgg16"), from the records' provenance.
  std::string source;
  // The embed stage's parameters (model, weights, image_size, mean, std) from the first
  // record's provenance; empty for features from elsewhere.
  std::vector<std::pair<std::string, std::string>> embed_parameters;
  // The first record's dcm2png and roicrop parameters (lib/records/preprocessing.h).
  std::vector<std::pair<std::string, std::string>> preprocessing;

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  int64_t width() const { return features.defined() ? features.size(1) : 0; }
  // The records of one split, in input order.
  FeatureSet Select(Split split) const;
};

// Reads every record of `inputs` (of `task`'s slice of them: ShardReader::SelectTask). Fails,
// naming the record, on a record without features or label, or with a feature width that
// differs from the first record's.
absl::StatusOr<FeatureSet> LoadFeatureSet(const std::vector<std::string>& inputs,
                                          const Task& task = Task{});

// What the first record of `inputs` holds: a feature vector (from `embed`; it wins when a
// record holds both) or an image. FailedPrecondition naming the record when it holds neither,
// or when the inputs hold no records.
enum class InputKind { kFeatures, kImages };
absl::StatusOr<InputKind> DetectInputKind(const std::vector<std::string>& inputs);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_FEATURE_SET_H_
