// augment: Augmentor-faithful augmentation of ROI records into train/valid/test shard sets.
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "lib/cli/cli.h"
#include "lib/records/task_flag.h"
#include "tools/augment/augment_lib.h"
#include "tools/augment/ops.h"

ABSL_FLAG(std::vector<std::string>, input, {},
          "ROI records: shard sets, files, globs or - (stdin), comma-separated (required).");
ABSL_FLAG(std::string, output, "",
          "PREFIX of the outputs: writes PREFIX_train@N, PREFIX_valid@N and PREFIX_test@N, "
          "each with its manifest (required).");
ABSL_FLAG(int, shards, 8, "N, shards per output set.");
ABSL_FLAG(std::string, op, "",
          "An operation NAME:KEY=VALUE,...; repeat for several, applied in flag order. Keys and "
          "defaults (Table 5): rotate:p=0.95,max=15; shear:p=0.6,max=25; equalize:p=0.6; "
          "flip:p=0.7; brightness:p=0.8,min=0.6,max=1.2; zoom:p=1,min=1,max=1.2. None: Table 5.");
ABSL_FLAG(bool, augmentor_compat, true, mammo::augment::kCompatHelp);
ABSL_FLAG(uint64_t, samples, 0,
          "Augmented images to make, sources drawn with replacement (the paper: 60000).");
ABSL_FLAG(bool, balance, true,
          "With --samples: sample i from label i % 2's sources, half of each class and the paper "
          "split stratified (the paper's 30000 + 30000). false: drawn uniformly, mix kept.");
ABSL_FLAG(uint64_t, per_image, 0, "Instead of --samples: augment every source K times.");
ABSL_FLAG(std::string, protocol, "patient",
          "patient: the official test split (or --fold's) copied unaugmented, valid carved from "
          "train by patient (stratified by label), only train augmented. paper: all pooled, "
          "augmented, split by image (--paper_split), the same lesion in train and test.");
ABSL_FLAG(std::string, fold, "",
          "I/K: cross-validation, fold I of K: all patients dealt into K folds (stratified by "
          "label, by --seed); fold I's are test. Folds 0..K-1 together test every patient once.");
ABSL_FLAG(double, valid_fraction, 0.1,
          "patient protocol: share of the training patients, per label, moved to valid.");
ABSL_FLAG(double, test_fraction, 0,
          "patient protocol: share of the patients whose records have no official split (MIAS, "
          "INbreast, CMMD), per label, drawn into test; 0: such records are refused.");
ABSL_FLAG(std::string, paper_split, "0.8,0.1",
          "paper protocol: TRAIN,VALID shares of the augmented images; test gets the rest.");
ABSL_FLAG(uint64_t, seed, 1, "Random seed: the same seed gives the same bytes for any --threads.");
ABSL_FLAG(int, threads, 0, "Worker threads (0 = all cores).");
ABSL_FLAG(std::string, encoding, "png",
          "png or raw (about 3x larger: 6 GB for 60000 320x320 images; much faster).");

namespace {

constexpr char kUsage[] =
    R"(Usage: augment --input SPEC --output PREFIX (--samples N | --per_image K) [OPTION]...

Augments ROI records (8-bit grey, as roicrop writes them; split TRAIN or TEST as the
dataset gives it) the way the paper did with Augmentor, and writes three shard sets
PREFIX_train@N, PREFIX_valid@N, PREFIX_test@N with manifests.

Each output record has its split set and a provenance entry (stage augment, the source id as
parent, the operations applied with their drawn values). Augmented ids are
SOURCE_ID#augNNNNNN (the sample number); copied records keep their id. Augmented records
carry no masks. Sources are held in memory (decoded); outputs are streamed.

Rotate, shear, flip and zoom, with Augmentor's crops and resizes, are composed into one
bicubic warp per image (Keys' kernel a=-0.75, edges replicated; Augmentor resamples after
every step with PIL's kernels and fills with black); equalise and brightness become one table
applied after the warp, equalise's histogram taken from the image as the steps before it
left it. See tools/augment/README.md, and --augmentor_compat for Augmentor's quirks.

Examples:
  augment --samples 60000 --input out/rois@8 --output out/aug      Table 5, patient protocol
  augment --protocol paper --samples 60000 --input out/rois@8 --output out/paper
  augment --fold 2/5 --samples 60000 --input out/rois@8 --output out/cv/fold2/aug
  augment --test_fraction 0.2 --samples 6000 --input out/inbreast_rois --output out/inbreast
  augment --per_image 10 --op rotate:p=1,max=10 --op flip:p=0.5 --input out/rois --output aug)";

}  // namespace

int main(int argc, char** argv) {
  namespace ag = mammo::augment;
  const std::vector<std::string> op_texts = mammo::cli::RepeatedFlagValues(argc, argv, "op");
  std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  ag::Options options;
  options.inputs = absl::GetFlag(FLAGS_input);
  if (!args.empty()) {  // the old form, kept for one release
    if (!options.inputs.empty()) return mammo::cli::UsageError("give inputs with --input only");
    std::cerr << "augment: inputs as arguments are deprecated, and go in the next release: "
                 "use --input\n";
    options.inputs = args;
  }
  if (options.inputs.empty()) return mammo::cli::UsageError("--input is required");
  options.output = absl::GetFlag(FLAGS_output);
  if (options.output.empty()) return mammo::cli::UsageError("--output is required");
  options.shards = absl::GetFlag(FLAGS_shards);
  if (!op_texts.empty()) {  // else the paper's Table 5 pipeline, Options' default
    absl::StatusOr<std::vector<ag::OpSpec>> ops = ag::ParseOps(op_texts);
    if (!ops.ok()) return mammo::cli::UsageError(ops.status().message());
    options.ops = *std::move(ops);
  }
  options.compat = absl::GetFlag(FLAGS_augmentor_compat);
  if (absl::Status sampling =
          ag::ParseSamplingFlags(absl::GetFlag(FLAGS_samples), absl::GetFlag(FLAGS_per_image),
                                 absl::GetFlag(FLAGS_encoding), &options);
      !sampling.ok()) {
    return mammo::cli::UsageError(sampling.message());
  }
  if (absl::Status split =
          ag::ParseSplitFlags(absl::GetFlag(FLAGS_protocol), absl::GetFlag(FLAGS_valid_fraction),
                              absl::GetFlag(FLAGS_test_fraction), absl::GetFlag(FLAGS_paper_split),
                              absl::GetFlag(FLAGS_fold), &options);
      !split.ok()) {
    return mammo::cli::UsageError(split.message());
  }
  options.seed = absl::GetFlag(FLAGS_seed);
  options.balance = absl::GetFlag(FLAGS_balance);
  options.threads = mammo::cli::ResolveThreads(absl::GetFlag(FLAGS_threads));
  absl::StatusOr<mammo::Task> task = mammo::TaskFlag();
  if (!task.ok()) return mammo::cli::UsageError(task.status().message());
  options.task = *task;

  if (options.protocol == ag::Protocol::kPaper) std::cerr << ag::kPaperProtocolWarning;
  absl::StatusOr<ag::Report> report = ag::Run(options);
  if (report.ok()) std::cerr << "augment: " << ag::FormatReport(*report, options.protocol);
  return mammo::cli::Finish(report.status());
}
