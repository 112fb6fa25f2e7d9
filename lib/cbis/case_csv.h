// The CBIS-DDSM case description CSV files (mass and calc variants; train and test).
//
//   ASSIGN_OR_RETURN(std::vector<CaseRow> rows,
//   ReadCaseCsv("mass_case_description_train_set.csv"));
//
// The header must be exactly the mass or the calc header of the dataset. A row with another
// number of cells is returned with `malformed` set rather than failing the file. RFC 4180 quoting
// (with newlines inside quoted cells) and CRLF line endings are accepted; every cell is
// stripped of surrounding whitespace, and line breaks inside path cells are removed.
#ifndef MAMMO_LIB_CBIS_CASE_CSV_H_
#define MAMMO_LIB_CBIS_CASE_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::cbis {

struct CaseRow {
  std::string csv_name;  // the file's base name, for messages
  int row = 0;           // 1-based data row (the header is row 0)
  std::string split;     // "train" or "test", from the file name
  std::string patient_id;
  std::string breast_density;
  std::string laterality;  // "left or right breast"
  std::string view;
  std::string abnormality_id;
  std::string abnormality_type;
  std::string mass_shape;         // mass files only
  std::string mass_margins;       // mass files only
  std::string calc_type;          // calc files only
  std::string calc_distribution;  // calc files only
  std::string assessment;
  std::string pathology;
  std::string subtlety;
  std::string image_path;
  std::string crop_path;
  std::string mask_path;
  // Set when the row has another number of cells than the header: why, with its line; the
  // fields above are then empty, and the reader rejects this one row.
  std::string malformed;
};

absl::StatusOr<std::vector<CaseRow>> ReadCaseCsv(const std::string& path);

// The three parts of a CSV path "SUBJECT/STUDY_UID/SERIES_UID/FILE.dcm".
struct CsvPath {
  std::string subject;  // e.g. "Mass-Training_P_00001_LEFT_CC" or "..._LEFT_CC_1"
  std::string study_uid;
  std::string series_uid;
};

// Fails with DataLoss when the path has fewer than four '/'-separated parts.
absl::StatusOr<CsvPath> ParseCsvPath(const std::string& path);

}  // namespace mammo::cbis

#endif  // MAMMO_LIB_CBIS_CASE_CSV_H_
