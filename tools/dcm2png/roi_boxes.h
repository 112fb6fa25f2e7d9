// A CSV of lesion boxes on new DICOM images (dcm2png --dataset boxes, pipelines/predict.mk):
//
//   file,x,y,width,height[,id][,patient]
//   2024/case7/RCC.dcm,1210,840,320,288,case7_R1,case7
//
// file: the DICOM's path relative to --root (or absolute); x, y: the box's top-left pixel,
// columns and rows from 0; width, height: its size in pixels; id: the record's id (default
// "<file>_<n>", n the row's place among the file's rows, from 1); patient: the patient id
// (default empty). Columns are found by name, in any order; others are ignored.
#ifndef MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_
#define MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::dcm2png {

struct BoxRow {
  std::string where;  // "ROIS.csv:LINE", for messages
  std::string file, id, patient;
  int x = 0, y = 0, width = 0, height = 0;
  // Set when the row cannot give a record ("bad_csv_row": a coordinate that is not an integer, a
  // box without area, an empty file): the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;
};

// The rows of `path`, in file order. Fails naming the file when it does not read as CSV or its
// header lacks file, x, y, width or height.
absl::StatusOr<std::vector<BoxRow>> ReadBoxRows(const std::string& path);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_ROI_BOXES_H_
