#include "lib/image/preprocess.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/image/codec.h"

namespace mammo {

absl::Status PreprocessImage(const Record& record, int size, const std::array<float, 3>& mean,
                             const std::array<float, 3>& std, float* planes) {
  absl::StatusOr<cv::Mat> decoded = DecodeImage(record.image());
  if (!decoded.ok()) {
    return absl::Status(decoded.status().code(),
                        absl::StrCat("record '", record.id(), "': ", decoded.status().message()));
  }
  const cv::Mat& pixels = *decoded;
  if (pixels.channels() != 1 && pixels.channels() != 3) {
    return absl::DataLossError(absl::StrCat("record '", record.id(), "': ", pixels.channels(),
                                            " channels; backbones take grey or RGB images"));
  }
  // Scale to [0, 1] before resizing so that interpolation does not round to integers.
  cv::Mat unit;
  pixels.convertTo(unit, CV_32F, pixels.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0);
  if (unit.rows != size || unit.cols != size) {
    cv::Mat resized;
    const bool shrinking = unit.rows > size || unit.cols > size;
    cv::resize(unit, resized, cv::Size(size, size), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    unit = resized;
  }
  std::vector<cv::Mat> channels;
  cv::split(unit, channels);
  for (int c = 0; c < 3; ++c) {
    // Grey images are replicated into all three channels: the backbones expect RGB.
    const cv::Mat& source = channels[channels.size() == 1 ? 0 : c];
    cv::Mat plane(size, size, CV_32F, planes + static_cast<size_t>(c) * size * size);
    source.convertTo(plane, CV_32F, 1.0 / std[c], -mean[c] / std[c]);
  }
  return absl::OkStatus();
}

}  // namespace mammo
