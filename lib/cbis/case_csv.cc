#include "lib/cbis/case_csv.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "lib/csv/csv.h"
#include "lib/status/status_macros.h"

namespace mammo::cbis {
namespace {

const std::vector<std::string>& MassHeader() {
  static const auto* header = new std::vector<std::string>{"patient_id",
                                                           "breast_density",
                                                           "left or right breast",
                                                           "image view",
                                                           "abnormality id",
                                                           "abnormality type",
                                                           "mass shape",
                                                           "mass margins",
                                                           "assessment",
                                                           "pathology",
                                                           "subtlety",
                                                           "image file path",
                                                           "cropped image file path",
                                                           "ROI mask file path"};
  return *header;
}

const std::vector<std::string>& CalcHeader() {
  static const auto* header = new std::vector<std::string>{"patient_id",
                                                           "breast density",
                                                           "left or right breast",
                                                           "image view",
                                                           "abnormality id",
                                                           "abnormality type",
                                                           "calc type",
                                                           "calc distribution",
                                                           "assessment",
                                                           "pathology",
                                                           "subtlety",
                                                           "image file path",
                                                           "cropped image file path",
                                                           "ROI mask file path"};
  return *header;
}

std::string CleanPath(const std::string& cell) {
  return absl::StrReplaceAll(cell, {{"\r", ""}, {"\n", ""}});
}

}  // namespace

absl::StatusOr<std::vector<CaseRow>> ReadCaseCsv(const std::string& path) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path, {.keep_ragged_rows = true}));
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string lower = absl::AsciiStrToLower(name);
  std::string split;
  if (absl::StrContains(lower, "train")) split = "train";
  if (absl::StrContains(lower, "test")) {
    if (!split.empty())
      return absl::InvalidArgumentError(absl::StrCat(path, ": the name says both train and test"));
    split = "test";
  }
  if (split.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot tell the split from the file name (want *train* or *test*)"));
  }

  const bool mass = table.header == MassHeader();
  if (!mass && table.header != CalcHeader()) {
    return absl::DataLossError(
        absl::StrCat(path, ": header is neither the CBIS-DDSM mass nor the calc header: '",
                     absl::StrJoin(table.header, ","), "'"));
  }
  // Data rows in file order, the ragged ones among the others, numbered from 1.
  const std::vector<const csv::CsvRow*> csv_rows = table.RowsInFileOrder();
  std::vector<CaseRow> rows;
  rows.reserve(csv_rows.size());
  for (size_t i = 0; i < csv_rows.size(); ++i) {
    const std::vector<std::string>& cells = csv_rows[i]->cells;
    CaseRow row;
    row.csv_name = name;
    row.row = static_cast<int>(i + 1);
    row.split = split;
    if (cells.size() != table.header.size()) {
      row.malformed = absl::StrCat(cells.size(), " fields, but the header has ",
                                   table.header.size(), " (", table.Where(*csv_rows[i]), ")");
      rows.push_back(std::move(row));
      continue;
    }
    row.patient_id = cells[0];
    row.breast_density = cells[1];
    row.laterality = cells[2];
    row.view = cells[3];
    row.abnormality_id = cells[4];
    row.abnormality_type = cells[5];
    (mass ? row.mass_shape : row.calc_type) = cells[6];
    (mass ? row.mass_margins : row.calc_distribution) = cells[7];
    row.assessment = cells[8];
    row.pathology = cells[9];
    row.subtlety = cells[10];
    row.image_path = CleanPath(cells[11]);
    row.crop_path = CleanPath(cells[12]);
    row.mask_path = CleanPath(cells[13]);
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<CsvPath> ParseCsvPath(const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  if (parts.size() < 4) {
    return absl::DataLossError(
        absl::StrCat("CSV path '", path, "' is not SUBJECT/STUDY/SERIES/FILE"));
  }
  const size_t n = parts.size();
  return CsvPath{parts[n - 4], parts[n - 3], parts[n - 2]};
}

}  // namespace mammo::cbis
