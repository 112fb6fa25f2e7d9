#include "lib/train/history.h"

#include <charconv>
#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/csv/csv.h"
#include "lib/status/status_macros.h"

namespace mammo::train {
namespace {

// The shortest text that reads back as the same double ("0.4", "1e-05").
std::string ExactText(double value) {
  char text[32];
  const std::to_chars_result end = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, end.ptr);
}

}  // namespace

std::string HistoryCsv(const std::vector<EpochRecord>& history) {
  std::string csv = absl::StrCat(kHistoryHeader, "\n");
  for (const EpochRecord& r : history) {
    absl::StrAppend(&csv, r.epoch, ",", ExactText(r.train_loss), ",", ExactText(r.train_accuracy),
                    ",", ExactText(r.valid_loss), ",", ExactText(r.valid_accuracy), ",",
                    ExactText(r.beta()), ",", ExactText(r.learning_rate), ",",
                    absl::StrFormat("%.3f", r.seconds), "\n");
  }
  return csv;
}

absl::StatusOr<std::vector<EpochRecord>> ReadHistory(const std::string& path) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path));
  ASSIGN_OR_RETURN(const size_t epoch, table.RequireColumn("epoch"));
  ASSIGN_OR_RETURN(const size_t train_loss, table.RequireColumn("train_loss"));
  ASSIGN_OR_RETURN(const size_t train_accuracy, table.RequireColumn("train_accuracy"));
  ASSIGN_OR_RETURN(const size_t valid_loss, table.RequireColumn("valid_loss"));
  ASSIGN_OR_RETURN(const size_t valid_accuracy, table.RequireColumn("valid_accuracy"));
  const std::optional<size_t> learning_rate = table.FindColumn("learning_rate");
  const std::optional<size_t> seconds = table.FindColumn("seconds");
  std::vector<EpochRecord> history;
  for (const csv::CsvRow& row : table.rows) {
    const std::vector<std::string>& f = row.cells;
    // An optional column reads as 0 where it is absent.
    const auto optional = [&](std::optional<size_t> column, double* value) {
      return !column.has_value() || absl::SimpleAtod(f[*column], value);
    };
    EpochRecord e;
    const bool ok = absl::SimpleAtoi(f[epoch], &e.epoch) &&
                    absl::SimpleAtod(f[train_loss], &e.train_loss) &&
                    absl::SimpleAtod(f[train_accuracy], &e.train_accuracy) &&
                    absl::SimpleAtod(f[valid_loss], &e.valid_loss) &&
                    absl::SimpleAtod(f[valid_accuracy], &e.valid_accuracy) &&
                    optional(learning_rate, &e.learning_rate) && optional(seconds, &e.seconds);
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat(table.Where(row), ": malformed row '", absl::StrJoin(f, ","), "'"));
    }
    history.push_back(e);
  }
  if (history.empty()) return absl::DataLossError(absl::StrCat(path, ": no epochs"));
  return history;
}

}  // namespace mammo::train
