#include "tools/ft_train/ft_train_lib.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/cli/cli.h"
#include "lib/models/compute_threads.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/records/crc32c.h"
#include "lib/records/task.h"
#include "lib/status/status_macros.h"
#include "lib/train/autocast.h"
#include "lib/train/image_set.h"
#include "lib/train/run_config.h"
#include "lib/train/run_folder.h"
#include "tools/ft_train/prefix_cache_file.h"

namespace mammo::ft_train {
namespace {

struct PrefixCache {
  torch::Tensor train, valid;                       // undefined: not cached; on disk: memory-mapped
  torch::ScalarType computed_as = torch::kFloat32;  // the prefix's output dtype, Suffix's input

  // Rows `rows` of `set` (train or valid) as Suffix takes them, on `device`.
  torch::Tensor Rows(const torch::Tensor& set, const torch::Tensor& rows,
                     torch::Device device) const {
    return set.index_select(0, rows).to(device, computed_as);
  }
};

// Float32 logits on the CPU of the images [first, last) of `set`, the model in inference mode,
// in MapRowBatches' batches, so that they (and the checkpoint chosen by them) do not depend
// on the thread count. With `cached` (the set's prefix outputs in `cache`) only the suffix
// runs.
torch::Tensor ImageLogits(train::FineTuneModelImpl& model, const train::ImageSet& set,
                          const train::Preprocessing& p, int batch_size, torch::Device device,
                          bool autocast, const PrefixCache& cache, const torch::Tensor& cached,
                          int64_t first, int64_t last) {
  model.eval();
  return train::MapRowBatches(
             last - first, batch_size, device, autocast,
             [&](const torch::Tensor& batch) {
               const torch::Tensor rows = batch + first;
               return cached.defined() ? model.Suffix(cache.Rows(cached, rows, device))
                                       : model.forward(train::DecodeBatch(set, rows, p).to(device));
             })
      .to(torch::kCPU, torch::kFloat32);
}

// CRC32C of every backbone parameter and buffer as loaded (the head's left out): the weights
// part of the prefix cache's key, computed once for both sets.
uint32_t BackboneCrc32c(train::FineTuneModelImpl& model) {
  uint32_t crc = 0;
  const auto add = [&crc](const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kCPU).contiguous();
    crc = crc32c::Extend(crc, c.data_ptr(), c.numel() * c.element_size());
  };
  for (const auto& item : model.named_parameters()) {
    if (item.key().rfind("head.", 0) != 0) add(item.value());
  }
  for (const auto& item : model.named_buffers()) {
    if (item.key().rfind("head.", 0) != 0) add(item.value());
  }
  return crc;
}

// What the frozen prefix's outputs of `set` depend on, one NAME=VALUE per line: the model and
// its cut, the input side and normalisation, the precision, the backbone's weights
// (BackboneCrc32c), the records (ids and encoded images, in order) and the dtype they are
// stored in.
std::string PrefixCacheKey(train::FineTuneModelImpl& model, const train::Preprocessing& p,
                           bool autocast, uint32_t backbone_crc32c, const train::ImageSet& set,
                           const char* set_name, torch::ScalarType stored) {
  uint32_t records = 0;
  for (const Record& r : set.records) {
    records = crc32c::Extend(records, r.id().data(), r.id().size() + 1);  // with its '\0'
    records = crc32c::Extend(records, r.image().data().data(), r.image().data().size());
  }
  return absl::StrFormat(
      "set=%s\nmodel=%s\nvariant=%s\ngamma=%d\nimage_size=%d\nmean=%s\nstd=%s\n"
      "precision=%s\nbackbone_crc32c=%08x\nrecords=%zu\nrecords_crc32c=%08x\nstored=%s\n",
      set_name, model.spec().model, models::VariantName(*model.spec().variant), model.spec().gamma,
      p.size, absl::StrJoin(p.mean, ","), absl::StrJoin(p.std, ","), autocast ? "16-bit" : "fp32",
      backbone_crc32c, set.records.size(), records, c10::toString(stored));
}

// The frozen prefix's outputs for rows [first, first + count) of `set`, [count, C, H, W] on the
// CPU (bfloat16 under bfloat16 autocast), in MapRowBatches' batches from row `first` (so
// callers keep `first` on the batch grid, and a row's output does not depend on how the rows
// are cut into calls). With ranks, each computes a contiguous share of the batches and the
// shares, zero elsewhere, are summed into the whole in float32 (adding zeros is exact; Gloo has
// no bfloat16, whose values are float32 values exactly): every rank gets the rows one process
// computes, bit for bit. `one` is one image's output, for the shape.
absl::StatusOr<torch::Tensor> PrefixOutputs(train::FineTuneModelImpl& model,
                                            const train::ImageSet& set, int64_t first,
                                            int64_t count, const train::Preprocessing& p,
                                            int batch_size, torch::Device device, bool autocast,
                                            const torch::Tensor& one,
                                            distributed::Communicator* ranks) {
  const auto rows_from = [&](int64_t start, int64_t n) {
    return train::MapRowBatches(n, batch_size, device, autocast, [&](const torch::Tensor& rows) {
      return model.Prefix(train::DecodeBatch(set, rows + start, p).to(device));
    });
  };
  if (ranks == nullptr) return rows_from(first, count);
  const uint64_t batches = static_cast<uint64_t>((count + batch_size - 1) / batch_size);
  const auto [begin, end] = Task{ranks->rank(), ranks->size()}.Slice(batches);
  const int64_t share_first = static_cast<int64_t>(begin) * batch_size;
  const int64_t share_last = std::min<int64_t>(static_cast<int64_t>(end) * batch_size, count);
  std::vector<int64_t> shape = one.sizes().vec();
  shape[0] = count;
  torch::Tensor whole = torch::zeros(shape, torch::kFloat32);
  if (share_last > share_first) {
    whole.narrow(0, share_first, share_last - share_first)
        .copy_(rows_from(first + share_first, share_last - share_first));
  }
  RETURN_IF_ERROR(ranks->AllReduceSum(whole, "the frozen prefix's outputs"));
  return whole.to(one.scalar_type());
}

// The prefix outputs of `set` from DIR/NAME.prefix when its key is this run's, else computed
// in chunks of whole MapRowBatches batches (so each row is what PrefixOutputs gives) and
// written there first. Undefined, with the reason on stderr, when the disk lacks the space.
// With ranks, each keeps its own whole copy, DIR/NAME.rankRofN.prefix (the same bytes as one
// process's file, so that ranks on machines of their own each read a local disk): they agree
// first, so that all reuse their files, all go uncached when one lacks the space, or all
// share computing the rows, which those without a usable file write.
absl::StatusOr<torch::Tensor> DiskPrefixOutputs(train::FineTuneModelImpl& model,
                                                const train::ImageSet& set, const char* name,
                                                const train::Preprocessing& p, int batch_size,
                                                torch::Device device, bool autocast,
                                                const torch::Tensor& one, const std::string& dir,
                                                uint32_t backbone_crc32c, torch::ScalarType stored,
                                                distributed::Communicator* ranks) {
  const std::string path = ranks == nullptr ? absl::StrCat(dir, "/", name, ".prefix")
                                            : absl::StrCat(dir, "/", name, ".rank", ranks->rank(),
                                                           "of", ranks->size(), ".prefix");
  const std::string key = PrefixCacheKey(model, p, autocast, backbone_crc32c, set, name, stored);
  ASSIGN_OR_RETURN(PrefixCacheLookup found, OpenPrefixCacheFile(path, key));
  const std::string tool = cli::ToolName();
  const int64_t n = set.labels.numel();
  std::vector<int64_t> shape = one.sizes().vec();
  shape[0] = n;
  const uint64_t bytes =
      static_cast<uint64_t>(one.numel() / one.size(0)) * n * torch::elementSize(stored);
  const bool reuse = found.rows.defined();
  std::string no_space;  // why this process cannot write the file, when it cannot
  if (!reuse) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    const std::filesystem::space_info space = std::filesystem::space(dir, error);
    if (error || space.available < bytes + (1ULL << 30)) {  // and 1 GiB to spare
      no_space = absl::StrFormat(
          "%s needs %.0f MiB, %s", path, static_cast<double>(bytes) / (1 << 20),
          error ? error.message()
                : absl::StrFormat("%.0f MiB free", space.available / double{1 << 20}));
    }
  }
  int64_t writers = reuse ? 0 : 1;
  int64_t short_of_space = no_space.empty() ? 0 : 1;
  if (ranks != nullptr) {
    torch::Tensor counts =
        torch::tensor({static_cast<float>(writers), static_cast<float>(short_of_space)});
    RETURN_IF_ERROR(ranks->AllReduceSum(counts, "the prefix cache files' state"));
    writers = static_cast<int64_t>(counts[0].item<float>());
    short_of_space = static_cast<int64_t>(counts[1].item<float>());
  }
  if (short_of_space > 0) {
    if (no_space.empty()) {
      no_space = absl::StrFormat("%lld of %d ranks lack the disk space for their copy",
                                 static_cast<long long>(short_of_space), ranks->size());
    }
    std::fprintf(stderr, "%s: frozen prefix not cached: %s\n", tool.c_str(), no_space.c_str());
    return torch::Tensor();
  }
  if (writers == 0) {
    std::fprintf(stderr, "%s: frozen prefix cache %s reused\n", tool.c_str(), path.c_str());
    return found.rows;
  }
  std::unique_ptr<PrefixCacheWriter> writer;
  if (reuse) {
    std::fprintf(stderr, "%s: frozen prefix cache %s reused; computing rows for other ranks\n",
                 tool.c_str(), path.c_str());
  } else {
    std::fprintf(stderr, "%s: frozen prefix cache %s (%s): writing %lld images, %.0f MiB\n",
                 tool.c_str(), path.c_str(), found.why_not.c_str(), static_cast<long long>(n),
                 static_cast<double>(bytes) / (1 << 20));
    ASSIGN_OR_RETURN(writer, PrefixCacheWriter::Create(path, key, shape, stored));
  }
  const auto start = std::chrono::steady_clock::now();
  const int64_t chunk = int64_t{batch_size} * 16;
  for (int64_t first = 0; first < n; first += chunk) {
    const int64_t count = std::min(chunk, n - first);
    ASSIGN_OR_RETURN(torch::Tensor rows, PrefixOutputs(model, set, first, count, p, batch_size,
                                                       device, autocast, one, ranks));
    if (writer != nullptr) RETURN_IF_ERROR(writer->Append(rows));
  }
  if (reuse) return found.rows;
  RETURN_IF_ERROR(writer->Close());
  std::fprintf(stderr, "%s: frozen prefix cache %s written in %.1f s\n", tool.c_str(), path.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ASSIGN_OR_RETURN(found, OpenPrefixCacheFile(path, key));
  if (!found.rows.defined()) {
    return absl::DataLossError(absl::StrCat(path, ": just written, yet ", found.why_not));
  }
  return found.rows;
}

// PrefixOutputs of both sets: in memory when they fit in `options.cache_budget_mib` (sized
// from one image first), else on disk in `options.cache_dir` when given; says on stderr what it
// did. An empty cache otherwise. With ranks, they share the work.
absl::StatusOr<PrefixCache> BuildPrefixCache(
    train::FineTuneModelImpl& model, const train::ImageSet& train_set,
    const train::ImageSet& valid_set, const train::Preprocessing& p, int batch_size,
    torch::Device device, bool autocast, const Options& options, distributed::Communicator* ranks) {
  const int64_t budget_mib = options.cache_budget_mib;
  if ((budget_mib <= 0 && options.cache_dir.empty()) || !model.HasFrozenPrefix()) {
    return PrefixCache{};
  }
  if (model.PrefixDependsOnBatch()) {
    std::fprintf(stderr,
                 "%s: frozen prefix not cached: with --frozen_bn=batch_stats its BatchNorm layers "
                 "normalise each training batch by that batch's statistics, so it runs every "
                 "batch\n",
                 cli::ToolName().c_str());
    return PrefixCache{};
  }
  torch::Tensor one;
  {
    train::Autocast scope(device.type(), autocast);
    one =
        model.Prefix(train::DecodeBatch(train_set, torch::zeros({1}, torch::kInt64), p).to(device));
  }
  const double image_mib = static_cast<double>(one.numel() * one.element_size()) / (1 << 20);
  const double needed_mib =
      image_mib * static_cast<double>(train_set.records.size() + valid_set.records.size());
  PrefixCache cache;
  cache.computed_as = one.scalar_type();
  if (needed_mib > static_cast<double>(budget_mib)) {
    const std::string tool = cli::ToolName();
    if (options.cache_dir.empty()) {
      std::fprintf(stderr,
                   "%s: frozen prefix not cached: it needs %.0f MiB, --cache_budget is %lld MiB "
                   "(--cache_dir DIR keeps it on disk)\n",
                   tool.c_str(), needed_mib, static_cast<long long>(budget_mib));
      return PrefixCache{};
    }
    const torch::ScalarType stored = options.cache_dtype.value_or(cache.computed_as);
    const uint32_t backbone_crc32c = BackboneCrc32c(model);
    ASSIGN_OR_RETURN(cache.train,
                     DiskPrefixOutputs(model, train_set, "train", p, batch_size, device, autocast,
                                       one, options.cache_dir, backbone_crc32c, stored, ranks));
    if (cache.train.defined()) {
      ASSIGN_OR_RETURN(cache.valid,
                       DiskPrefixOutputs(model, valid_set, "valid", p, batch_size, device, autocast,
                                         one, options.cache_dir, backbone_crc32c, stored, ranks));
    }
    if (!cache.valid.defined()) return PrefixCache{};
    return cache;
  }
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(cache.train, PrefixOutputs(model, train_set, 0, train_set.labels.numel(), p,
                                              batch_size, device, autocast, one, ranks));
  ASSIGN_OR_RETURN(cache.valid, PrefixOutputs(model, valid_set, 0, valid_set.labels.numel(), p,
                                              batch_size, device, autocast, one, ranks));
  std::fprintf(stderr, "%s: frozen prefix cached: %zu images, %.0f MiB, %.1f s\n",
               cli::ToolName().c_str(), train_set.records.size() + valid_set.records.size(),
               needed_mib,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return cache;
}

// LibTorch lacks some bfloat16 kernels on the CPU (1.13: ReLU6's backward, which MobileNetV2
// needs): one image through the model and back, in inference mode so that no BatchNorm
// statistic moves, finds out before the first epoch instead of failing inside it.
absl::Status CheckBfloat16Training(train::FineTuneModelImpl& model, int size) {
  model.eval();
  try {
    train::Autocast autocast(c10::DeviceType::CPU, true);
    model.forward(torch::zeros({1, 3, size, size})).sum().backward();
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--precision bf16: this LibTorch cannot train ", model.spec().model,
        " in bfloat16 on the CPU (", e.what_without_backtrace(), "); use --precision fp32"));
  }
  for (torch::Tensor& p : model.parameters()) {
    if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
  }
  return absl::OkStatus();
}

absl::Status ValidateOptions(const Options& options) {
  if (options.image_size < 0) {
    return absl::InvalidArgumentError("--image_size must be at least 0 (0: the model's)");
  }
  if (options.cache_budget_mib < 0) {
    return absl::InvalidArgumentError("--cache_budget must be at least 0 (0: no cache)");
  }
  if (options.spec.weights.empty()) {
    return absl::InvalidArgumentError("--weights is required (a safetensors file, or none)");
  }
  return absl::OkStatus();
}

// --init_head: the weights of a tl_train run's head, which must have this run's shape.
absl::Status LoadInitialHead(const std::string& run_dir, const train::RunConfig& run,
                             train::FineTuneModelImpl& model) {
  const train::HeadOptions& wanted = model.head()->options();
  if (run.head.in_features != wanted.in_features || run.head.hidden != wanted.hidden) {
    return absl::FailedPreconditionError(absl::StrCat(
        run_dir, ": its head is ", run.head.ToString(), ", this run's ", wanted.ToString(),
        "; set --hidden to match (and --layer) or leave out --init_head"));
  }
  // The weights the tl_train run ended with: best.pt, or last.pt with --restore_best=false.
  return train::LoadModelWeights(train::RunFile(run_dir, train::FinalCheckpoint(run)),
                                 *model.head());
}

// run.json: the training run, and the backbone and input side predict rebuilds it from.
absl::Status WriteFineTuneRunConfig(const Options& options, train::FineTuneModelImpl& model,
                                    const train::Preprocessing& p,
                                    const train::TrainAndValidImages& sets,
                                    const train::TrainResult& result) {
  const train::FineTuneSpec& spec = options.spec;
  train::RunConfig config = train::TrainedRunConfig(
      options.run.run_name, "ft_train", model.head()->options(), options.run.training, result);
  config.features_source = absl::StrCat("ft_train: ", spec.model, " gamma ", spec.gamma,
                                        spec.layer.empty() ? "" : " to layer " + spec.layer, " at ",
                                        p.size, " px, weights ", spec.weights);
  config.model = spec.model;
  config.gamma = spec.gamma;
  config.image_size = p.size;
  config.layer = spec.layer;
  config.variant = models::VariantName(*model.spec().variant);
  config.weights = spec.weights;
  config.frozen_bn = train::FrozenBatchNormName(spec.frozen_bn);
  config.mean = absl::StrJoin(p.mean, ",");
  config.std = absl::StrJoin(p.std, ",");
  config.preprocessing = sets.preprocessing;
  if (options.run.precision != train::Precision::kFloat32) {
    config.precision = std::string(train::PrecisionName(options.run.precision));
  }
  return train::WriteRunConfig(train::RunFile(options.run.output, train::kRunConfigFile), config);
}

}  // namespace

absl::Status Run(Options options) {
  models::SetComputeThreads(options.run.threads);
  ASSIGN_OR_RETURN(const models::ModelInfo* info, models::RequireModel(options.spec.model));
  options.spec.model = info->name;  // an alias such as the paper's "resnet-50" becomes resnet50
  RETURN_IF_ERROR(ValidateOptions(options));
  ASSIGN_OR_RETURN(const std::unique_ptr<distributed::Communicator> ranks,
                   train::JoinRanks(&options.run));
  std::optional<train::RunConfig> init_head;
  if (!options.init_head.empty()) {
    ASSIGN_OR_RETURN(
        init_head, train::ReadRunConfig(train::RunFile(options.init_head, train::kRunConfigFile)));
    // The head's standardisation statistics travel with its weights.
    options.spec.head.standardize = init_head->head.standardize;
  }
  torch::manual_seed(options.run.training.seed);
  ASSIGN_OR_RETURN(train::FineTuneModel model, train::FineTuneModel::Create(options.spec));
  if (init_head.has_value()) {
    RETURN_IF_ERROR(LoadInitialHead(options.init_head, *init_head, *model));
  }
  train::Preprocessing p;
  p.size = options.image_size;
  if (p.size == 0) {
    ASSIGN_OR_RETURN(p.size, train::InputImageSize(options.run.inputs));
  }
  p.mean = model->convention().mean.value_or(info->mean);
  p.std = model->convention().std.value_or(info->std);
  ASSIGN_OR_RETURN(const train::TrainAndValidImages sets,
                   train::LoadTrainAndValidImages(options.run.inputs, p));
  const train::ImageSet& train_set = sets.train;
  const train::ImageSet& valid_set = sets.valid;
  if (options.run.run_name.empty()) {
    options.run.run_name = models::PaperRunName(options.spec.model, options.spec.gamma);
  }

  const train::TrainOptions& t = options.run.training;
  RETURN_IF_ERROR(train::CheckPrecisionDevice(options.run.precision, !t.device.is_cpu()));
  const bool bfloat16 = options.run.precision == train::Precision::kBFloat16;
  // The 16-bit autocast of each device: float16 with loss scaling on CUDA, bfloat16 on the CPU.
  const bool autocast = options.run.precision != train::Precision::kFloat32;
  model->to(t.device);
  if (bfloat16) {
    model->UseChannelsLast();
    RETURN_IF_ERROR(CheckBfloat16Training(*model, p.size));
  }
  std::fprintf(stderr,
               "%s: %s, %zu train and %zu valid images at %d px, %zu of %zu weight "
               "tensors frozen, head %s\n",
               cli::ToolName().c_str(), options.run.run_name.c_str(), train_set.records.size(),
               valid_set.records.size(), p.size, model->FrozenParameterNames().size(),
               model->parameters().size(), model->head()->options().ToString().c_str());
  if (options.spec.frozen_bn == train::FrozenBatchNorm::kBatchStats) {
    std::fprintf(stderr,
                 "%s: --frozen_bn=batch_stats: %zu frozen BatchNorm layers normalise training "
                 "batches by the batch's statistics (Keras 2.2) and validation by their running "
                 "statistics, as predict will\n",
                 cli::ToolName().c_str(), model->FixedBatchNormNames().size());
  }

  train::TrainTask task;
  task.model = model.ptr().get();
  task.parameters = model->TrainableParameters();
  task.train_labels = train_set.labels;
  ASSIGN_OR_RETURN(const PrefixCache cache,
                   BuildPrefixCache(*model, train_set, valid_set, p, t.batch_size, t.device,
                                    autocast, options, t.communicator));
  task.train_logits = [&](const torch::Tensor& rows) {
    // Mixed precision: 16-bit activations under autocast; TrainLoop takes the loss in
    // float32 (and scales it for CUDA's float16).
    train::Autocast scope(t.device.type(), autocast);
    if (cache.train.defined()) return model->Suffix(cache.Rows(cache.train, rows, t.device));
    return model->forward(train::DecodeBatch(train_set, rows, p).to(t.device));
  };
  task.valid_labels = valid_set.labels;
  task.valid_logits = [&](int64_t first, int64_t last) {
    return ImageLogits(*model, valid_set, p, t.batch_size, t.device, autocast, cache, cache.valid,
                       first, last);
  };
  train::TrainOptions training = t;
  training.run_dir = options.run.output;
  // float16 gradients underflow without it; bfloat16 has float32's exponent range.
  training.scale_loss = options.run.precision == train::Precision::kFloat16;
  absl::StatusOr<train::TrainResult> result;
  try {
    result = train::TrainLoop(task, training);
  } catch (const c10::Error& e) {
    return absl::InternalError(std::string(e.what_without_backtrace()).substr(0, 300));
  }
  RETURN_IF_ERROR(result.status());
  if (!training.WritesRunFolder()) return absl::OkStatus();

  RETURN_IF_ERROR(WriteFineTuneRunConfig(options, *model, p, sets, *result));
  train::PrintRunSummary(options.run.run_name, *result, options.run.output);
  return absl::OkStatus();
}

}  // namespace mammo::ft_train
