#include "tools/score/paper_tables.h"

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/csv/csv.h"
#include "lib/status/status_macros.h"

namespace mammo::score {

// data_formats/falconi2020_tables.csv, as the genrule in BUILD embeds it.
extern const char kFalconi2020TablesCsv[];

namespace {

absl::StatusOr<double> Number(const csv::CsvTable& table, const csv::CsvRow& row, size_t column) {
  double value = 0;
  if (!absl::SimpleAtod(row.cells[column], &value)) {
    return absl::DataLossError(absl::StrCat(table.Where(row), ": column ", table.header[column],
                                            " is not a number: '", row.cells[column], "'"));
  }
  return value;
}

// An empty cell is a value the paper does not give.
absl::StatusOr<std::optional<double>> OptionalNumber(const csv::CsvTable& table,
                                                     const csv::CsvRow& row, size_t column) {
  if (row.cells[column].empty()) return std::optional<double>();
  ASSIGN_OR_RETURN(const double value, Number(table, row, column));
  return std::optional<double>(value);
}

}  // namespace

absl::StatusOr<std::vector<PaperRow>> ParsePaperRows(absl::string_view csv,
                                                     const std::string& source) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ParseCsv(csv, source));
  ASSIGN_OR_RETURN(const size_t run, table.RequireColumn("run"));
  ASSIGN_OR_RETURN(const size_t model, table.RequireColumn("model"));
  ASSIGN_OR_RETURN(const size_t gamma, table.RequireColumn("gamma"));
  ASSIGN_OR_RETURN(const size_t auc, table.RequireColumn("auc_eq13"));
  ASSIGN_OR_RETURN(const size_t f1, table.RequireColumn("f1"));
  ASSIGN_OR_RETURN(const size_t acc, table.RequireColumn("acc"));
  ASSIGN_OR_RETURN(const size_t train_acc, table.RequireColumn("train_acc"));
  ASSIGN_OR_RETURN(const size_t test_acc, table.RequireColumn("test_acc"));
  ASSIGN_OR_RETURN(const size_t beta, table.RequireColumn("beta"));
  ASSIGN_OR_RETURN(const size_t origin, table.RequireColumn("source"));
  std::vector<PaperRow> rows;
  for (const csv::CsvRow& cells : table.rows) {
    PaperRow row;
    row.run = cells.cells[run];
    row.model = cells.cells[model];
    if (row.run.empty() || row.model.empty()) {
      return absl::DataLossError(absl::StrCat(table.Where(cells), ": empty run or model"));
    }
    if (!cells.cells[gamma].empty() &&
        (!absl::SimpleAtoi(cells.cells[gamma], &row.gamma) || row.gamma <= 0)) {
      return absl::DataLossError(absl::StrCat(table.Where(cells),
                                              ": column gamma is not a positive integer: '",
                                              cells.cells[gamma], "'"));
    }
    ASSIGN_OR_RETURN(row.auc_eq13, Number(table, cells, auc));
    ASSIGN_OR_RETURN(row.f1, Number(table, cells, f1));
    ASSIGN_OR_RETURN(row.accuracy, Number(table, cells, acc));
    ASSIGN_OR_RETURN(row.train_accuracy, OptionalNumber(table, cells, train_acc));
    ASSIGN_OR_RETURN(row.test_accuracy, OptionalNumber(table, cells, test_acc));
    ASSIGN_OR_RETURN(row.beta, OptionalNumber(table, cells, beta));
    row.source = cells.cells[origin];
    if (FindPaperRow(rows, row.run) != nullptr) {
      return absl::DataLossError(absl::StrCat(table.Where(cells), ": run ", row.run, " twice"));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::vector<PaperRow>> PaperRows() {
  return ParsePaperRows(kFalconi2020TablesCsv, "data_formats/falconi2020_tables.csv");
}

const PaperRow* FindPaperRow(const std::vector<PaperRow>& rows, absl::string_view run) {
  for (const PaperRow& row : rows) {
    if (row.run == run) return &row;
  }
  return nullptr;
}

}  // namespace mammo::score
