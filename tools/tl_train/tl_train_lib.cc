#include "tools/tl_train/tl_train_lib.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/status/status_macros.h"
#include "lib/train/feature_set.h"
#include "lib/train/run_config.h"

namespace mammo::tl_train {

absl::Status Run(Options options) {
  torch::set_num_threads(cli::ResolveThreads(options.threads));
  ASSIGN_OR_RETURN(train::FeatureSet all, train::LoadFeatureSet(options.inputs));
  const train::FeatureSet train_set = all.Select(TRAIN);
  const train::FeatureSet valid_set = all.Select(VALID);
  if (options.run_name.empty()) {
    const std::string model = absl::StartsWith(all.source, "embed: ") ? all.source.substr(7) : "features";
    options.run_name = absl::StrCat(model, "-TL");
  }
  options.head.in_features = all.width();
  options.training.run_dir = options.output;
  std::fprintf(stderr, "%s: %s, %lld train and %lld valid records, head %s\n",
               cli::ToolName().c_str(), options.run_name.c_str(),
               static_cast<long long>(train_set.size()), static_cast<long long>(valid_set.size()),
               options.head.ToString().c_str());

  torch::manual_seed(options.training.seed);
  train::Head head(options.head);
  ASSIGN_OR_RETURN(train::TrainResult result,
                   train::TrainHead(head, train_set, valid_set, options.training));

  train::RunConfig config;
  config.run_name = options.run_name;
  config.stage = "tl_train";
  config.features_source = all.source;
  config.head = options.head;
  config.learning_rate = options.training.learning_rate;
  config.batch_size = options.training.batch_size;
  config.seed = options.training.seed;
  config.epochs_run = static_cast<int>(result.history.size());
  config.best_epoch = result.best_epoch;
  config.stopped_early = result.stopped_early;
  RETURN_IF_ERROR(train::WriteRunConfig(absl::StrCat(options.output, "/run.json"), config));
  const train::EpochRecord& best = result.history[result.best_epoch - 1];
  std::fprintf(stderr,
               "%s: %s %s after %d epochs; best epoch %d: valid loss %.4f, valid accuracy %.4f, "
               "beta %.3f; weights in %s/best.pt\n",
               cli::ToolName().c_str(), options.run_name.c_str(),
               result.stopped_early ? "stopped early" : "finished", config.epochs_run,
               result.best_epoch, best.valid_loss, best.valid_accuracy, best.beta(),
               options.output.c_str());
  return absl::OkStatus();
}

}  // namespace mammo::tl_train
