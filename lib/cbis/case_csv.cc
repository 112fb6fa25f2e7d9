#include "lib/cbis/case_csv.h"

#include <csv.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

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

struct ParseState {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> current;
};

void OnField(void* field, size_t length, void* data) {
  auto* state = static_cast<ParseState*>(data);
  state->current.emplace_back(
      absl::StripAsciiWhitespace(absl::string_view(static_cast<const char*>(field), length)));
}

void OnRowEnd(int, void* data) {
  auto* state = static_cast<ParseState*>(data);
  state->rows.push_back(std::move(state->current));
  state->current.clear();
}

std::string CleanPath(const std::string& cell) {
  return absl::StrReplaceAll(cell, {{"\r", ""}, {"\n", ""}});
}

}  // namespace

absl::StatusOr<std::vector<CaseRow>> ReadCaseCsv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the CSV file"));
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

  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    return absl::InternalError("libcsv: csv_init failed");
  }
  ParseState state;
  std::vector<char> buffer(1 << 16);
  bool parse_error = false;
  while (!parse_error && in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const size_t got = static_cast<size_t>(in.gcount());
    if (got > 0 && csv_parse(&parser, buffer.data(), got, OnField, OnRowEnd, &state) != got)
      parse_error = true;
  }
  if (!parse_error && csv_fini(&parser, OnField, OnRowEnd, &state) != 0) parse_error = true;
  const std::string error = parse_error ? csv_strerror(csv_error(&parser)) : "";
  csv_free(&parser);
  if (parse_error) {
    return absl::DataLossError(absl::StrCat(path, ": CSV syntax error after data row ",
                                            state.rows.empty() ? 0 : state.rows.size() - 1, ": ",
                                            error));
  }
  if (state.rows.empty()) return absl::DataLossError(absl::StrCat(path, ": empty CSV file"));

  const std::vector<std::string>& header = state.rows[0];
  const bool mass = header == MassHeader();
  if (!mass && header != CalcHeader()) {
    return absl::DataLossError(
        absl::StrCat(path, ": header is neither the CBIS-DDSM mass nor the calc header: '",
                     absl::StrJoin(header, ","), "'"));
  }
  std::vector<CaseRow> rows;
  rows.reserve(state.rows.size() - 1);
  for (size_t i = 1; i < state.rows.size(); ++i) {
    const std::vector<std::string>& cells = state.rows[i];
    if (cells.size() != header.size()) {
      return absl::DataLossError(absl::StrCat(path, ": data row ", i, " has ", cells.size(),
                                              " cells, ", header.size(), " expected"));
    }
    CaseRow row;
    row.csv_name = name;
    row.row = static_cast<int>(i);
    row.split = split;
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
