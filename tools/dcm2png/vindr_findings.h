// VinDr-Mammo (data_formats/datasets/vindr.md): its finding_annotations.csv, one row per box.
//
//   ASSIGN_OR_RETURN(std::vector<VindrRow> rows,
//   ReadVindrFindings("vindr/finding_annotations.csv"));
//
// Only this file is read: it repeats every image column of breast-level_annotations.csv, and
// the breast-level file adds no box, so no lesion record.
#ifndef MAMMO_TOOLS_DCM2PNG_VINDR_FINDINGS_H_
#define MAMMO_TOOLS_DCM2PNG_VINDR_FINDINGS_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo::dcm2png {

struct VindrRow {
  std::string where;  // "finding_annotations.csv:LINE", for messages
  std::string study_id, series_id, image_id;
  int index = 1;                        // the row's place among its image's rows, from 1
  std::string laterality;               // LEFT or RIGHT (the file's L or R)
  std::string view;                     // CC or MLO
  int density = 0;                      // DENSITY A..D as 1..4; 0 when absent
  std::string split;                    // training or test, as written
  std::vector<std::string> categories;  // the Python list text, parsed
  std::string birads;                   // "BI-RADS 4", as written
  int assessment = 0;                   // its number
  Label label = LABEL_UNSPECIFIED;      // BI-RADS 3: BENIGN; 4 and 5: MALIGNANT
  double xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  // Set when the row gives no lesion record (No Finding, a box without BI-RADS, a malformed
  // row): the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;

  std::string Id() const;  // <image_id>_<index>
  // The box's pixels: [floor(xmin), ceil(xmax)) x [floor(ymin), ceil(ymax)), since whether the
  // maxima are inclusive was not confirmed; the covering box loses no lesion pixel.
  cv::Rect PixelBox() const;
};

// The rows of `path`, in file order. Fails when the file does not read as CSV or lacks a
// column; a row whose values do not parse, or of another number of cells, is a row with
// reject_reason "bad_csv_row".
absl::StatusOr<std::vector<VindrRow>> ReadVindrFindings(const std::string& path);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_VINDR_FINDINGS_H_
