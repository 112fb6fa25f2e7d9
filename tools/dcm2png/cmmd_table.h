// CMMD (data_formats/datasets/cmmd.md) as rows to convert: one per DICOM image, labelled by the
// clinical row of its patient and breast, the breast told by the header's ImageLaterality
// (never by file order), the view by ViewCodeSequence.
//
//   ASSIGN_OR_RETURN(std::vector<CmmdRow> rows, ReadCmmd("/data/CMMD"));
//
// A clinical row without images, a malformed row, an image whose breast has no row
// (unlabelled, not normal) and an image without side or view are rows too, with a reject
// reason, so that every row and image is either converted or named in rejects.tsv.
#ifndef MAMMO_TOOLS_DCM2PNG_CMMD_TABLE_H_
#define MAMMO_TOOLS_DCM2PNG_CMMD_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo::dcm2png {

// The clinical table as users convert the spreadsheet: ',' or ';' separated, told by the header.
inline constexpr char kCmmdClinicalCsv[] = "CMMD_clinicaldata_revision.csv";

struct CmmdRow {
  std::string where;       // "CMMD_clinicaldata_revision.csv:LINE", or the image's path
  std::string id;          // <ID1>_<L|R>_<CC|MLO>; <ID1>_<L|R> or `where` when there is no image
  std::string path;        // the DICOM; empty when the row has none
  std::string patient_id;  // ID1 (= PatientID)
  std::string laterality;  // LEFT or RIGHT
  std::string view;        // CC or MLO
  std::string classification;  // Benign or Malignant, as written
  Label label = LABEL_UNSPECIFIED;
  std::string abnormality, subtype, age;
  // Set when the row gives no record: the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;
};

// The clinical rows of ROOT/CMMD_clinicaldata_revision.csv in file order, each expanded into
// the images under ROOT (any folder layout) of its patient and side in path order; then the
// images no row claims, in path order. Fails when the CSV cannot be read or lacks a column.
absl::StatusOr<std::vector<CmmdRow>> ReadCmmd(const std::string& root);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_CMMD_TABLE_H_
