// INbreast (data_formats/datasets/inbreast.md) as rows to convert: one per outline ROI of
// AllXML/<File Name>.xml, for each row of INbreast.csv, with the image's BI-RADS, density,
// laterality and view, and the DICOM that AllDICOMs/ holds for it.
//
//   ASSIGN_OR_RETURN(std::vector<InbreastRow> rows, ReadInbreast("/data/INbreast"));
//   for (const InbreastRow& row : rows) if (row.reject_reason.empty()) ... InbreastOutlineMask
//
// An image without an XML, an XML that does not parse, a CSV row that does not, and an ROI
// without a polygon are rows too, with a reject reason, so that every image and ROI is either
// converted or named in rejects.tsv.
#ifndef MAMMO_TOOLS_DCM2PNG_INBREAST_TABLE_H_
#define MAMMO_TOOLS_DCM2PNG_INBREAST_TABLE_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo::dcm2png {

struct InbreastRow {
  // Where the row comes from, for messages: "AllXML/<File Name>.xml:LINE" for an ROI,
  // "INbreast.csv:LINE" for an image-level row.
  std::string where;
  std::string image_where;           // "INbreast.csv:LINE", the image's row
  std::string file_name;             // the key shared by the CSV, the DICOM and the XML names
  int roi_index = 0;                 // the ROI's place in its XML from 1; 0 for an image-level row
  std::string dicom_path;            // empty when AllDICOMs/ has no file of that File Name
  std::string patient_id;            // the hash between the DICOM name's first and second '_'
  std::string laterality;            // LEFT or RIGHT (the CSV's L or R)
  std::string view;                  // CC or MLO (the CSV's View; ML read as MLO)
  int density = 0;                   // ACR 1-4; 0 when the cell is not one of them
  std::string birads;                // the CSV's Bi-Rads as written: "2", "4a"
  int assessment = 0;                // its leading digit
  Label label = LABEL_UNSPECIFIED;   // BI-RADS 1-3: BENIGN; 4a-4c, 5, 6: MALIGNANT
  std::string roi_name;              // "Mass", "Calcification", ...
  std::vector<cv::Point2d> outline;  // Point_px, (x, y)
  // Set when the row gives no record: the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;

  // <File Name>_<roi_index>; the File Name for an image-level row; `where` when even that is
  // unknown (a CSV row with another number of cells).
  std::string Id() const;
};

// The rows of ROOT/INbreast.csv (';'-separated) in file order, each expanded into its XML's
// ROIs in file order. Fails when the CSV cannot be read or lacks a column.
absl::StatusOr<std::vector<InbreastRow>> ReadInbreast(const std::string& root);

// The first outline point outside an image of `size` (points are rounded to the nearest
// pixel), as "(x, y)"; empty when every point is inside.
std::string PointOutside(cv::Size size, const InbreastRow& row);

// The outline's polygon filled, 0/255, on an image of `size`, vertices rounded to the nearest
// pixel (the outline itself belongs to the lesion).
cv::Mat InbreastOutlineMask(cv::Size size, const InbreastRow& row);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_INBREAST_TABLE_H_
