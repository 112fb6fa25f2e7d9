// dcm2png: DICOM mammograms to PNG, one file or a whole CBIS-DDSM download to records.
#include <iostream>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/records/task_flag.h"
#include "tools/dcm2png/dcm2png_lib.h"

ABSL_FLAG(bool, clahe, false, "After min-max, apply CLAHE (the paper's processing; both modes).");
ABSL_FLAG(double, clahe_clip, 2.0, "CLAHE clip limit, OpenCV's unit (2.0: see above).");
ABSL_FLAG(int, clahe_tiles, 8, "CLAHE grid: N x N tiles (8: OpenCV's default, see above).");
ABSL_FLAG(uint64_t, max_pixels, 100000000,
          "Refuse DICOM images with more than this many pixels (Rows x Columns).");
ABSL_FLAG(int, frame, 1, "Multi-frame files: the frame to convert, from 1 (others: a warning).");
ABSL_FLAG(std::string, colour, "refuse",
          "Colour DICOM (RGB, YBR, palette): refuse, or luma (BT.601 luminance).");
ABSL_FLAG(int, bits, 8, "One-file mode: 8 (min-max) or 16 (the stored values, unprocessed).");
ABSL_FLAG(bool, voi, false,
          "One-file mode: render through the file's first window or VOI LUT instead of min-max "
          "(min-max, with a note, when it has none).");
ABSL_FLAG(std::string, dataset, "cbis",
          "Dataset mode: cbis (the DICOM download, any layout), kaggle_cbis (the Kaggle JPEG "
          "copy: ROOT/csv and ROOT/jpeg; --csv optional), mias (ROOT/Info.txt, ROOT/all-mias), "
          "vindr (ROOT/finding_annotations.csv, ROOT/images), inbreast (ROOT/INbreast.csv, "
          "ROOT/AllXML, ROOT/AllDICOMs), cmmd (ROOT/CMMD_clinicaldata_revision.csv, *.dcm) or "
          "boxes (--csv: file,x,y,width,height or file,mask, [,id][,patient], on DICOM files "
          "under ROOT).");
ABSL_FLAG(std::vector<std::string>, csv, {},
          "Dataset mode: a CBIS-DDSM case description CSV; repeat the flag or separate with commas "
          "(--dataset boxes: the one CSV of boxes or masks).");
ABSL_FLAG(std::string, root, "", "Dataset mode: the dataset's folder (DICOM files: any layout).");
ABSL_FLAG(std::string, output, "", "Dataset mode: the shard set to write, e.g. out/full@8, or -.");
ABSL_FLAG(std::string, rejects, "",
          "Dataset mode: the rejects file (default: OUTPUT_PREFIX.rejects.tsv).");
ABSL_FLAG(std::string, mask_mismatch, "rescale",
          "Dataset mode: a mask whose size differs from its image is rescaled (nearest "
          "neighbour, with a warning) or the case is skipped (a rejects line): rescale|skip.");
ABSL_FLAG(std::string, split, "dataset",
          "Dataset mode: every record's split: dataset (the dataset's own), or train, valid, test "
          "or none for all (external validation: a whole dataset to train or test on).");
ABSL_FLAG(int, threads, 0, "Dataset mode: worker threads (0: all cores).");
ABSL_FLAG(bool, strict, false, "Dataset mode: exit 2 when any case was rejected.");

int main(int argc, char** argv) {
  mammo::cli::KeepLargeBuffersInHeap();
  // --csv is meant to be repeated (the train and the test file), and each may be a list.
  std::vector<std::string> csv_files;
  for (const std::string& value : mammo::cli::RepeatedFlagValues(argc, argv, "csv")) {
    for (absl::string_view file : absl::StrSplit(value, ',', absl::SkipEmpty())) {
      csv_files.emplace_back(file);
    }
  }
  namespace d = mammo::dcm2png;
  std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, d::kUsage);
  d::ProcessOptions process;
  process.clahe = absl::GetFlag(FLAGS_clahe);
  process.clahe_clip = absl::GetFlag(FLAGS_clahe_clip);
  process.clahe_tiles = absl::GetFlag(FLAGS_clahe_tiles);
  process.read.max_pixels = absl::GetFlag(FLAGS_max_pixels);
  process.read.frame = absl::GetFlag(FLAGS_frame);
  absl::StatusOr<mammo::ColourMode> colour = d::ParseColourMode(absl::GetFlag(FLAGS_colour));
  if (!colour.ok()) return mammo::cli::UsageError(colour.status().message());
  process.read.colour = *colour;

  const bool dataset = !csv_files.empty() || !absl::GetFlag(FLAGS_root).empty() ||
                       !absl::GetFlag(FLAGS_output).empty() ||
                       absl::GetFlag(FLAGS_dataset) != "cbis";
  const absl::StatusOr<mammo::Task> task = mammo::TaskFlag();
  if (!task.ok()) return mammo::cli::UsageError(task.status().message());
  if (!dataset) {
    if (args.size() != 2) return mammo::cli::UsageError("one-file mode takes IN.dcm OUT.png");
    if (task->count > 1) return mammo::cli::UsageError("--task belongs to dataset mode");
    d::FileOptions options;
    options.process = process;
    options.bits = absl::GetFlag(FLAGS_bits);
    options.voi = absl::GetFlag(FLAGS_voi);
    return mammo::cli::Finish(d::ConvertFile(args[0], args[1], options, std::cerr));
  }
  if (!args.empty()) return mammo::cli::UsageError("dataset mode takes no positional arguments");
  if (absl::GetFlag(FLAGS_bits) != 8 || absl::GetFlag(FLAGS_voi)) {
    return mammo::cli::UsageError("--bits and --voi belong to one-file mode");
  }
  absl::StatusOr<d::MaskMismatch> mismatch =
      d::ParseMaskMismatch(absl::GetFlag(FLAGS_mask_mismatch));
  if (!mismatch.ok()) return mammo::cli::UsageError(mismatch.status().message());
  absl::StatusOr<d::DatasetKind> kind = d::ParseDatasetKind(absl::GetFlag(FLAGS_dataset));
  if (!kind.ok()) return mammo::cli::UsageError(kind.status().message());
  d::DatasetOptions options;
  options.dataset = *kind;
  options.csv_files = csv_files;
  options.root = absl::GetFlag(FLAGS_root);
  options.output = absl::GetFlag(FLAGS_output);
  options.rejects = absl::GetFlag(FLAGS_rejects);
  options.threads = mammo::cli::ResolveThreads(absl::GetFlag(FLAGS_threads));
  options.mask_mismatch = *mismatch;
  absl::StatusOr<std::optional<mammo::Split>> split =
      d::ParseSplitOverride(absl::GetFlag(FLAGS_split));
  if (!split.ok()) return mammo::cli::UsageError(split.status().message());
  options.split = *split;
  options.strict = absl::GetFlag(FLAGS_strict);
  options.process = process;
  options.task = *task;
  // Dataset mode's workers already run one image each; OpenCV's own threads inside each CLAHE
  // only compete with them (7% more CPU in all, measured on the dcm2png benchmark).
  cv::setNumThreads(1);
  return mammo::cli::Finish(d::ConvertDataset(options, std::cerr).status());
}
