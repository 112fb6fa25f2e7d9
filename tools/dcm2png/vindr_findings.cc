#include "tools/dcm2png/vindr_findings.h"

#include <cmath>
#include <filesystem>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/csv/csv.h"
#include "lib/status/status_macros.h"

namespace mammo::dcm2png {
namespace {

// "['Mass', 'Skin Retraction']": Python's text of a list of strings, not JSON (the authors parse
// it by swapping the quotes). Category names hold no comma or quote.
std::vector<std::string> ParseCategories(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::ConsumePrefix(&text, "[");
  absl::ConsumeSuffix(&text, "]");
  std::vector<std::string> categories;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    if (item.size() >= 2 && (item.front() == '\'' || item.front() == '"') &&
        item.back() == item.front()) {
      item = item.substr(1, item.size() - 2);
    }
    categories.emplace_back(item);
  }
  return categories;
}

}  // namespace

std::string VindrRow::Id() const { return absl::StrCat(image_id, "_", index); }

cv::Rect VindrRow::PixelBox() const {
  const int x0 = static_cast<int>(std::floor(xmin)), y0 = static_cast<int>(std::floor(ymin));
  return cv::Rect(x0, y0, static_cast<int>(std::ceil(xmax)) - x0,
                  static_cast<int>(std::ceil(ymax)) - y0);
}

absl::StatusOr<std::vector<VindrRow>> ReadVindrFindings(const std::string& path) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path, {.keep_ragged_rows = true}));
  std::map<std::string, size_t> column;
  for (const char* name :
       {"study_id", "series_id", "image_id", "laterality", "view_position", "breast_density",
        "finding_categories", "finding_birads", "xmin", "ymin", "xmax", "ymax", "split"}) {
    ASSIGN_OR_RETURN(column[name], table.RequireColumn(name));
  }
  const std::string name = std::filesystem::path(path).filename().string();
  std::vector<VindrRow> rows;
  std::map<std::string, int> per_image;
  for (const csv::CsvRow* row_in_file : table.RowsInFileOrder()) {
    const csv::CsvRow& csv_row = *row_in_file;
    VindrRow row;
    row.where = absl::StrCat(name, ":", csv_row.line);
    if (csv_row.cells.size() != table.header.size()) {
      // Its image is unknown: the row is named by its line.
      row.image_id = row.where;
      row.reject_reason = "bad_csv_row";
      row.reject_detail = absl::StrCat(row.where, ": ", csv_row.cells.size(),
                                       " fields, but the header has ", table.header.size());
      rows.push_back(std::move(row));
      continue;
    }
    auto cell = [&](const char* column_name) -> const std::string& {
      return csv_row.cells[column.at(column_name)];
    };
    row.study_id = cell("study_id");
    row.series_id = cell("series_id");
    row.image_id = cell("image_id");
    row.index = ++per_image[row.image_id];
    row.view = cell("view_position");
    row.split = cell("split");
    row.categories = ParseCategories(cell("finding_categories"));
    row.birads = cell("finding_birads");
    auto reject = [&](const char* reason, const std::string& detail) {
      row.reject_reason = reason;
      row.reject_detail = absl::StrCat(row.where, ": ", detail);
    };
    const std::string& density = cell("breast_density");
    if (density.size() == 9 && absl::StartsWith(density, "DENSITY ") && density[8] >= 'A' &&
        density[8] <= 'D') {
      row.density = density[8] - 'A' + 1;
    }
    const std::string& side = cell("laterality");
    row.laterality = side == "L" ? "LEFT" : (side == "R" ? "RIGHT" : "");
    absl::string_view birads = row.birads;
    if (row.image_id.empty() || row.study_id.empty()) {
      reject("bad_csv_row", "empty image_id or study_id");
    } else if (row.laterality.empty()) {
      reject("bad_csv_row", absl::StrCat("laterality '", side, "' is neither L nor R"));
    } else if (row.split != "training" && row.split != "test") {
      reject("bad_csv_row", absl::StrCat("split '", row.split, "' is neither training nor test"));
    } else if (row.categories.size() == 1 && row.categories[0] == "No Finding") {
      reject("no_finding", "No Finding: the image has no box");
    } else if (birads.empty()) {
      // Lymph nodes and skin or nipple findings carry no BI-RADS, hence no label.
      reject("no_birads", absl::StrCat("no finding_birads for ", cell("finding_categories")));
    } else if (!absl::ConsumePrefix(&birads, "BI-RADS ") ||
               !absl::SimpleAtoi(birads, &row.assessment) || row.assessment < 3 ||
               row.assessment > 5) {
      // The spec's mapping covers the finding BI-RADS 3 to 5 only.
      reject("bad_csv_row",
             absl::StrCat("finding_birads '", row.birads, "' is not BI-RADS 3 to 5"));
    } else if (!absl::SimpleAtod(cell("xmin"), &row.xmin) ||
               !absl::SimpleAtod(cell("ymin"), &row.ymin) ||
               !absl::SimpleAtod(cell("xmax"), &row.xmax) ||
               !absl::SimpleAtod(cell("ymax"), &row.ymax) || !std::isfinite(row.xmin) ||
               !std::isfinite(row.ymin) || !std::isfinite(row.xmax) || !std::isfinite(row.ymax)) {
      reject("bad_csv_row", absl::StrCat("box '", cell("xmin"), " ", cell("ymin"), " ",
                                         cell("xmax"), " ", cell("ymax"), "' is not four numbers"));
    } else {
      row.label = row.assessment == 3 ? BENIGN : MALIGNANT;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mammo::dcm2png
