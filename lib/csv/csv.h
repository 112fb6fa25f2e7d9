// CSV files as tables of text cells: every CSV the project reads (CBIS-DDSM's case
// descriptions, predictions, training histories) goes through here. Parsed by libcsv
// (RFC 4180: quoted fields, "" inside quotes, LF or CRLF, line breaks inside quotes), strict
// about malformed quotes, with errors that name the file and line.
//
//   ASSIGN_OR_RETURN(CsvTable table, ReadCsv("runs/vgg16-TL/predictions.csv"));
//   ASSIGN_OR_RETURN(size_t id, table.RequireColumn("id"));
//   for (const CsvRow& row : table.rows) {
//     if (row.cells[id].empty()) return absl::DataLossError(table.Where(row) + ": empty id");
//   }
#ifndef MAMMO_LIB_CSV_CSV_H_
#define MAMMO_LIB_CSV_CSV_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo::csv {

struct CsvRow {
  int line =
      0;  // 1-based line where the row starts (where its first cell ends, if that spans lines)
  std::vector<std::string> cells;
};

// How a file is split into cells. The defaults are RFC 4180's, and every other field count is
// an error of the whole file.
struct CsvOptions {
  char delimiter = ',';  // INbreast.csv uses ';'
  // Rows with another number of cells than the header go to CsvTable::ragged_rows instead of
  // failing the file, for readers that reject one row and convert the rest.
  bool keep_ragged_rows = false;
};

struct CsvTable {
  std::string source;               // the file's path, or "stdin"
  std::vector<std::string> header;  // the first row
  // The rows after the header, each with exactly header.size() cells. Blank lines are skipped.
  std::vector<CsvRow> rows;
  // With CsvOptions::keep_ragged_rows, the rows of another cell count, in file order.
  std::vector<CsvRow> ragged_rows;

  // rows and ragged_rows together, in file order.
  std::vector<const CsvRow*> RowsInFileOrder() const;

  // The index of the column whose name, lower-cased, is `name` (which is lower case).
  std::optional<size_t> FindColumn(absl::string_view name) const;
  // FindColumn, or DataLoss "SOURCE:1: the header lacks column 'NAME'".
  absl::StatusOr<size_t> RequireColumn(absl::string_view name) const;
  // "SOURCE:LINE", to begin an error message about `row`.
  std::string Where(const CsvRow& row) const;
};

// Every cell has leading and trailing ASCII whitespace removed (CBIS-DDSM's paths end in a
// line break inside their quotes). DataLoss "SOURCE:LINE: ..." for a syntax error, a row with
// another number of cells than the header, or a column name that appears twice; DataLoss
// "SOURCE: empty file" when there is no header.
absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, const std::string& source,
                                  const CsvOptions& options = {});

// ParseCsv of a file's contents; "-" reads stdin (named "stdin" in errors).
absl::StatusOr<CsvTable> ReadCsv(const std::string& path, const CsvOptions& options = {});

}  // namespace mammo::csv

#endif  // MAMMO_LIB_CSV_CSV_H_
