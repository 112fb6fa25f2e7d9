// synth --layout vindr: a synthetic VinDr-Mammo (data_formats/datasets/vindr.md): four-view
// studies as images/<study_id>/<image_id>.dicom (32-hex-digit names), breast-level_annotations.csv
// (one row per image) and finding_annotations.csv (one row per box, and a `No Finding` row for an
// image without one). The spec's traps are planted: categories as Python list text, boxes with
// several categories, boxes without BI-RADS, fractional coordinates, and the bad input:
// a box outside the image, a coordinate that is not a number, a missing image.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_VINDR_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_VINDR_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/synth/synth_plan.h"

namespace mammo::synth {

// Trap names as written in synth_truth.csv's traps column.
inline constexpr char kVindrTrapNoFinding[] = "no_finding";  // ['No Finding'], no box
inline constexpr char kVindrTrapNoBirads[] = "no_birads";    // a box without BI-RADS
inline constexpr char kVindrTrapSeveralCategories[] = "several_categories";
inline constexpr char kVindrTrapBoxOutside[] = "box_outside";        // xmin beyond the width
inline constexpr char kVindrTrapBadCoordinate[] = "bad_coordinate";  // xmin not a number
inline constexpr char kVindrTrapMissingImage[] = "missing_image";

struct VindrFinding {
  std::vector<std::string> categories;  // e.g. {"Mass", "Skin Retraction"}
  std::string birads;                   // "BI-RADS 3".."BI-RADS 5", or empty
  std::vector<std::string> traps;
  Abnormality lesion;  // what Render draws
  bool HasTrap(const std::string& trap) const;
};

struct VindrImage {
  std::string study_id, image_id, series_id;  // 32 hex digits each
  std::string laterality;                     // L or R
  std::string view;                           // CC or MLO
  std::string breast_birads, density;         // "BI-RADS 2", "DENSITY C"
  bool training = true;
  bool missing = false;
  int width = 0, height = 0;
  uint64_t render_seed = 0;
  std::string dicom_study_uid, dicom_series_uid, dicom_sop_uid;
  std::vector<VindrFinding> findings;  // empty: one `No Finding` row
  std::vector<cv::Rect> boxes;         // per finding, set when rendered
};

// `options.cases` studies of four images (L and R, CC and MLO), about a fifth in the test split
// (the second study always); a finding of a breast shows in both its views.
std::vector<VindrImage> BuildVindrPlan(const PlanOptions& options);

std::string VindrBreastLevelCsv(const std::vector<VindrImage>& images);
std::string VindrFindingCsv(const std::vector<VindrImage>& images);
// Per finding row: the ids the adapter should give, the label, the traps and the true box.
std::string VindrTruthCsv(const std::vector<VindrImage>& images);

// Renders and writes images/, then the two CSVs and synth_truth.csv.
absl::Status SynthesizeVindr(const std::string& output, const PlanOptions& options, int threads);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_VINDR_H_
