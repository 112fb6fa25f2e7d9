// synth: writes a synthetic data set shaped like CBIS-DDSM (mass and calc case description
// CSVs, DICOM full images, crops and ROI masks, in the CSV's layout or the NBIA downloader's)
// and synth_truth.csv, which says for each abnormality what a reader should find.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_LIB_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_LIB_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/synth/synth_plan.h"

namespace mammo::synth {

struct SynthOptions {
  std::string output;  // folder, created if needed
  PlanOptions plan;
  Layout layout = Layout::kCsv;
  int threads = 0;        // 0 = all cores
  bool jpeg2000 = false;  // every DICOM JPEG 2000 lossless, as modern archives store them
};

// The highest --trap_rate: the four per-row traps are drawn without overlap.
inline constexpr double kMaxTrapRate = 0.25;

absl::StatusOr<Layout> ParseLayout(const std::string& text);

// InvalidArgument naming the flag when an option is out of range.
absl::Status ValidateOptions(const SynthOptions& options);

inline constexpr char kSeriesFull[] = "full mammogram images";
inline constexpr char kSeriesMask[] = "ROI mask images";
inline constexpr char kSeriesCrop[] = "cropped images";

struct DicomTags {
  std::string patient_id, study_uid, series_uid, sop_uid, series_description;
  int instance_number = 1;
};

// The image's side and view as a modern header gives them, each written when set: CMMD tells
// them only there (data_formats/datasets/cmmd.md).
struct DicomView {
  std::string image_laterality;  // (0020,0062): L or R
  std::string view_code;         // ViewCodeSequence's SNOMED CT code: 399162004 CC, 399368009 MLO
};

struct DicomEncoding {
  bool truncate = false;  // keep only 60% of the file: the corrupt_image trap
  // JPEG 2000 lossless (1.2.840.10008.1.2.4.90) in 64 KiB fragments with an empty Basic
  // Offset Table, the layout that leaves a reader the most to work out; else explicit VR
  // little endian.
  bool jpeg2000 = false;
};

// Writes a Secondary Capture MG image (MONOCHROME2) from a CV_16U or CV_8U matrix, as
// PATH.tmp renamed to PATH.
absl::Status WriteDicom(const std::string& path, const cv::Mat& pixels, const DicomTags& tags,
                        const DicomEncoding& encoding, const DicomView& view = {});

// Each abnormality's mask bounding box in full-image pixels, per image, in plan order.
using Boxes = std::vector<std::vector<cv::Rect>>;

// synth_truth.csv (LF line ends): per abnormality the label, the traps and the true files.
std::string TruthCsv(const Plan& plan, const Boxes& boxes, Layout layout);

// Renders and writes everything; the CSVs last, so a killed run leaves no CSV.
absl::Status Synthesize(const SynthOptions& options);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_LIB_H_
