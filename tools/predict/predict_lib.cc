#include "tools/predict/predict_lib.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "data_formats/record.pb.h"
#include "lib/records/byte_io.h"
#include "lib/status/status_macros.h"
#include "lib/train/feature_set.h"
#include "lib/train/finetune.h"
#include "lib/train/run_config.h"
#include "lib/train/trainer.h"

namespace mammo::predict {
namespace {

// Ids come from file and folder names; quote a field only when CSV needs it.
std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

void AppendLine(const std::string& id, const std::string& patient_id, const std::string& lesion_id,
                Split split, bool malignant, double probability, std::string* csv) {
  absl::StrAppendFormat(csv, "%s,%s,%s,%s,%d,%.9g\n", CsvField(id), CsvField(patient_id),
                        CsvField(lesion_id),
                        split == SPLIT_NONE ? "none" : absl::AsciiStrToLower(Split_Name(split)),
                        malignant ? 1 : 0, probability);
}

absl::Status WriteCsv(const std::string& path, const std::string& csv) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create(path));
  RETURN_IF_ERROR(out->Write(csv));
  return out->Close();
}

}  // namespace

absl::Status Run(const Options& options) {
  ASSIGN_OR_RETURN(train::RunConfig config,
                   train::ReadRunConfig(absl::StrCat(options.run_dir, "/run.json")));
  std::string csv = "id,patient_id,lesion_id,split,label,probability\n";
  if (config.stage == "ft_train") {  // a fine-tuned backbone: its inputs are images
    ASSIGN_OR_RETURN(train::ImagePredictions predictions,
                     train::PredictImages(options.run_dir, options.checkpoint, options.inputs));
    for (size_t i = 0; i < predictions.records.size(); ++i) {
      const Record& r = predictions.records[i];
      AppendLine(r.id(), r.patient_id(), r.lesion_id(), r.split(), r.label() == MALIGNANT,
                 predictions.probabilities[i], &csv);
    }
    return WriteCsv(options.output, csv);
  }
  ASSIGN_OR_RETURN(train::FeatureSet set, train::LoadFeatureSet(options.inputs));
  if (set.width() != config.head.in_features) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the inputs have ", set.width(), " features per record, run ", config.run_name,
        " was trained on ", config.head.in_features, " (", config.features_source, ")"));
  }
  train::Head head(config.head);
  RETURN_IF_ERROR(
      train::LoadHeadWeights(absl::StrCat(options.run_dir, "/", options.checkpoint), head));
  torch::NoGradGuard no_grad;
  head->eval();
  const torch::Tensor probabilities =
      torch::sigmoid(head->forward(set.features)).to(torch::kFloat64).contiguous();
  const double* p = probabilities.data_ptr<double>();
  for (int64_t i = 0; i < set.size(); ++i) {
    AppendLine(set.ids[i], set.patient_ids[i], set.lesion_ids[i], set.splits[i],
               set.labels[i].item<float>() > 0.5f, p[i], &csv);
  }
  return WriteCsv(options.output, csv);
}

}  // namespace mammo::predict
