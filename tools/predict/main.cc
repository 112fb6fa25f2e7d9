// predict: probabilities of a trained run on feature shards, as a CSV for `score`.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/records/task_flag.h"
#include "tools/predict/predict_lib.h"

ABSL_FLAG(std::string, run, "",
          "The run folder written by tl_train or ft_train (run.json, best.pt).");
ABSL_FLAG(std::string, checkpoint, "",
          "Which checkpoint of the run: best.pt or last.pt. Default: the weights the run ended "
          "with, best.pt (early stopping restored the best epoch), or last.pt for a run trained "
          "with --restore_best=false (run.json's restore_best).");
ABSL_FLAG(std::vector<std::string>, input, {},
          "Feature shards for a tl_train run (or ROI image shards when its run.json names the "
          "backbone), ROI image shards for an ft_train run (comma-separated specs).");
ABSL_FLAG(std::string, output, "-", "The predictions CSV, or - for stdout.");
ABSL_FLAG(bool, allow_precision_mismatch, false,
          "Accept feature records embedded at another --precision (fp32, bf16 or fp16) than the "
          "run's training features; refused by default, since bf16's rounding moves the "
          "probabilities.");

ABSL_FLAG(std::string, calibrate, "",
          "platt or isotonic: recalibrate the probabilities with a map fitted on the valid "
          "rows (their labels) and applied to all; the CSV then also holds "
          "uncalibrated_probability and calibration. Needs the valid records among the inputs.");

ABSL_FLAG(bool, print_preprocessing, false,
          "Print how the run's inputs were made from source images (STAGE.NAME=VALUE lines: "
          "dcm2png, roicrop, embed) and exit; needs only --run. pipelines/predict.mk reads it.");
ABSL_FLAG(std::string, heatmaps, "",
          "A folder for Grad-CAM heatmaps: each ROI with the class activation map of the "
          "malignant logit overlaid (JET), as FOLDER/<record id>.png (characters other than "
          "letters, digits, '.', '-' and '_' become '_'). Needs ROI image inputs.");
ABSL_FLAG(int, heatmaps_top, 0,
          "With --heatmaps: only the K false positives of highest probability and the K false "
          "negatives of lowest (at 0.5, score's default threshold); 0: every record.");
ABSL_FLAG(std::string, heatmap_layer, "",
          "With --heatmaps: the Keras layer whose feature map Grad-CAM reads (e.g. block4_pool); "
          "default: the one the head sits on, the backbone's last feature map.");

namespace {

constexpr char kUsage[] = R"(Usage: predict [OPTION]... --run RUN_DIR --input FEATURES

Writes one CSV line per record: id,patient_id,lesion_id,split,label,probability
and the clinical attributes score groups by (view,breast_density,assessment,
subtlety,mass_shape,mass_margins; empty when unknown) (label 1 = malignant; probability of malignancy from the run's final weights:
its best epoch's, or its last epoch's for a run trained with --restore_best=false).

An ft_train run holds its whole model and takes ROI images instead of features.
A tl_train run takes features, or ROI images when its run.json names the frozen
backbone (model, weights file, image size, mean, std: always so for a run trained
on images, and for one on features from embed): predict runs the backbone on them
first, as embed would.

Example:
  predict --run out/runs/vgg16-TL --input out/feats --output out/vgg16-TL.csv
  predict --run out/runs/vgg16-10-FT --input out/test_rois --output out/vgg16-10-FT.csv
  score out/vgg16-TL.csv
  predict --run out/runs/vgg16-TL --input out/feats --calibrate platt --output out/cal.csv
  predict --run out/runs/vgg16-TL --print_preprocessing
  predict --run out/runs/vgg16-10-FT --input out/test_rois --output out/ft.csv \
    --heatmaps out/heatmaps --heatmaps_top 10
  predict --run out/runs/vgg16-TL --input out/feats --task 2/4 --output out/p.part2.csv
  shardcat merge out/vgg16-TL.csv out/p.part0.csv out/p.part1.csv ... (after all 4 tasks))";

}  // namespace

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  const std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  if (!args.empty()) return mammo::cli::UsageError("unexpected argument '" + args[0] + "'");
  mammo::predict::Options options;
  options.run_dir = absl::GetFlag(FLAGS_run);
  options.checkpoint = absl::GetFlag(FLAGS_checkpoint);
  options.inputs = absl::GetFlag(FLAGS_input);
  options.output = absl::GetFlag(FLAGS_output);
  options.allow_precision_mismatch = absl::GetFlag(FLAGS_allow_precision_mismatch);
  options.heatmaps_dir = absl::GetFlag(FLAGS_heatmaps);
  options.heatmaps_top = absl::GetFlag(FLAGS_heatmaps_top);
  options.heatmap_layer = absl::GetFlag(FLAGS_heatmap_layer);
  absl::StatusOr<mammo::Task> task = mammo::TaskFlag();
  if (!task.ok()) return mammo::cli::UsageError(std::string(task.status().message()));
  options.task = *task;
  if (const std::string method = absl::GetFlag(FLAGS_calibrate); !method.empty()) {
    absl::StatusOr<mammo::metrics::Recalibration::Method> parsed =
        mammo::metrics::ParseRecalibrationMethod(method, "--calibrate");
    if (!parsed.ok()) return mammo::cli::UsageError(std::string(parsed.status().message()));
    options.calibrate = *parsed;
  }
  if (options.run_dir.empty()) return mammo::cli::UsageError("--run is required");
  if (absl::GetFlag(FLAGS_print_preprocessing)) {
    absl::StatusOr<std::string> lines = mammo::predict::PreprocessingLines(options.run_dir);
    if (lines.ok()) std::cout << *lines;
    return mammo::cli::Finish(lines.status());
  }
  if (options.inputs.empty()) return mammo::cli::UsageError("--input is required");
  return mammo::cli::Finish(mammo::predict::Run(options));
}
