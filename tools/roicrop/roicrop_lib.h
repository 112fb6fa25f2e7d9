// roicrop: the paper's ROI extraction (Falconi et al. 2020, section 4.3.1 and Figure 3).
//
// Each input record is one (full mammogram, abnormality) pair: `image` is dcm2png's
// CLAHE-processed 8-bit grey mammogram, `masks[0]` that abnormality's binary mask (any
// non-zero pixel is mass). Each accepted record gives one 320x320 ROI record:
//   1. box = bounding box of every non-zero mask pixel (cv::boundingRect), widened by
//      --context and clipped to the image;
//   2. crop the box from the 8-bit image;
//   3. min-max normalise the crop to [0, 255];
//   4. keep it only if r = w / h lies in [min_aspect, max_aspect] (inclusive);
//   5. (--keep_aspect: pad the shorter side with 0 to a square, centred;)
//      resize to (size + 2 * pad) squared, cubic when no side shrinks, area otherwise;
//   6. crop the centre size x size (offset pad on both axes);
//   7. fastNlMeansDenoising(h, template window, search window) unless --no_denoise.
// The README next to this file documents the choices and the edge cases.
#ifndef MAMMO_TOOLS_ROICROP_ROICROP_LIB_H_
#define MAMMO_TOOLS_ROICROP_ROICROP_LIB_H_

#include <cstdint>
#include <map>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "data_formats/record.pb.h"
#include "lib/records/shard_writer.h"
#include "lib/records/task.h"

namespace mammo::roicrop {

// Margin added on every side of the mask's box: `value` pixels, or `value` times the box's
// width (left and right) and height (top and bottom) when `fraction`.
struct Context {
  double value = 0;
  bool fraction = false;
};

// "16" is 16 pixels; a value with a '.' ("0.1", "1.0") is a fraction of the box. Negative
// values and anything else are InvalidArgument naming --context.
absl::StatusOr<Context> ParseContext(absl::string_view text);
std::string FormatContext(const Context& context);

struct Options {
  int size = 320;
  int pad = 4;
  double min_aspect = 0.4;
  double max_aspect = 1.5;
  Context context;
  bool keep_aspect = false;
  bool denoise = true;
  float h = 3;              // filter strength
  int template_window = 7;  // odd
  int search_window = 21;   // odd
  // A record without a mask (CMMD's: no lesion location): false, rejected as no_mask; true,
  // its ROI is the breast (BreastMask), without the aspect check, for image-level labels.
  bool breast_without_mask = false;
};

// InvalidArgument naming the flag when an option is out of range.
absl::Status ValidateOptions(const Options& options);

// The steps, exposed for tests.

// Bounding box of the non-zero pixels of an 8-bit mask; empty (0x0) when there are none.
cv::Rect MaskBox(const cv::Mat& mask);
// The breast of an 8-bit mammogram as a mask (255 inside): the largest 8-connected region
// above Otsu's threshold, which leaves out the dark background and small bright labels and
// markers apart from it. All 0 when the image is flat.
cv::Mat BreastMask(const cv::Mat& image);
// The box widened by the context margin (rounded to the nearest pixel) and clipped to the image.
cv::Rect AddContext(const cv::Rect& box, const Context& context, cv::Size image);
// "aspect_below_min", "aspect_above_max" or nullopt for r = width / height.
std::optional<std::string> CheckAspect(cv::Size crop, double min_aspect, double max_aspect);
// cv::INTER_CUBIC when neither side shrinks going to target x target, cv::INTER_AREA otherwise.
int ChooseInterpolation(cv::Size from, int target);
// Pads with 0 to a square of the longer side; the shorter side's extra goes (n / 2) before and
// the rest after.
cv::Mat PadToSquare(const cv::Mat& roi);
// The size x size centre: offsets (width - size) / 2 and (height - size) / 2.
cv::Mat CentreCrop(const cv::Mat& image, int size);

// The ROI of one (image, mask) pair, or why there is none.
struct Roi {
  cv::Mat pixels;          // size x size, CV_8U; empty when rejected
  std::string reject;      // empty when accepted
  std::string detail;      // for the rejects file, e.g. "r=0.39"
  cv::Rect mask_box;       // before the context margin
  cv::Rect crop_box;       // what was cropped from the image (the record's roi_box)
  double aspect = 0;       // of crop_box
  int interpolation = -1;  // cv::INTER_CUBIC or cv::INTER_AREA
};

// Reasons for rejection: "mask_size_mismatch", "empty_mask", "aspect_below_min",
// "aspect_above_max" (unless not `check_aspect`), "flat_roi". `image` and `mask` are CV_8UC1.
Roi ExtractRoi(const cv::Mat& image, const cv::Mat& mask, const Options& options,
               bool check_aspect = true);

// One input record to its ROI record or a rejection ("no_mask" added to ExtractRoi's reasons).
// Errors (undecodable PNG, an image that is not 8-bit grey) are DataLoss naming the record.
struct Outcome {
  std::optional<Record> roi;
  std::string reject;
  std::string detail;
};
absl::StatusOr<Outcome> ProcessRecord(const Record& record, const Options& options);

// Stage-wide parameters for the manifest (no --threads: the output does not depend on it).
StageInfo MakeStageInfo(const Options& options);

struct Summary {
  uint64_t read = 0;
  uint64_t written = 0;
  std::map<std::string, uint64_t> rejected;  // by reason
};
// "roicrop: 10 records read, 8 ROIs written, 2 rejected (aspect_above_max 1, empty_mask 1)"
std::string FormatSummary(const Summary& summary);

// Reads `inputs`, processes `threads` records at a time (at most 4 * threads read but not yet
// written) and writes ROIs in input order to `output`: the bytes do not depend on `threads`.
// When `rejects_path` is not empty, writes "id<TAB>reason<TAB>detail" lines there (with a
// header line). With a `task` of an array job, only its slice of the input records is
// processed and `output` is its part (lib/records/task.h), for `shardcat merge`.
absl::StatusOr<Summary> Run(const std::vector<std::string>& inputs, const std::string& output,
                            const Options& options, int threads, const std::string& rejects_path,
                            const Task& task = {});

}  // namespace mammo::roicrop

#endif  // MAMMO_TOOLS_ROICROP_ROICROP_LIB_H_
