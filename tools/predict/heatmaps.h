// predict --heatmaps DIR: for each chosen record, its ROI with the Grad-CAM map of the malignant
// logit (lib/train/grad_cam.h) overlaid, as DIR/<id>.png (the id through SafeFileName, so that
// score's report finds it). The records are every input record, or with --heatmaps_top K the K
// worst false positives and K worst false negatives at score's default threshold, 0.5
// (lib/metrics/worst_errors.h).
//
//   HeatmapImages images{network, preprocessing};
//   RETURN_IF_ERROR(WriteHeatmaps(images, inputs, task, {"r1", "r7"}, "out/heatmaps"));
#ifndef MAMMO_TOOLS_PREDICT_HEATMAPS_H_
#define MAMMO_TOOLS_PREDICT_HEATMAPS_H_

#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/records/task.h"
#include "lib/train/grad_cam.h"
#include "lib/train/image_set.h"

namespace mammo::predict {

// The probability threshold that makes a false positive or negative: score's default.
inline constexpr double kHeatmapThreshold = 0.5;

// What a heatmap needs: the run's network for Grad-CAM and the preprocessing it was trained
// with (the map is computed at the model's input size, then drawn at the ROI's).
struct HeatmapImages {
  train::GradCamNetwork network;
  train::Preprocessing preprocessing;
};

// The ROI (8- or 16-bit, grey or RGB) in grey with `map` ([H, W] in [0, 1], the ROI's size)
// as OpenCV's JET colour map blended half and half over it, as PNG bytes; the same inputs
// give the same bytes.
absl::StatusOr<std::string> HeatmapPng(const cv::Mat& roi, const torch::Tensor& map);

// Creates `dir` (and its parents); PermissionDenied naming --heatmaps when it cannot.
absl::Status CreateHeatmapFolder(const std::string& dir);

// Writes DIR/<SafeFileName(id)>.png, atomically, for every record of `inputs` (of `task`'s
// slice) whose id is in `ids`. Fails naming the record for an image that cannot be decoded,
// and naming both records when two ids give one file name.
absl::Status WriteHeatmaps(const HeatmapImages& images, const std::vector<std::string>& inputs,
                           const Task& task, const std::set<std::string>& ids,
                           const std::string& dir);

}  // namespace mammo::predict

#endif  // MAMMO_TOOLS_PREDICT_HEATMAPS_H_
