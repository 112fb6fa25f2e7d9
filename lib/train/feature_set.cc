#include "lib/train/feature_set.h"

#include "absl/strings/str_cat.h"
#include "lib/records/preprocessing.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"

namespace mammo::train {

FeatureSet FeatureSet::Select(Split split) const {
  FeatureSet out;
  out.source = source;
  out.embed_parameters = embed_parameters;
  out.preprocessing = preprocessing;
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < size(); ++i) {
    if (splits[i] != split) continue;
    rows.push_back(i);
    out.ids.push_back(ids[i]);
    out.patient_ids.push_back(patient_ids[i]);
    out.lesion_ids.push_back(lesion_ids[i]);
    out.splits.push_back(splits[i]);
    out.attributes.push_back(attributes[i]);
  }
  const torch::Tensor index = torch::tensor(rows, torch::kLong);
  out.features = rows.empty() ? torch::empty({0, width()}) : features.index_select(0, index);
  out.labels = rows.empty() ? torch::empty({0}) : labels.index_select(0, index);
  return out;
}

absl::StatusOr<FeatureSet> LoadFeatureSet(const std::vector<std::string>& inputs,
                                          const Task& task) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  if (task.count > 1) RETURN_IF_ERROR(reader->SelectTask(task));
  FeatureSet set;
  std::vector<float> values;
  std::vector<float> labels;
  int64_t width = -1;
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    const auto where = [&] {
      return absl::StrCat(reader->Position(), ": record '", record.id(), "'");
    };
    if (record.features_size() == 0) {
      if (record.has_image() && !record.image().data().empty() && width > 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(where(),
                         " is an image record but earlier records hold features: give either "
                         "feature shards from `embed` or image shards, not a mix"));
      }
      return absl::FailedPreconditionError(
          absl::StrCat(where(), " has no feature vector (run `embed` on the images first)"));
    }
    if (width < 0) {
      width = record.features_size();
      set.preprocessing = PreprocessingParameters(record);
      for (const Provenance& p : record.provenance()) {
        if (p.stage() != "embed") continue;
        set.source = "embed";
        for (const Parameter& parameter : p.parameters()) {
          if (parameter.name() == "model") set.source = absl::StrCat("embed: ", parameter.value());
          set.embed_parameters.emplace_back(parameter.name(), parameter.value());
        }
      }
    }
    if (record.features_size() != width) {
      return absl::FailedPreconditionError(absl::StrCat(where(), " has ", record.features_size(),
                                                        " features, earlier records ", width));
    }
    if (record.label() == LABEL_UNSPECIFIED) {
      return absl::FailedPreconditionError(absl::StrCat(where(), " has no label"));
    }
    values.insert(values.end(), record.features().begin(), record.features().end());
    labels.push_back(record.label() == MALIGNANT ? 1.0f : 0.0f);
    set.ids.push_back(record.id());
    set.patient_ids.push_back(record.patient_id());
    set.lesion_ids.push_back(record.lesion_id());
    set.splits.push_back(record.split());
    set.attributes.push_back(record.attributes());
  }
  const int64_t n = set.size();
  if (n == 0) {
    return absl::FailedPreconditionError(task.count > 1
                                             ? absl::StrCat("task ", task.ToString(),
                                                            "'s slice of the inputs is empty: "
                                                            "give fewer tasks than records")
                                             : "the inputs hold no records");
  }
  set.features = torch::from_blob(values.data(), {n, width}, torch::kFloat32).clone();
  set.labels = torch::from_blob(labels.data(), {n}, torch::kFloat32).clone();
  return set;
}

absl::StatusOr<InputKind> DetectInputKind(const std::vector<std::string>& inputs) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  Record record;
  ASSIGN_OR_RETURN(bool got, reader->Next(&record));
  if (!got) return absl::FailedPreconditionError("the inputs hold no records");
  if (record.features_size() > 0) return InputKind::kFeatures;
  if (record.has_image() && !record.image().data().empty()) return InputKind::kImages;
  return absl::FailedPreconditionError(absl::StrCat(reader->Position(), ": record '", record.id(),
                                                    "' holds neither features nor an image"));
}

}  // namespace mammo::train
