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
#include "lib/models/compute_threads.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"
#include "lib/train/frozen_backbone.h"
#include "lib/train/image_set.h"

namespace mammo::embed {
absl::Status Embed(const EmbedOptions& options) {
  if (options.batch < 0) return absl::InvalidArgumentError("--batch must be 0 or more");
  models::SetComputeThreads(options.threads);
  train::FrozenBackboneSpec spec;
  spec.model = options.model;
  spec.weights = options.weights;
  spec.image_size = options.image_size;
  if (spec.image_size == 0) {
    ASSIGN_OR_RETURN(spec.image_size, train::InputImageSize(options.inputs));
  }
  spec.layer = options.layer;
  spec.mean = options.mean;
  spec.std = options.std;
  if (options.cuda && !torch::cuda::is_available()) {
    return absl::InvalidArgumentError(
        "--device cuda: this LibTorch has no CUDA or no GPU is visible (build with "
        "LIBTORCH_DIR pointing at a CUDA LibTorch)");
  }
  spec.device = options.cuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  spec.precision = options.precision;
  ASSIGN_OR_RETURN(std::unique_ptr<train::FrozenBackbone> net, train::FrozenBackbone::Create(spec));
  const int size = net->image_size();
  const size_t batch_size = options.batch > 0 ? options.batch : net->BatchForAllThreads();
  const std::vector<std::pair<std::string, std::string>> parameters = net->Parameters();
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(options.inputs));
  RETURN_IF_ERROR(reader->SelectTask(options.task));
  ASSIGN_OR_RETURN(
      std::unique_ptr<ShardWriter> writer,
      ShardWriter::Open(options.output,
                        StageInfo{"embed", cli::ToolName(), std::string(cli::kVersion), parameters},
                        options.task));
  cli::Progress progress("images", reader->ExpectedRecords());
  const auto start = std::chrono::steady_clock::now();
  uint64_t images = 0;

  std::vector<Record> batch;
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    std::vector<const Record*> rows;
    for (const Record& record : batch) rows.push_back(&record);
    ASSIGN_OR_RETURN(torch::Tensor pooled, net->Embed(rows));
    pooled = pooled.to(torch::kCPU).contiguous();
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
    batch.clear();
    return absl::OkStatus();
  };

  while (true) {
    Record record;
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    batch.push_back(std::move(record));
    if (batch.size() == batch_size) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  RETURN_IF_ERROR(writer->Close());
  progress.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << cli::ToolName() << ": " << images << " images, " << net->info().name << " at "
            << size << "x" << size << ", " << seconds << " s, "
            << (seconds > 0 ? images / seconds : 0.0) << " images/s\n";
  return absl::OkStatus();
}

}  // namespace mammo::embed
