#include "lib/csv/csv.h"

#include <csv.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"

namespace mammo::csv {
namespace {

struct ParseState {
  int line = 0;  // the line being fed to libcsv
  std::vector<CsvRow> rows;
  CsvRow current;
};

void OnField(void* field, size_t length, void* data) {
  auto* state = static_cast<ParseState*>(data);
  if (state->current.cells.empty()) state->current.line = state->line;
  state->current.cells.emplace_back(
      absl::StripAsciiWhitespace(absl::string_view(static_cast<const char*>(field), length)));
}

void OnRowEnd(int, void* data) {
  auto* state = static_cast<ParseState*>(data);
  CsvRow row = std::exchange(state->current, CsvRow{});
  const bool blank = row.cells.size() == 1 && row.cells[0].empty();  // a line of spaces
  if (!blank) state->rows.push_back(std::move(row));
}

// Feeds libcsv one line at a time, so that each row knows the line it starts on.
absl::StatusOr<std::vector<CsvRow>> ParseRows(absl::string_view text, const std::string& source,
                                              char delimiter) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::InternalError("libcsv: csv_init failed");
  }
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  ParseState state;
  bool failed = false;
  size_t start = 0;
  while (!failed && start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == absl::string_view::npos ? text.size() : end + 1;
    ++state.line;
    const size_t length = end - start;
    failed = csv_parse(&parser, text.data() + start, length, OnField, OnRowEnd, &state) != length;
    start = end;
  }
  if (!failed) failed = csv_fini(&parser, OnField, OnRowEnd, &state) != 0;
  const std::string error = failed ? csv_strerror(csv_error(&parser)) : "";
  csv_free(&parser);
  if (failed) {
    return absl::DataLossError(absl::StrCat(source, ":", state.line, ": ", error));
  }
  return std::move(state.rows);
}

}  // namespace

std::optional<size_t> CsvTable::FindColumn(absl::string_view name) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::AsciiStrToLower(header[i]) == name) return i;
  }
  return std::nullopt;
}

absl::StatusOr<size_t> CsvTable::RequireColumn(absl::string_view name) const {
  std::optional<size_t> column = FindColumn(name);
  if (!column.has_value()) {
    return absl::DataLossError(absl::StrCat(source, ":1: the header lacks column '", name, "'"));
  }
  return *column;
}

std::vector<const CsvRow*> CsvTable::RowsInFileOrder() const {
  std::vector<const CsvRow*> all;
  for (const CsvRow& row : rows) all.push_back(&row);
  for (const CsvRow& row : ragged_rows) all.push_back(&row);
  std::stable_sort(all.begin(), all.end(),
                   [](const CsvRow* a, const CsvRow* b) { return a->line < b->line; });
  return all;
}

std::string CsvTable::Where(const CsvRow& row) const { return absl::StrCat(source, ":", row.line); }

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, const std::string& source,
                                  const CsvOptions& options) {
  ASSIGN_OR_RETURN(std::vector<CsvRow> rows, ParseRows(text, source, options.delimiter));
  if (rows.empty()) return absl::DataLossError(absl::StrCat(source, ": empty file"));
  CsvTable table;
  table.source = source;
  table.header = std::move(rows[0].cells);
  absl::flat_hash_set<std::string> names;
  for (const std::string& name : table.header) {
    if (!names.insert(absl::AsciiStrToLower(name)).second) {
      return absl::DataLossError(
          absl::StrCat(source, ":", rows[0].line, ": column '", name, "' appears twice"));
    }
  }
  table.rows.reserve(rows.size() - 1);
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].cells.size() != table.header.size()) {
      if (options.keep_ragged_rows) {
        table.ragged_rows.push_back(std::move(rows[i]));
        continue;
      }
      return absl::DataLossError(absl::StrCat(table.Where(rows[i]), ": ", rows[i].cells.size(),
                                              " fields, but the header has ", table.header.size()));
    }
    table.rows.push_back(std::move(rows[i]));
  }
  return table;
}

absl::StatusOr<CsvTable> ReadCsv(const std::string& path, const CsvOptions& options) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseCsv(text, path == "-" ? "stdin" : path, options);
}

}  // namespace mammo::csv
