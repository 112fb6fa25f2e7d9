// Training a head on feature vectors the way the paper's Keras runs did: RMSprop, binary
// cross-entropy, early stopping that restores the best epoch (Keras's
// restore_best_weights=True, which is not Keras's default; restore_best = false keeps the
// last epoch's weights, as Keras's default EarlyStopping does), plus what Keras lacked: a
// checkpoint every epoch, exact resumption after a kill, and determinism from a seed.
//
//   TrainOptions options;
//   options.run_dir = "out/runs/vgg16-TL";
//   ASSIGN_OR_RETURN(TrainResult result, TrainHead(head, train_set, valid_set, options));
//   // head now holds the best epoch's weights; run_dir has best.pt, last.pt, history.csv.
//
// Keras RMSprop (rho, epsilon) is LibTorch RMSprop (alpha = rho, eps = epsilon): both keep
// v = rho * v + (1 - rho) * g^2 and step by lr * g / (sqrt(v) + epsilon), from v = 0.
//
// Determinism: epoch e shuffles with a generator seeded from (seed, e) and seeds LibTorch's
// generator (dropout) with seed + e, so an epoch's result depends only on the weights and
// optimizer state it starts from, which the checkpoint holds bit for bit. A run resumed
// from last.pt therefore ends with the same weights as an uninterrupted one.
//
// Data parallelism (options.communicator set, e.g. 2 ranks under `srun -n 2` or torchrun):
// every rank draws the same order, forwards its contiguous part of each global batch (dropout
// masks as one process would draw them, BatchDropout), and the ranks sum their gradients
// before each step, bucket by bucket while backward still runs (GradientSum), each rank's loss
// being its rows' share of the batch mean: --batch_size
// stays the global batch and every rank takes the same step, so N ranks train the weights
// one process would, up to float rounding. Validation is split the same way and its logits
// gathered. Rank 0 alone writes the run folder; every rank reads last.pt when resuming (the
// folder must be on a filesystem all ranks see), with the same or another world size.
// BatchNorm layers that train keep per-rank batch statistics, as PyTorch's
// DistributedDataParallel does without SyncBatchNorm; rank 0's running statistics are sent to
// the others before validation.
#ifndef MAMMO_LIB_TRAIN_TRAINER_H_
#define MAMMO_LIB_TRAIN_TRAINER_H_

#include <torch/torch.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/distributed/communicator.h"
#include "lib/train/feature_set.h"
#include "lib/train/head.h"
#include "lib/train/history.h"
#include "lib/train/run_config.h"

namespace mammo::train {

enum class Monitor { kValidLoss, kValidAccuracy };

struct TrainOptions {
  std::string run_dir;  // created if missing; holds best.pt, last.pt, history.csv
  int max_epochs = 1000;
  int patience = 50;  // epochs without improvement of `monitor` before stopping
  Monitor monitor = Monitor::kValidLoss;
  double learning_rate = 1e-5;
  double rho = 0.9;
  double epsilon = 1e-7;
  int batch_size = 32;
  uint64_t seed = 42;
  bool resume = false;  // continue from run_dir/last.pt when it exists
  // The model ends with the best epoch's weights (best.pt; Keras's restore_best_weights=True),
  // or, false, with the last epoch's (last.pt; Keras's default EarlyStopping). run.json
  // records it as restore_best, and predict takes the checkpoint it names (FinalCheckpoint).
  bool restore_best = true;
  torch::Device device = torch::kCPU;
  // For float16 training (--precision fp16 on CUDA; train_logits runs under autocast, the
  // caller's business): TrainLoop scales the float32 loss dynamically as GradScaler does
  // (lib/train/loss_scaler.h); weights and RMSprop state stay float32.
  bool scale_loss = false;
  // Data-parallel training with the other ranks (see above); null: one process.
  distributed::Communicator* communicator = nullptr;

  // Whether this process writes the run folder: rank 0, or the only process.
  bool WritesRunFolder() const { return communicator == nullptr || communicator->rank() == 0; }
};

struct TrainResult {
  std::vector<EpochRecord> history;
  int best_epoch = 0;
  bool stopped_early = false;
  bool restored_best = true;  // the model holds best.pt's weights; false: last.pt's
};

absl::StatusOr<TrainResult> TrainHead(Head& head, const FeatureSet& train, const FeatureSet& valid,
                                      const TrainOptions& options);

// The loop behind TrainHead, for any model: feature rows held in memory (TrainHead) and
// images decoded per batch (fine tuning, tools/ft_train/ft_train_lib.cc) differ only in how a batch
// of rows becomes logits, so they share the epochs, early stopping, checkpoints and resumption.
struct TrainTask {
  torch::nn::Module* model = nullptr;     // checkpointed whole; train() each epoch
  std::vector<torch::Tensor> parameters;  // what RMSprop updates
  torch::Tensor train_labels;             // [N] float32 on the CPU, 1 = malignant
  // Logits [B] of the training rows `rows` (int64 on the CPU), with autograd.
  std::function<torch::Tensor(const torch::Tensor& rows)> train_logits;
  torch::Tensor valid_labels;  // [M] float32 on the CPU
  // Float32 logits on the CPU of the validation rows [begin, end), the model in inference mode.
  std::function<torch::Tensor(int64_t begin, int64_t end)> valid_logits;
};
absl::StatusOr<TrainResult> TrainLoop(const TrainTask& task, const TrainOptions& options);

// The run.json fields every training run fills alike (its name, stage, head, training
// settings and outcome); the caller adds what describes its inputs and backbone.
RunConfig TrainedRunConfig(const std::string& run_name, const std::string& stage,
                           const HeadOptions& head, const TrainOptions& options,
                           const TrainResult& result);

// The last line of a run on stderr: "TOOL: RUN stopped early after 61 epochs; best epoch 31:
// valid loss 0.2863, valid accuracy 0.9016, beta 0.957; weights in RUN_DIR/best.pt" (with
// restore_best false: "...; the last epoch's weights in RUN_DIR/last.pt").
void PrintRunSummary(const std::string& run_name, const TrainResult& result,
                     const std::string& run_dir);

// FailedPrecondition when `labels` (the `name` set's) are empty or all of one class.
absl::Status CheckLabels(const torch::Tensor& labels, const char* name);

// Loss (binary cross-entropy on logits) and accuracy (logit > 0, i.e. p > 0.5 as Keras's
// binary_accuracy) of float32 logits [N] against labels [N].
std::pair<double, double> LossAndAccuracy(const torch::Tensor& logits, const torch::Tensor& labels);
// LossAndAccuracy of `head` in inference mode on `set`.
std::pair<double, double> Evaluate(Head& head, const FeatureSet& set, torch::Device device);

// Head weights from a checkpoint written by TrainHead (best.pt or last.pt).
absl::Status LoadHeadWeights(const std::string& path, Head& head);
// Any model's weights from a checkpoint written by TrainLoop for a model of the same layout.
absl::Status LoadModelWeights(const std::string& path, torch::nn::Module& model);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_TRAINER_H_
