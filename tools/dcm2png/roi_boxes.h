// A CSV of lesions on new DICOM images (dcm2png --dataset boxes, pipelines/predict.mk), each a
// box or a mask DICOM:
//
//   file,x,y,width,height[,id][,patient]        file,mask[,id][,patient]
//   2024/case7/RCC.dcm,1210,840,320,288,case7_R1
//   2024/case7/RCC.dcm,2024/case7/RCC_mask.dcm,case7_R1
//
// file: the DICOM's path relative to --root (or absolute); x, y: the box's top-left pixel,
// columns and rows from 0; width, height: its size in pixels; mask: instead of a box, a DICOM of
// the image's size whose nonzero pixels are the lesion (relative to --root, or absolute); id:
// the record's id (default "<file>_<n>", n the row's place among the file's rows, from 1);
// patient: the patient id (default empty). Columns are found by name, in any order; others are
// ignored. A table may have both forms: a row with a mask uses it, one without uses its box.
#ifndef MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_
#define MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::dcm2png {

struct BoxRow {
  std::string where;  // "ROIS.csv:LINE", for messages
  std::string file, id, patient;
  std::string mask;  // the mask DICOM's path as written; empty: the box
  int x = 0, y = 0, width = 0, height = 0;
  // Set when the row cannot give a record ("bad_csv_row": a coordinate that is not an integer, a
  // box without area, an empty file): the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;
};

// The rows of `path`, in file order. Fails naming the file when it does not read as CSV or its
// header lacks file, or both mask and one of x, y, width, height.
absl::StatusOr<std::vector<BoxRow>> ReadBoxRows(const std::string& path);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_
