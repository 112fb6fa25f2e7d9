#include "tools/dcm2png/inbreast_table.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/csv/csv.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "tools/dcm2png/inbreast_xml.h"

namespace mammo::dcm2png {
namespace {

namespace fs = std::filesystem;

constexpr char kCsvName[] = "INbreast.csv";

struct DicomFile {
  std::string path, patient_id;
};

// AllDICOMs/<File Name>_<patient hash>_MG_<side>_<view>_ANON.dcm by File Name. Other names are
// not INbreast images and are left out; of two files with one File Name the first in name
// order is taken, so that the choice does not depend on the file system.
std::map<std::string, DicomFile> IndexDicoms(const fs::path& folder) {
  std::vector<fs::path> paths;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  std::map<std::string, DicomFile> by_name;
  for (const fs::path& path : paths) {
    const std::vector<std::string> parts = absl::StrSplit(path.filename().string(), '_');
    if (parts.size() < 4 || parts[0].empty() || parts[1].empty() || parts[2] != "MG" ||
        path.extension() != ".dcm") {
      continue;
    }
    by_name.emplace(parts[0], DicomFile{path.string(), parts[1]});
  }
  return by_name;
}

bool IsFileName(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

// "4a" -> 4; 0 unless it is 1-6, with a letter a-c after a 4 only.
int ParseBirads(absl::string_view text) {
  if (text.empty() || text[0] < '1' || text[0] > '6') return 0;
  const int number = text[0] - '0';
  if (text.size() == 1) return number;
  if (text.size() == 2 && number == 4 && text[1] >= 'a' && text[1] <= 'c') return number;
  return 0;
}

// The image's cells, checked; a row with reject_reason set when they do not parse.
InbreastRow ReadImageRow(const csv::CsvRow& csv_row, const std::map<std::string, size_t>& column) {
  auto cell = [&](const char* name) -> const std::string& {
    return csv_row.cells[column.at(name)];
  };
  InbreastRow row;
  row.where = absl::StrCat(kCsvName, ":", csv_row.line);
  row.image_where = row.where;
  auto reject = [&](const std::string& detail) {
    row.reject_reason = "bad_csv_row";
    row.reject_detail = absl::StrCat(row.where, ": ", detail);
  };
  const std::string& side = cell("laterality");
  row.laterality = side == "L" ? "LEFT" : (side == "R" ? "RIGHT" : "");
  row.view = cell("view") == "ML" ? "MLO" : cell("view");
  row.birads = cell("bi-rads");
  row.assessment = ParseBirads(absl::AsciiStrToLower(row.birads));
  const std::string& acr = cell("acr");
  if (acr.size() == 1 && acr[0] >= '1' && acr[0] <= '4') row.density = acr[0] - '0';
  if (!IsFileName(cell("file name"))) {
    reject(absl::StrCat("File Name '", cell("file name"), "' is not a number"));
    return row;
  }
  row.file_name = cell("file name");
  if (row.laterality.empty()) {
    reject(absl::StrCat("Laterality '", side, "' is neither L nor R"));
  } else if (row.assessment == 0) {
    reject(absl::StrCat("Bi-Rads '", row.birads, "' is not 1-6 (4a-4c)"));
  } else {
    row.label = row.assessment <= 3 ? BENIGN : MALIGNANT;
  }
  return row;
}

// The image's ROIs as rows, or one image-level row saying why there are none.
std::vector<InbreastRow> ExpandRois(const fs::path& root, const InbreastRow& image) {
  const std::string xml_name = absl::StrCat("AllXML/", image.file_name, ".xml");
  InbreastRow image_level = image;
  absl::StatusOr<std::string> text = ReadFile((root / xml_name).string());
  if (absl::IsNotFound(text.status())) {
    // Not a normal image: BI-RADS still says what the radiologist saw, but nothing was drawn.
    image_level.reject_reason = "no_outline";
    image_level.reject_detail = absl::StrCat(image.where, ": no ", xml_name);
    return {image_level};
  }
  absl::StatusOr<std::vector<InbreastRoi>> rois =
      text.ok() ? ParseInbreastXml(*text, xml_name) : text.status();
  if (!rois.ok()) {
    image_level.reject_reason = "bad_xml";
    image_level.reject_detail = std::string(rois.status().message());
    return {image_level};
  }
  if (rois->empty()) {
    image_level.reject_reason = "no_outline";
    image_level.reject_detail = absl::StrCat(xml_name, ": no ROI");
    return {image_level};
  }
  std::vector<InbreastRow> rows;
  for (InbreastRoi& roi : *rois) {
    InbreastRow row = image;
    row.where = absl::StrCat(xml_name, ":", roi.line);
    row.roi_index = roi.index;
    row.roi_name = roi.name;
    row.outline = std::move(roi.points);
    const std::string roi_where = absl::StrCat(row.where, ": ROI ", roi.index);
    if (!roi.problem.empty()) {
      row.reject_reason = "bad_xml";
      row.reject_detail = absl::StrCat(roi_where, ": ", roi.problem);
    } else if (row.outline.size() < 3) {
      // Calcifications are often single points: no area to crop.
      row.reject_reason = "no_polygon";
      row.reject_detail =
          absl::StrCat(roi_where, " (", roi.name, "): ", row.outline.size(), " points, no polygon");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Clamped first: a coordinate of 1e300 is outside any image, and must not overflow.
cv::Point Pixel(const cv::Point2d& p) {
  constexpr double kFar = 1e9;
  return cv::Point(static_cast<int>(std::lround(std::clamp(p.x, -kFar, kFar))),
                   static_cast<int>(std::lround(std::clamp(p.y, -kFar, kFar))));
}

}  // namespace

std::string InbreastRow::Id() const {
  if (file_name.empty()) return where;
  return roi_index == 0 ? file_name : absl::StrCat(file_name, "_", roi_index);
}

absl::StatusOr<std::vector<InbreastRow>> ReadInbreast(const std::string& root) {
  ASSIGN_OR_RETURN(const csv::CsvTable table,
                   csv::ReadCsv((fs::path(root) / kCsvName).string(),
                                {.delimiter = ';', .keep_ragged_rows = true}));
  std::map<std::string, size_t> column;
  for (const char* name : {"laterality", "view", "file name", "acr", "bi-rads"}) {
    ASSIGN_OR_RETURN(column[name], table.RequireColumn(name));
  }
  const std::map<std::string, DicomFile> dicoms = IndexDicoms(fs::path(root) / "AllDICOMs");
  const std::vector<const csv::CsvRow*> csv_rows = table.RowsInFileOrder();

  std::vector<InbreastRow> rows;
  for (const csv::CsvRow* csv_row : csv_rows) {
    if (csv_row->cells.size() != table.header.size()) {
      InbreastRow row;
      row.where = absl::StrCat(kCsvName, ":", csv_row->line);
      row.reject_reason = "bad_csv_row";
      row.reject_detail = absl::StrCat(row.where, ": ", csv_row->cells.size(),
                                       " fields, but the header has ", table.header.size());
      rows.push_back(std::move(row));
      continue;
    }
    InbreastRow image = ReadImageRow(*csv_row, column);
    if (!image.reject_reason.empty()) {
      rows.push_back(std::move(image));
      continue;
    }
    if (const auto it = dicoms.find(image.file_name); it != dicoms.end()) {
      image.dicom_path = it->second.path;
      image.patient_id = it->second.patient_id;
    }
    for (InbreastRow& row : ExpandRois(root, image)) rows.push_back(std::move(row));
  }
  return rows;
}

std::string PointOutside(cv::Size size, const InbreastRow& row) {
  const cv::Rect frame(cv::Point(0, 0), size);
  for (const cv::Point2d& p : row.outline) {
    if (!frame.contains(Pixel(p))) return absl::StrCat("(", p.x, ", ", p.y, ")");
  }
  return "";
}

cv::Mat InbreastOutlineMask(cv::Size size, const InbreastRow& row) {
  std::vector<cv::Point> polygon;
  for (const cv::Point2d& p : row.outline) polygon.push_back(Pixel(p));
  cv::Mat mask = cv::Mat::zeros(size, CV_8U);
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{polygon}, cv::Scalar(255));
  return mask;
}

}  // namespace mammo::dcm2png
