// score --html's gallery of heatmaps: the worst errors of the predictions at the report's
// threshold (lib/metrics/worst_errors.h), each with the Grad-CAM heatmap `predict --heatmaps`
// drew of it, found in the heatmap folder as <SafeFileName(id)>.png. predict --heatmaps_top K
// draws those same errors (at score's default threshold), so its folder serves.
//
//   ASSIGN_OR_RETURN(section.heatmaps, ReadHeatmapGallery("out/heatmaps", predictions, 0.5));
#ifndef MAMMO_TOOLS_SCORE_HEATMAP_GALLERY_H_
#define MAMMO_TOOLS_SCORE_HEATMAP_GALLERY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/score/html_report.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

// How many false positives, and how many false negatives, the gallery shows at most.
inline constexpr size_t kGalleryErrorsPerKind = 8;

// The worst false positives (highest probability first), then the worst false negatives
// (lowest first), of those that have a heatmap in `dir`; errors without one are left out.
// NotFound naming --heatmaps when `dir` is no folder; DataLoss naming a file that is no PNG.
absl::StatusOr<std::vector<HtmlHeatmap>> ReadHeatmapGallery(
    const std::string& dir, const std::vector<Prediction>& predictions, double threshold);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_HEATMAP_GALLERY_H_
