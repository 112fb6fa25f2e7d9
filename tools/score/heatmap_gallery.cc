#include "tools/score/heatmap_gallery.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "lib/io/byte_io.h"
#include "lib/io/safe_file_name.h"
#include "lib/metrics/worst_errors.h"
#include "lib/status/status_macros.h"

namespace mammo::score {

absl::StatusOr<std::vector<HtmlHeatmap>> ReadHeatmapGallery(
    const std::string& dir, const std::vector<Prediction>& predictions, double threshold) {
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return absl::NotFoundError(absl::StrCat("--heatmaps ", dir, ": not a folder"));
  }
  std::vector<int> labels;
  std::vector<double> probabilities;
  for (const Prediction& p : predictions) {
    labels.push_back(p.label);
    probabilities.push_back(p.probability);
  }
  const metrics::WorstErrors worst =
      metrics::FindWorstErrors(labels, probabilities, threshold, kGalleryErrorsPerKind);
  std::vector<HtmlHeatmap> gallery;
  const auto add = [&](size_t i, const char* kind) -> absl::Status {
    const Prediction& p = predictions[i];
    const std::string path = absl::StrCat(dir, "/", SafeFileName(p.id), ".png");
    if (!std::filesystem::is_regular_file(path, error)) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::string png, ReadFile(path));
    if (!absl::StartsWith(png, "\x89PNG\r\n\x1a\n")) {
      return absl::DataLossError(absl::StrCat(path, ": not a PNG file (--heatmaps)"));
    }
    gallery.push_back({absl::StrFormat("%s: %s, p = %.3f (%s)", kind, p.id, p.probability, p.split),
                       std::move(png)});
    return absl::OkStatus();
  };
  for (size_t i : worst.false_positives) RETURN_IF_ERROR(add(i, "false positive"));
  for (size_t i : worst.false_negatives) RETURN_IF_ERROR(add(i, "false negative"));
  return gallery;
}

}  // namespace mammo::score
