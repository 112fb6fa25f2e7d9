#include "tools/embed/embed_lib.h"

#include <torch/torch.h>

#include <chrono>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/image/preprocess.h"
#include "lib/models/model_info.h"
#include "lib/models/parallel_batches.h"
#include "lib/models/registry.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"

namespace mammo::embed {
namespace {

std::string TripleText(const std::array<float, 3>& v) { return absl::StrJoin(v, ","); }

}  // namespace

absl::StatusOr<std::array<float, 3>> ParseTriple(const std::string& text) {
  const std::vector<std::string> parts = absl::StrSplit(text, ',');
  std::array<float, 3> values;
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': want three numbers, as in 0.5,0.5,0.5"));
  }
  for (int i = 0; i < 3; ++i) {
    if (!absl::SimpleAtof(parts[i], &values[i])) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': '", parts[i], "' is not a number"));
    }
  }
  return values;
}

absl::Status Embed(const EmbedOptions& options) {
  const models::ModelInfo* info = models::FindModel(options.model);
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown model '", options.model,
                                                   "'; known models: ", models::ModelNames()));
  }
  if (options.weights.empty()) {
    return absl::InvalidArgumentError("--weights is required (a safetensors file, or none)");
  }
  if (options.batch < 1) return absl::InvalidArgumentError("--batch must be at least 1");
  if (options.image_size < 0) return absl::InvalidArgumentError("--image_size must be positive");
  const int size = options.image_size > 0 ? options.image_size : info->input_size;
  const std::array<float, 3> mean = options.mean.value_or(info->mean);
  const std::array<float, 3> std = options.std.value_or(info->std);
  for (float s : std) {
    if (!(s > 0)) return absl::InvalidArgumentError("--std values must be positive");
  }

  // Whole batches run in parallel, one LibTorch thread each (parallel_batches.h), so that the
  // output bytes do not depend on --threads.
  const int workers = cli::ResolveThreads(options.threads);
  // With --weights none the random model must be the same on every run.
  torch::manual_seed(0);
  ASSIGN_OR_RETURN(std::shared_ptr<models::BackboneImpl> net, models::CreateBackbone(info->name));
  if (options.weights == "none") {
    std::cerr << cli::ToolName() << ": WARNING: --weights none: " << info->name
              << " has RANDOM weights; these features are meaningless except for testing\n";
  } else {
    const absl::Status loaded =
        models::LoadPretrained(options.weights, *info, /*skip_classifier=*/true, *net);
    // A file whose keys or shapes do not fit the model is bad input data (exit 2), not a
    // usage error, although lib/weights reports it as InvalidArgument.
    if (loaded.code() == absl::StatusCode::kInvalidArgument) {
      return absl::FailedPreconditionError(loaded.message());
    }
    RETURN_IF_ERROR(loaded);
  }
  net->eval();

  const std::vector<std::pair<std::string, std::string>> parameters = {
      {"model", info->name},
      {"weights", options.weights},
      {"image_size", absl::StrCat(size)},
      {"mean", TripleText(mean)},
      {"std", TripleText(std)}};
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(options.inputs));
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer,
                   ShardWriter::Open(options.output, StageInfo{"embed", cli::ToolName(),
                                                               std::string(cli::kVersion),
                                                               parameters}));
  cli::Progress progress("images", reader->ExpectedRecords());
  const auto start = std::chrono::steady_clock::now();
  uint64_t images = 0;

  // Pooled features of one batch; runs on a worker thread.
  const auto embed_batch = [&](const std::vector<Record>& batch) -> absl::StatusOr<torch::Tensor> {
    torch::Tensor input = torch::empty({static_cast<int64_t>(batch.size()), 3, size, size});
    for (size_t i = 0; i < batch.size(); ++i) {
      RETURN_IF_ERROR(PreprocessImage(batch[i], size, mean, std, input[i].data_ptr<float>()));
    }
    torch::InferenceMode inference;
    return models::GlobalAveragePool(net->Features(input)).contiguous();
  };
  const auto write_batch = [&](std::vector<Record>& batch, const torch::Tensor& pooled) {
    for (size_t i = 0; i < batch.size(); ++i) {
      Record& record = batch[i];
      const float* row = pooled[i].data_ptr<float>();
      record.clear_image();
      record.clear_masks();
      record.mutable_features()->Assign(row, row + pooled.size(1));
      Provenance* step = record.add_provenance();
      step->set_stage("embed");
      step->set_tool(cli::ToolName());
      step->set_tool_version(std::string(cli::kVersion));
      for (const auto& [name, value] : parameters) {
        Parameter* p = step->add_parameters();
        p->set_name(name);
        p->set_value(value);
      }
      step->add_parent_ids(record.id());
      RETURN_IF_ERROR(writer->Write(record));
    }
    images += batch.size();
    progress.Add(batch.size());
    return absl::OkStatus();
  };

  // Rounds of one batch per worker, written in input order.
  bool more = true;
  while (more) {
    std::vector<std::vector<Record>> batches;
    while (static_cast<int>(batches.size()) < workers) {
      std::vector<Record> batch;
      while (static_cast<int>(batch.size()) < options.batch) {
        Record record;
        ASSIGN_OR_RETURN(more, reader->Next(&record));
        if (!more) break;
        batch.push_back(std::move(record));
      }
      if (!batch.empty()) batches.push_back(std::move(batch));
      if (!more) break;
    }
    const std::vector<absl::StatusOr<torch::Tensor>> pooled = models::RunBatchesInParallel(
        batches.size(), workers, [&](size_t w) { return embed_batch(batches[w]); });
    for (size_t w = 0; w < batches.size(); ++w) {
      RETURN_IF_ERROR(pooled[w].status());
      RETURN_IF_ERROR(write_batch(batches[w], *pooled[w]));
    }
  }
  RETURN_IF_ERROR(writer->Close());
  progress.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << cli::ToolName() << ": " << images << " images, " << info->name << " at " << size
            << "x" << size << ", " << seconds << " s, "
            << (seconds > 0 ? images / seconds : 0.0) << " images/s\n";
  return absl::OkStatus();
}

}  // namespace mammo::embed
