// synth --layout inbreast: a synthetic INbreast (data_formats/datasets/inbreast.md):
// AllDICOMs/<File Name>_<patient hash>_MG_<L|R>_<CC|ML>_ANON.dcm, AllXML/<File Name>.xml (OsiriX
// plist outlines, Point_px as "(x, y)" floats) for the images with a drawn ROI, and INbreast.csv
// (';'-separated, BI-RADS per image, 4a/4b/4c included, Patient ID left empty). The spec's traps
// are planted: images without an XML, single-point calcification ROIs, ROI dicts lacking keys
// that positional parsers count on, a second image size; and the bad input: an XML that
// is not well-formed, a CSV row short of a cell, an outline reaching outside the image, a
// missing DICOM.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_INBREAST_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_INBREAST_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/synth/synth_plan.h"

namespace mammo::synth {

// Trap names as written in synth_truth.csv's traps column.
inline constexpr char kInbreastTrapNoXml[] = "no_xml";              // an image with no ROI drawn
inline constexpr char kInbreastTrapPointRoi[] = "point_roi";        // a one-point Calcification
inline constexpr char kInbreastTrapMissingKeys[] = "missing_keys";  // no Area, Center, Dev, ...
inline constexpr char kInbreastTrapSecondSize[] = "second_size";    // the other detector size
inline constexpr char kInbreastTrapBadXml[] = "bad_xml";            // the XML cut short
inline constexpr char kInbreastTrapBadCsvRow[] = "bad_csv_row";     // the ACR cell left out
inline constexpr char kInbreastTrapOutlineOutside[] = "outline_outside";
inline constexpr char kInbreastTrapMissingImage[] = "missing_image";

struct InbreastRoi {
  std::string name;  // Mass or Calcification
  std::vector<std::string> traps;
  Abnormality lesion;              // what Render draws (masses only)
  std::vector<cv::Point> outline;  // in image pixels; set when rendered (one point: a calc)
  bool HasTrap(const std::string& trap) const;
};

struct InbreastImage {
  std::string file_name;     // 8 digits, the key of CSV, DICOM and XML
  std::string patient_hash;  // 16 hex digits, in the DICOM name
  std::string laterality;    // L or R
  std::string view;          // CC or MLO (ML in the DICOM name)
  std::string birads;        // 1, 2, 3, 4a, 4b, 4c, 5 or 6
  int acr = 1;               // density 1-4
  int width = 0, height = 0;
  uint64_t render_seed = 0;
  std::string study_uid, series_uid, sop_uid;
  std::vector<std::string> traps;  // image-level: second_size, bad_xml, bad_csv_row, ...
  std::vector<InbreastRoi> rois;   // empty: no XML
  bool HasTrap(const std::string& trap) const;
  std::string DicomName() const;
};

// `options.cases` patients: most with four images (L and R, CC and MLO), a fifth after a
// mastectomy with the two of one breast; a mass shows in both views of its breast. The first
// patient's left breast has a mass and its right one a point calcification.
std::vector<InbreastImage> BuildInbreastPlan(const PlanOptions& options);

std::string InbreastCsv(const std::vector<InbreastImage>& images);
// AllXML/<File Name>.xml of an image with ROIs (cut short under the bad_xml trap).
std::string InbreastXml(const InbreastImage& image);
// Per ROI (or per image without one): the ids the adapter should give, the label, the traps, the
// CSV line and the outline's true box.
std::string InbreastTruthCsv(const std::vector<InbreastImage>& images);

// Renders and writes AllDICOMs/, then AllXML/, INbreast.csv and synth_truth.csv.
absl::Status SynthesizeInbreast(const std::string& output, const PlanOptions& options, int threads);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_INBREAST_H_
