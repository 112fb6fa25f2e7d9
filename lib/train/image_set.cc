#include "lib/train/image_set.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/image/preprocess.h"
#include "lib/models/parallel_batches.h"
#include "lib/records/preprocessing.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"
#include "lib/train/trainer.h"

namespace mammo::train {

absl::StatusOr<TrainAndValidImages> LoadTrainAndValidImages(const std::vector<std::string>& inputs,
                                                            const Preprocessing& p) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  TrainAndValidImages sets;
  std::vector<float> train_labels, valid_labels;
  std::vector<float> scratch(3 * static_cast<size_t>(p.size) * p.size);
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    const auto where = [&] {
      return absl::StrCat(reader->Position(), ": record '", record.id(), "'");
    };
    if (!record.has_image() || record.image().data().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          where(),
          record.features_size() > 0
              ? " holds features, not an image: give ROI image shards, or (tl_train) feature "
                "shards from `embed`, not a mix"
              : " has no image"));
    }
    if (record.split() != TRAIN && record.split() != VALID) continue;
    if (record.label() == LABEL_UNSPECIFIED) {
      return absl::FailedPreconditionError(absl::StrCat(where(), " has no label"));
    }
    const absl::Status decoded = PreprocessImage(record, p.size, p.mean, p.std, scratch.data());
    if (!decoded.ok()) {
      return absl::Status(decoded.code(), absl::StrCat(where(), ": ", decoded.message()));
    }
    if (sets.train.records.empty() && sets.valid.records.empty()) {
      sets.preprocessing = PreprocessingParameters(record);
    }
    // Only the id, image and label are needed: the rest would waste memory.
    record.clear_masks();
    record.clear_provenance();
    record.clear_features();
    const bool train = record.split() == TRAIN;
    (train ? train_labels : valid_labels).push_back(record.label() == MALIGNANT ? 1.0f : 0.0f);
    (train ? sets.train : sets.valid).records.push_back(std::move(record));
    record = Record();
  }
  sets.train.labels = torch::tensor(train_labels, torch::kFloat32);
  sets.valid.labels = torch::tensor(valid_labels, torch::kFloat32);
  RETURN_IF_ERROR(CheckLabels(sets.train.labels, "training"));
  if (sets.valid.records.empty()) {
    return absl::FailedPreconditionError(
        "the validation set is empty: early stopping needs VALID records");
  }
  RETURN_IF_ERROR(CheckLabels(sets.valid.labels, "validation"));
  return sets;
}

absl::StatusOr<int> InputImageSize(const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    if (input == "-") {
      return absl::InvalidArgumentError(
          "--image_size is needed with stdin as input (its first record cannot be read twice)");
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  Record record;
  ASSIGN_OR_RETURN(const bool got, reader->Next(&record));
  if (!got || !record.has_image() || record.image().width() == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(inputs.front(),
                     ": the first record holds no image to take the size from: give --image_size"));
  }
  const Image& image = record.image();
  if (image.width() != image.height()) {
    return absl::InvalidArgumentError(absl::StrCat(
        reader->Position(), ": record '", record.id(), "' is ", image.width(), "x", image.height(),
        ", not square: give --image_size (images are resized to a square)"));
  }
  return static_cast<int>(image.width());
}

torch::Tensor DecodeBatch(const ImageSet& set, const torch::Tensor& rows, const Preprocessing& p) {
  const int64_t n = rows.numel();
  const auto index = rows.accessor<int64_t, 1>();
  torch::Tensor batch = torch::empty({n, 3, p.size, p.size});
  std::vector<absl::Status> statuses(n);
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      statuses[i] =
          PreprocessImage(set.records[index[i]], p.size, p.mean, p.std, batch[i].data_ptr<float>());
    }
  });
  for (const absl::Status& status : statuses) TORCH_CHECK(status.ok(), status.ToString());
  return batch;
}

torch::Tensor MapRowBatches(int64_t n, int batch_size, torch::Device device, bool autocast,
                            const std::function<torch::Tensor(const torch::Tensor&)>& run) {
  const size_t batches = static_cast<size_t>((n + batch_size - 1) / batch_size);
  const std::vector<absl::StatusOr<torch::Tensor>> parts = models::RunBatchesInParallel(
      batches, device.is_cpu() ? at::get_num_threads() : 1,
      [&](size_t i) -> absl::StatusOr<torch::Tensor> {
        torch::NoGradGuard no_grad;
        const int64_t begin = static_cast<int64_t>(i) * batch_size;
        const torch::Tensor rows = torch::arange(begin, std::min<int64_t>(begin + batch_size, n));
        try {
          Autocast scope(device.type(), autocast);
          return run(rows).to(torch::kCPU);
        } catch (const c10::Error& e) {  // must not escape a worker thread
          return absl::InternalError(e.what_without_backtrace());
        }
      });
  std::vector<torch::Tensor> outputs;
  for (const absl::StatusOr<torch::Tensor>& part : parts) {
    TORCH_CHECK(part.ok(), part.status().ToString());  // as a failure on this thread would
    outputs.push_back(*part);
  }
  return torch::cat(outputs);
}

}  // namespace mammo::train
