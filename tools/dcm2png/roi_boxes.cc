#include "tools/dcm2png/roi_boxes.h"

#include <filesystem>
#include <map>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/csv/csv.h"
#include "lib/status/status_macros.h"

namespace mammo::dcm2png {

absl::StatusOr<std::vector<BoxRow>> ReadBoxRows(const std::string& path) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path));
  std::map<std::string, size_t> column;
  ASSIGN_OR_RETURN(column["file"], table.RequireColumn("file"));
  const std::optional<size_t> mask_column = table.FindColumn("mask");
  // Without a mask column every row needs its box; with one, a row without a mask does.
  bool boxes = true;
  for (const char* name : {"x", "y", "width", "height"}) {
    if (const std::optional<size_t> found = table.FindColumn(name)) {
      column[name] = *found;
    } else if (mask_column.has_value()) {
      boxes = false;
    } else {
      RETURN_IF_ERROR(table.RequireColumn(name).status());
    }
  }
  const std::optional<size_t> id_column = table.FindColumn("id");
  const std::optional<size_t> patient_column = table.FindColumn("patient");
  const std::string name = std::filesystem::path(path).filename().string();
  std::vector<BoxRow> rows;
  std::map<std::string, int> per_file;
  for (const csv::CsvRow& csv_row : table.rows) {
    auto cell = [&](const char* column_name) -> const std::string& {
      return csv_row.cells[column.at(column_name)];
    };
    BoxRow row;
    row.where = absl::StrCat(name, ":", csv_row.line);
    row.file = cell("file");
    const int index = ++per_file[row.file];
    row.id = id_column && !csv_row.cells[*id_column].empty() ? csv_row.cells[*id_column]
                                                             : absl::StrCat(row.file, "_", index);
    if (patient_column) row.patient = csv_row.cells[*patient_column];
    auto reject = [&](const std::string& detail) {
      row.reject_reason = "bad_csv_row";
      row.reject_detail = absl::StrCat(row.where, ": ", detail);
    };
    if (mask_column.has_value()) row.mask = csv_row.cells[*mask_column];
    if (row.file.empty()) {
      reject("empty file");
    } else if (!row.mask.empty()) {
      // The mask gives the lesion; a box beside it is ignored.
    } else if (!boxes) {
      reject("no mask, and the table has no box columns");
    } else if (!absl::SimpleAtoi(cell("x"), &row.x) || !absl::SimpleAtoi(cell("y"), &row.y) ||
               !absl::SimpleAtoi(cell("width"), &row.width) ||
               !absl::SimpleAtoi(cell("height"), &row.height)) {
      reject(absl::StrCat("box '", cell("x"), " ", cell("y"), " ", cell("width"), " ",
                          cell("height"), "' is not four integers"));
    } else if (row.width <= 0 || row.height <= 0) {
      reject(absl::StrCat("box ", row.width, "x", row.height, " has no area"));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mammo::dcm2png
