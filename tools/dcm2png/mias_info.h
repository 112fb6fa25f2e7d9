// mini-MIAS (data_formats/datasets/mias.md): its Info.txt, its PGM images and the lesion disc.
//
//   ASSIGN_OR_RETURN(std::vector<MiasRow> rows, ReadMiasInfo("mias/Info.txt"));
//   for (const MiasRow& row : rows) if (row.reject_reason.empty()) mask = MiasDiscMask(size, row);
#ifndef MAMMO_TOOLS_DCM2PNG_MIAS_INFO_H_
#define MAMMO_TOOLS_DCM2PNG_MIAS_INFO_H_

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::dcm2png {

// One Info.txt row: REFNUM BG CLASS SEVERITY X Y RADIUS, split on runs of whitespace (the
// file's trailing spaces make an empty column for a fixed separator).
struct MiasRow {
  std::string where;  // "Info.txt:LINE", for messages
  std::string ref;    // mdb005
  int index = 0;      // the row's place among its ref's rows, from 1 (mdb005 has two lesions);
                      // 0 when the ref is not mdbNNN
  std::string background, abnormality_class, severity;
  int x = 0, y = 0, radius = 0;  // y counted from the bottom of the image (README note 3)
  // Set when the row gives no lesion record (a NORM row, a CALC row without a centre, a
  // malformed row): the rejects.tsv reason and detail.
  std::string reject_reason, reject_detail;

  std::string Id() const;          // mdb005_2, or `where` when index is 0
  std::string PatientId() const;   // (N + 1) / 2 for mdbN, as "mias_003": films come in pairs
  std::string Laterality() const;  // LEFT for even N, RIGHT for odd (README note 1)
};

// The rows of `path` in file order. A first line whose first field is not mdbNNN is the header
// that the Kaggle copy adds and is skipped; blank lines are skipped; any other line that does
// not parse is a row with reject_reason "bad_info_row". Fails only when the file cannot be read.
absl::StatusOr<std::vector<MiasRow>> ReadMiasInfo(const std::string& path);

// The filled disc of `row` on an image of `size`, 0/255, clipped to the image. Image row
// = height - 1 - y: the README puts the origin at the bottom-left without saying whether y
// counts from 0 or 1; from 0 keeps y = 0 inside the image.
cv::Mat MiasDiscMask(cv::Size size, const MiasRow& row);

// A binary PGM (P5, maxval up to 255, '#' comments in the header) as CV_8U. DataLoss, naming
// `path`, when the header is malformed or the pixels are fewer than it says; Unimplemented for
// 16-bit PGM (mini-MIAS is 8-bit).
absl::StatusOr<cv::Mat> DecodePgm(const std::string& bytes, const std::string& path);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_MIAS_INFO_H_
