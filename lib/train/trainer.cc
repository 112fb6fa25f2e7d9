#include "lib/train/trainer.h"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/cli/cli.h"
#include "lib/io/byte_io.h"
#include "lib/records/task.h"
#include "lib/status/status_macros.h"
#include "lib/train/batch_dropout.h"
#include "lib/train/checkpoint.h"
#include "lib/train/gradient_sum.h"
#include "lib/train/loss_scaler.h"
#include "lib/train/rmsprop_step.h"
#include "lib/train/run_folder.h"

namespace mammo::train {
namespace {

uint64_t EpochSeed(uint64_t seed, int epoch) {
  // SplitMix64 finaliser: nearby (seed, epoch) pairs give unrelated streams.
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(epoch + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Fisher-Yates with an unbiased bounded draw of our own: std::uniform_int_distribution
// differs between standard libraries, and the order must be the same everywhere.
std::vector<int64_t> Permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t bound = static_cast<uint64_t>(i) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r;
    do r = rng();
    while (r >= limit);
    std::swap(order[i], order[r % bound]);
  }
  return order;
}

absl::Status WriteHistory(const std::string& path, const std::vector<EpochRecord>& history) {
  return WriteFileAtomically(path, HistoryCsv(history));
}

// The first `epochs` rows of history.csv: the epochs that last.pt holds. A kill between the
// two writes of an epoch leaves history.csv one epoch ahead of last.pt.
absl::StatusOr<std::vector<EpochRecord>> ReadHistoryForResume(const std::string& path, int epochs) {
  ASSIGN_OR_RETURN(std::vector<EpochRecord> history, ReadHistory(path));
  if (static_cast<int>(history.size()) < epochs) {
    return absl::DataLossError(absl::StrCat(path, ": holds ", history.size(),
                                            " epochs, the checkpoint ", epochs, "; cannot resume"));
  }
  history.resize(epochs);
  return history;
}

// This rank's rows [first, last) of `rows`: contiguous parts in rank order, as array tasks
// share records; all of them for one process.
std::pair<int64_t, int64_t> RankRows(const TrainOptions& options, int64_t rows) {
  const distributed::Communicator* c = options.communicator;
  const Task part = c == nullptr ? Task{} : Task{c->rank(), c->size()};
  const auto [first, last] = part.Slice(static_cast<uint64_t>(rows));
  return {static_cast<int64_t>(first), static_cast<int64_t>(last)};
}

// One epoch's updates: the training rows in `order`, batch by batch. Returns the mean loss
// and accuracy over the epoch; the loss is not finite if a batch's loss was not (and the
// epoch stopped there). With a communicator this rank forwards its part of each batch.
struct EpochTraining {
  double loss = 0;
  double accuracy = 0;
  // In the ranks' collectives after backward (waiting for the slowest included): what summing
  // during backward did not hide.
  double summing_seconds = 0;
};
absl::StatusOr<EpochTraining> TrainEpoch(const TrainTask& task, const TrainOptions& options,
                                         const torch::Tensor& order, LossScaler* scaler,
                                         GradientSum* gradient_sum,
                                         torch::optim::RMSprop& optimizer) {
  distributed::Communicator* communicator = options.communicator;
  const int64_t train_size = task.train_labels.numel();
  double loss_sum = 0;
  double correct = 0;
  double summing_seconds = 0;
  for (int64_t begin = 0; begin < train_size; begin += options.batch_size) {
    const int64_t end = std::min<int64_t>(begin + options.batch_size, train_size);
    const int64_t batch_rows = end - begin;
    const auto [first, last] = RankRows(options, batch_rows);
    const torch::Tensor rows = order.slice(0, begin + first, begin + last);
    const torch::Tensor y = task.train_labels.index_select(0, rows).to(options.device);
    // Dropped rather than zeroed: backward then hands over its gradient tensors instead of
    // adding them to zeros, two passes fewer over the head's 8 MB weight per step.
    for (const torch::Tensor& p : task.parameters) p.mutable_grad().reset();
    // This rank's share of the batch's mean loss, and its correct predictions; summed over
    // the ranks: the batch's mean loss and correct predictions.
    torch::Tensor batch = torch::zeros({2}, torch::kFloat64);
    if (last > first) {
      std::optional<GlobalBatchPart> dropout_part;
      if (communicator != nullptr) dropout_part.emplace(batch_rows, first);
      // Under autocast the logits are float16; the loss is float32 either way (a no-op then).
      const torch::Tensor logits = task.train_logits(rows).to(torch::kFloat32);
      const torch::Tensor loss =
          communicator == nullptr
              ? torch::binary_cross_entropy_with_logits(logits, y)
              : torch::binary_cross_entropy_with_logits(logits, y, {}, {}, at::Reduction::Sum) /
                    static_cast<double>(batch_rows);
      batch[0] = loss.item<double>();
      batch[1] = (logits.detach().gt(0).to(torch::kFloat32) == y).sum().item<double>();
      // One process stops at a non-finite loss before backward; ranks find out together,
      // after summing.
      if (communicator == nullptr && !std::isfinite(batch[0].item<double>())) {
        return EpochTraining{batch[0].item<double>(), 0};
      }
      if (scaler == nullptr) {
        loss.backward();
      } else {
        scaler->Backward(loss);
      }
    }
    if (communicator != nullptr) {
      const auto start = std::chrono::steady_clock::now();
      RETURN_IF_ERROR(gradient_sum->Finish());
      RETURN_IF_ERROR(communicator->AllReduceSum(batch, "the batch's loss"));
      summing_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!std::isfinite(batch[0].item<double>())) return EpochTraining{batch[0].item<double>(), 0};
    }
    if (scaler == nullptr || scaler->Unscale(task.parameters)) StepRmsprop(optimizer);
    loss_sum += batch[0].item<double>() * static_cast<double>(batch_rows);
    correct += batch[1].item<double>();
  }
  return EpochTraining{loss_sum / static_cast<double>(train_size),
                       correct / static_cast<double>(train_size), summing_seconds};
}

// Validation (loss, accuracy): each rank's nonempty part of the rows, the logits gathered by
// summing zero-padded copies (adding zeros is exact), so every rank scores all of them alike.
absl::StatusOr<std::pair<double, double>> Validate(const TrainTask& task,
                                                   const TrainOptions& options) {
  const int64_t size = task.valid_labels.numel();
  const auto [first, last] = RankRows(options, size);
  torch::Tensor logits = last > first ? task.valid_logits(first, last) : torch::empty({0});
  if (options.communicator != nullptr) {
    torch::Tensor all = torch::zeros({size}, torch::kFloat32);
    all.narrow(0, first, last - first).copy_(logits);
    RETURN_IF_ERROR(options.communicator->AllReduceSum(all, "the validation logits"));
    logits = all;
  }
  return LossAndAccuracy(logits, task.valid_labels);
}

// Rank 0's buffers (BatchNorm running statistics) into every rank's model, so that all
// validate and checkpoint the same model.
absl::Status SendBuffersFromRankZero(torch::nn::Module& model,
                                     distributed::Communicator& communicator) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& buffer : model.buffers()) {
    RETURN_IF_ERROR(communicator.Broadcast(buffer, 0, "the BatchNorm statistics"));
  }
  return absl::OkStatus();
}

// Refuses ranks that would train on different data or settings.
absl::Status CheckRanksAgree(const TrainTask& task, const TrainOptions& options,
                             const LoopState& state) {
  if (options.communicator == nullptr) return absl::OkStatus();
  if (options.batch_size < options.communicator->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch_size ", options.batch_size, " is smaller than the ",
                     options.communicator->size(), " ranks: each needs rows of every batch"));
  }
  return options.communicator->CheckSame(
      {{"the number of training records", task.train_labels.numel()},
       {"the number of validation records", task.valid_labels.numel()},
       {"the number of malignant training records", task.train_labels.sum().item<int64_t>()},
       {"--batch_size", options.batch_size},
       {"--seed", static_cast<int64_t>(options.seed)},
       {"--max_epochs", options.max_epochs},
       {"--patience", options.patience},
       {"the trainable parameters", static_cast<int64_t>(task.parameters.size())},
       {"the epochs already done (--resume)", state.epochs_done}});
}

// Creates the run folder if missing and removes its run.json: run.json marks a finished run
// (tl_train and ft_train write it last; predict reads it), and a folder being trained into
// must not look finished, whatever ran in it before.
absl::Status PrepareRunFolder(const std::string& run_dir) {
  std::error_code error;
  std::filesystem::create_directories(run_dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat(run_dir, ": cannot create the folder: ", error.message()));
  }
  const std::string config_path = RunFile(run_dir, kRunConfigFile);
  std::filesystem::remove(config_path, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat(config_path, ": cannot remove the previous run's file: ", error.message()));
  }
  return absl::OkStatus();
}

// Moves early stopping on by the epoch `record`: the best epoch so far (by options.monitor),
// the epochs since, and whether patience ran out. Returns whether this epoch is the new best.
bool AdvanceEarlyStopping(const EpochRecord& record, const TrainOptions& options,
                          LoopState* state) {
  const bool lower_is_better = options.monitor == Monitor::kValidLoss;
  const double value = lower_is_better ? record.valid_loss : record.valid_accuracy;
  const bool improved = state->best_epoch == 0 ||
                        (lower_is_better ? value < state->best_value : value > state->best_value);
  if (improved) {
    state->best_epoch = record.epoch;
    state->best_value = value;
    state->epochs_without_improvement = 0;
  } else {
    ++state->epochs_without_improvement;
  }
  state->epochs_done = record.epoch;
  state->finished = state->epochs_without_improvement >= options.patience;
  return improved;
}

absl::Status CheckTrainingSet(const FeatureSet& set, const char* name, int64_t width) {
  RETURN_IF_ERROR(CheckLabels(set.labels, name));
  if (set.width() != width) {
    return absl::FailedPreconditionError(absl::StrCat("the ", name, " set has ", set.width(),
                                                      " features, the head expects ", width));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckLabels(const torch::Tensor& labels, const char* name) {
  const int64_t n = labels.defined() ? labels.numel() : 0;
  if (n == 0) return absl::FailedPreconditionError(absl::StrCat("the ", name, " set is empty"));
  const double positives = labels.sum().item<double>();
  if (positives == 0 || positives == static_cast<double>(n)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the ", name, " set holds one class only (", n, " records, all ",
                     positives == 0 ? "benign" : "malignant", ")"));
  }
  return absl::OkStatus();
}

std::pair<double, double> LossAndAccuracy(const torch::Tensor& logits,
                                          const torch::Tensor& labels) {
  const double loss = torch::binary_cross_entropy_with_logits(logits, labels).item<double>();
  const double accuracy =
      (logits.gt(0).to(torch::kFloat32) == labels).to(torch::kFloat64).mean().item<double>();
  return {loss, accuracy};
}

std::pair<double, double> Evaluate(Head& head, const FeatureSet& set, torch::Device device) {
  torch::NoGradGuard no_grad;
  head->eval();
  return LossAndAccuracy(head->forward(set.features.to(device)).to(torch::kCPU), set.labels);
}

absl::Status LoadModelWeights(const std::string& path, torch::nn::Module& model) {
  return LoadCheckpoint(path, model, nullptr, nullptr);
}

absl::Status LoadHeadWeights(const std::string& path, Head& head) {
  return LoadModelWeights(path, *head);
}

absl::StatusOr<TrainResult> TrainLoop(const TrainTask& task, const TrainOptions& options) {
  if (options.batch_size < 1 || options.max_epochs < 1 || options.patience < 1) {
    return absl::InvalidArgumentError("--batch_size, --max_epochs and --patience must be >= 1");
  }
  RETURN_IF_ERROR(CheckLabels(task.train_labels, "training"));
  torch::nn::Module& model = *task.model;
  const bool writes = options.WritesRunFolder();
  if (writes) RETURN_IF_ERROR(PrepareRunFolder(options.run_dir));
  const std::string best_path = RunFile(options.run_dir, kBestCheckpointFile);
  const std::string last_path = RunFile(options.run_dir, kLastCheckpointFile);
  const std::string history_path = RunFile(options.run_dir, kHistoryFile);

  torch::optim::RMSprop optimizer(
      task.parameters,
      torch::optim::RMSpropOptions(options.learning_rate).alpha(options.rho).eps(options.epsilon));

  LoopState state;
  TrainResult result;
  struct stat st;
  if (options.resume && ::stat(last_path.c_str(), &st) == 0) {
    RETURN_IF_ERROR(LoadCheckpoint(last_path, model, &optimizer, &state));
    ASSIGN_OR_RETURN(result.history, ReadHistoryForResume(history_path, state.epochs_done));
    if (writes) {
      std::fprintf(stderr, "resuming %s after epoch %d\n", options.run_dir.c_str(),
                   state.epochs_done);
    }
  }
  RETURN_IF_ERROR(CheckRanksAgree(task, options, state));
  // Hooks on the parameters from here to the end of training: ranks sum during backward.
  std::optional<GradientSum> gradient_sum;
  if (options.communicator != nullptr) gradient_sum.emplace(task.parameters, *options.communicator);
  std::optional<LossScaler> scaler;
  if (options.scale_loss) {
    scaler = state.epochs_done > 0 ? LossScaler(state.loss_scale, state.good_steps) : LossScaler();
  }

  const int64_t train_size = task.train_labels.numel();
  while (!state.finished && state.epochs_done < options.max_epochs) {
    const int epoch = state.epochs_done + 1;
    const auto start = std::chrono::steady_clock::now();
    torch::manual_seed(options.seed + static_cast<uint64_t>(epoch));
    const std::vector<int64_t> order = Permutation(train_size, EpochSeed(options.seed, epoch));
    const torch::Tensor index = torch::tensor(order, torch::kLong);

    model.train();
    ASSIGN_OR_RETURN(const EpochTraining training,
                     TrainEpoch(task, options, index, scaler ? &*scaler : nullptr,
                                gradient_sum ? &*gradient_sum : nullptr, optimizer));
    if (!std::isfinite(training.loss)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "the training loss became %g at epoch %d; the last good checkpoint is %s (try a "
          "lower --lr, or check the inputs for NaN)",
          training.loss, epoch, state.epochs_done > 0 ? last_path : "none"));
    }
    if (scaler) {
      state.loss_scale = scaler->scale();
      state.good_steps = scaler->good_steps();
    }
    if (options.communicator != nullptr) {
      RETURN_IF_ERROR(SendBuffersFromRankZero(model, *options.communicator));
    }

    EpochRecord record;
    record.epoch = epoch;
    record.train_loss = training.loss;
    record.train_accuracy = training.accuracy;
    ASSIGN_OR_RETURN(const auto validation, Validate(task, options));
    std::tie(record.valid_loss, record.valid_accuracy) = validation;
    record.learning_rate = options.learning_rate;
    record.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.history.push_back(record);

    const bool improved = AdvanceEarlyStopping(record, options, &state);
    if (!writes) continue;
    if (improved) RETURN_IF_ERROR(SaveCheckpoint(best_path, model, nullptr, nullptr));
    // History first: a kill between the two writes leaves a history one epoch ahead of
    // last.pt, which ReadHistoryForResume tolerates (it keeps only the checkpoint's epochs).
    RETURN_IF_ERROR(WriteHistory(history_path, result.history));
    RETURN_IF_ERROR(SaveCheckpoint(last_path, model, &optimizer, &state));
    // With ranks: the share of the epoch spent waiting for sums after backward (the cost of
    // scaling out that summing during backward did not hide).
    const std::string summing =
        options.communicator == nullptr
            ? ""
            : absl::StrFormat(" (%.0f%% summing over %d ranks)",
                              100 * training.summing_seconds / record.seconds,
                              options.communicator->size());
    std::fprintf(
        stderr,
        "epoch %d/%d: loss %.4f acc %.4f | valid loss %.4f acc %.4f | beta %.3f | %.2f s%s%s\n",
        epoch, options.max_epochs, record.train_loss, record.train_accuracy, record.valid_loss,
        record.valid_accuracy, record.beta(), record.seconds, summing.c_str(),
        improved ? " | best" : "");
  }
  result.best_epoch = state.best_epoch;
  result.stopped_early = state.epochs_without_improvement >= options.patience;
  // Every rank waits for rank 0's last best.pt before reading it.
  if (options.communicator != nullptr) {
    RETURN_IF_ERROR(options.communicator->Barrier("the end of training"));
  }
  // Keras's restore_best_weights: the model ends with the best epoch's weights. Without it
  // (Keras's default) it keeps the last epoch's, which last.pt holds.
  result.restored_best = options.restore_best;
  if (options.restore_best) RETURN_IF_ERROR(LoadModelWeights(best_path, model));
  return result;
}

absl::StatusOr<TrainResult> TrainHead(Head& head, const FeatureSet& train, const FeatureSet& valid,
                                      const TrainOptions& options) {
  const int64_t width = head->options().in_features;
  RETURN_IF_ERROR(CheckTrainingSet(train, "training", width));
  if (valid.size() == 0) {
    return absl::FailedPreconditionError(
        "the validation set is empty: early stopping needs VALID records");
  }
  RETURN_IF_ERROR(CheckTrainingSet(valid, "validation", width));
  if (head->options().standardize) head->FitStandardization(train.features);
  head->to(options.device);

  const torch::Tensor train_x = train.features.to(options.device);
  TrainTask task;
  task.model = head.ptr().get();
  task.parameters = head->parameters();
  task.train_labels = train.labels;
  task.train_logits = [&](const torch::Tensor& rows) {
    return head->forward(train_x.index_select(0, rows.to(options.device)));
  };
  task.valid_labels = valid.labels;
  task.valid_logits = [&](int64_t begin, int64_t end) {
    torch::NoGradGuard no_grad;
    head->eval();
    return head->forward(valid.features.slice(0, begin, end).to(options.device)).to(torch::kCPU);
  };
  return TrainLoop(task, options);
}

RunConfig TrainedRunConfig(const std::string& run_name, const std::string& stage,
                           const HeadOptions& head, const TrainOptions& options,
                           const TrainResult& result) {
  RunConfig config;
  config.run_name = run_name;
  config.stage = stage;
  config.head = head;
  config.learning_rate = options.learning_rate;
  config.batch_size = options.batch_size;
  config.seed = options.seed;
  config.epochs_run = static_cast<int>(result.history.size());
  config.best_epoch = result.best_epoch;
  config.stopped_early = result.stopped_early;
  config.restore_best = options.restore_best;
  return config;
}

void PrintRunSummary(const std::string& run_name, const TrainResult& result,
                     const std::string& run_dir) {
  const EpochRecord& best = result.history[result.best_epoch - 1];
  std::fprintf(
      stderr,
      "%s: %s %s after %zu epochs; best epoch %d: valid loss %.4f, valid accuracy %.4f, "
      "beta %.3f; %sweights in %s\n",
      cli::ToolName().c_str(), run_name.c_str(),
      result.stopped_early ? "stopped early" : "finished", result.history.size(), result.best_epoch,
      best.valid_loss, best.valid_accuracy, best.beta(),
      result.restored_best ? "" : "the last epoch's ",
      RunFile(run_dir, result.restored_best ? kBestCheckpointFile : kLastCheckpointFile).c_str());
}

}  // namespace mammo::train
