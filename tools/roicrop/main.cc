// roicrop: one 320x320 ROI per (full mammogram, mass mask) record, as in the paper.

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/malloc_tuning.h"
#include "lib/records/task_flag.h"
#include "tools/roicrop/roicrop_lib.h"

ABSL_FLAG(std::string, input, "",
          "Records to read: a shard spec DIR/PREFIX@N, a file, a glob or '-'.");
ABSL_FLAG(std::string, output, "", "Where to write the ROI records: DIR/PREFIX@N or '-'.");
ABSL_FLAG(int, size, 320, "Side of the final square ROI, in pixels.");
ABSL_FLAG(int, pad, 4, "The ROI is resized to (size + 2*pad) squared, then its centre cropped.");
ABSL_FLAG(double, min_aspect, 0.4, "Reject ROIs whose width / height is below this.");
ABSL_FLAG(double, max_aspect, 1.5, "Reject ROIs whose width / height is above this.");
ABSL_FLAG(std::string, context, "0",
          "Margin around the mask's box on every side: pixels (16) or a fraction of the box's "
          "width and height (0.1); clipped at the image's edges.");
ABSL_FLAG(bool, keep_aspect, false,
          "Pad the ROI with black to a square before resizing instead of stretching it.");
ABSL_FLAG(bool, no_denoise, false, "Skip the fast non-local means denoising.");
ABSL_FLAG(double, h, 3, "Denoising filter strength (OpenCV's default).");
ABSL_FLAG(int, template_window, 7, "Denoising template window side, odd (OpenCV's default).");
ABSL_FLAG(int, search_window, 21, "Denoising search window side, odd (OpenCV's default).");
ABSL_FLAG(bool, breast_without_mask, false,
          "A record without a lesion mask (CMMD has no lesion location): crop the breast (the "
          "largest region above Otsu's threshold, no aspect check) instead of rejecting it.");
ABSL_FLAG(int, threads, 0, "Worker threads, one ROI each at a time; 0 = all cores.");
ABSL_FLAG(std::string, rejects, "", "Also write the rejected records as id<TAB>reason<TAB>detail.");

namespace {

constexpr char kUsage[] = R"(Usage: roicrop --input SPEC --output SPEC [OPTION]...

Extracts the paper's ROI from every (full mammogram, mass mask) record: the mask's
bounding box, cropped from the 8-bit CLAHE image, min-max normalised, kept if its
aspect ratio w/h is within [--min_aspect, --max_aspect], resized to (size + 2*pad)
squared (cubic if no side shrinks, area otherwise), centre-cropped to size x size and
denoised (fastNlMeansDenoising). One ROI record per input record, in input order.
Rejections are counted by reason and summarised on stderr at the end.

Examples:
  roicrop --input full@8 --output rois@8
  roicrop --input full@8 --output rois@8 --context 0.1 --keep_aspect --rejects rejects.tsv
  roicrop --input full@8 --output=- --no_denoise | shardcat --count -
  roicrop --input cmmd_full@8 --output cmmd_rois@8 --breast_without_mask   image-level labels)";

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  mammo::cli::KeepLargeBuffersInHeap();
  std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  namespace rc = mammo::roicrop;
  if (!args.empty())
    return mammo::cli::UsageError(absl::StrCat("unexpected argument '", args[0], "'"));
  if (absl::GetFlag(FLAGS_input).empty()) return mammo::cli::UsageError("--input is required");
  if (absl::GetFlag(FLAGS_output).empty()) return mammo::cli::UsageError("--output is required");
  absl::StatusOr<rc::Context> context = rc::ParseContext(absl::GetFlag(FLAGS_context));
  if (!context.ok()) return mammo::cli::UsageError(context.status().message());
  if (absl::GetFlag(FLAGS_threads) < 0)
    return mammo::cli::UsageError("--threads must be at least 0 (0: all cores)");

  rc::Options options;
  options.size = absl::GetFlag(FLAGS_size);
  options.pad = absl::GetFlag(FLAGS_pad);
  options.min_aspect = absl::GetFlag(FLAGS_min_aspect);
  options.max_aspect = absl::GetFlag(FLAGS_max_aspect);
  options.context = *context;
  options.keep_aspect = absl::GetFlag(FLAGS_keep_aspect);
  options.denoise = !absl::GetFlag(FLAGS_no_denoise);
  options.breast_without_mask = absl::GetFlag(FLAGS_breast_without_mask);
  options.h = static_cast<float>(absl::GetFlag(FLAGS_h));
  options.template_window = absl::GetFlag(FLAGS_template_window);
  options.search_window = absl::GetFlag(FLAGS_search_window);
  if (absl::Status valid = rc::ValidateOptions(options); !valid.ok()) {
    return mammo::cli::UsageError(valid.message());
  }

  const absl::StatusOr<mammo::Task> task = mammo::TaskFlag();
  if (!task.ok()) return mammo::cli::UsageError(task.status().message());
  absl::StatusOr<rc::Summary> summary =
      rc::Run({absl::GetFlag(FLAGS_input)}, absl::GetFlag(FLAGS_output), options,
              mammo::cli::ResolveThreads(absl::GetFlag(FLAGS_threads)),
              absl::GetFlag(FLAGS_rejects), *task);
  if (summary.ok()) std::cerr << rc::FormatSummary(*summary) << "\n";
  return mammo::cli::Finish(summary.status());
}
