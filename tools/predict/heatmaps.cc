#include "tools/predict/heatmaps.h"

#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "lib/cli/progress.h"
#include "lib/image/codec.h"
#include "lib/image/preprocess.h"
#include "lib/io/byte_io.h"
#include "lib/io/safe_file_name.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"

namespace mammo::predict {

absl::StatusOr<std::string> HeatmapPng(const cv::Mat& roi, const torch::Tensor& map) {
  cv::Mat grey = roi;
  if (grey.channels() == 3) cv::cvtColor(grey, grey, cv::COLOR_RGB2GRAY);
  if (grey.depth() == CV_16U) grey.convertTo(grey, CV_8U, 1.0 / 257);
  if (map.size(0) != grey.rows || map.size(1) != grey.cols) {
    return absl::InternalError(absl::StrCat("heatmap of ", map.size(0), "x", map.size(1),
                                            " for an ROI of ", grey.rows, "x", grey.cols));
  }
  const torch::Tensor levels = (map * 255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
  const cv::Mat level_image(grey.rows, grey.cols, CV_8UC1, levels.data_ptr<uint8_t>());
  cv::Mat colour, background, overlay;
  cv::applyColorMap(level_image, colour, cv::COLORMAP_JET);
  cv::cvtColor(grey, background, cv::COLOR_GRAY2BGR);
  cv::addWeighted(background, 0.5, colour, 0.5, 0, overlay);
  ASSIGN_OR_RETURN(Image png, EncodeImage(overlay, Image::PNG));  // BGR in, RGB PNG out
  return png.data();
}

absl::Status CreateHeatmapFolder(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("--heatmaps ", dir, ": cannot create the folder: ", error.message()));
  }
  return absl::OkStatus();
}

absl::Status WriteHeatmaps(const HeatmapImages& images, const std::vector<std::string>& inputs,
                           const Task& task, const std::set<std::string>& ids,
                           const std::string& dir) {
  RETURN_IF_ERROR(CreateHeatmapFolder(dir));
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  if (task.count > 1) RETURN_IF_ERROR(reader->SelectTask(task));
  const train::Preprocessing& p = images.preprocessing;
  cli::Progress progress("heatmaps", ids.size());
  std::map<std::string, std::string> id_of_file;  // two ids must not share a file
  torch::Tensor input = torch::empty({3, p.size, p.size});
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    if (ids.count(record.id()) == 0) continue;
    const std::string file = SafeFileName(record.id()) + ".png";
    if (const auto [it, added] = id_of_file.emplace(file, record.id()); !added) {
      return absl::FailedPreconditionError(
          absl::StrCat(reader->Position(), ": --heatmaps: records '", it->second, "' and '",
                       record.id(), "' would both be drawn as ", dir, "/", file));
    }
    absl::Status decoded = PreprocessImage(record, p.size, p.mean, p.std, input.data_ptr<float>());
    absl::StatusOr<cv::Mat> roi = DecodeImage(record.image());
    if (decoded.ok()) decoded = roi.status();
    if (!decoded.ok()) {
      return absl::Status(decoded.code(),
                          absl::StrCat(reader->Position(), ": ", decoded.message()));
    }
    const torch::Tensor map = train::GradCam(images.network, input, roi->rows, roi->cols);
    ASSIGN_OR_RETURN(const std::string png, HeatmapPng(*roi, map));
    RETURN_IF_ERROR(WriteFileAtomically(absl::StrCat(dir, "/", file), png));
    progress.Add();
  }
  progress.Finish();
  return absl::OkStatus();
}

}  // namespace mammo::predict
