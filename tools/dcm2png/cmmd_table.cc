#include "tools/dcm2png/cmmd_table.h"

#include <dcmtk/dcmdata/dctk.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/csv/csv.h"
#include "lib/dicom/dicom.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"

namespace mammo::dcm2png {
namespace {

namespace fs = std::filesystem;

// SNOMED CT codes of ViewCodeSequence (the audit found ViewPosition empty in CMMD).
std::string ViewOfCode(const std::string& code) {
  if (code == "399162004") return "CC";
  if (code == "399368009") return "MLO";
  return "";
}

struct CmmdImage {
  std::string path, patient_id, side, view;  // side L or R
  std::string problem;                       // why it cannot be placed; empty when it can
};

// PatientID, ImageLaterality and ViewCodeSequence's code, from the header only.
CmmdImage ReadImageHeader(const std::string& path) {
  CmmdImage image;
  image.path = path;
  DcmFileFormat file;
  const OFCondition loaded = file.loadFileUntilTag(
      path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData);
  if (loaded.bad()) {
    image.problem = absl::StrCat(path, ": not a readable DICOM file (", loaded.text(), ")");
    return image;
  }
  DcmDataset* dataset = file.getDataset();
  OFString value;
  if (dataset->findAndGetOFString(DCM_PatientID, value).good()) image.patient_id = value.c_str();
  if (dataset->findAndGetOFString(DCM_ImageLaterality, value).good()) image.side = value.c_str();
  DcmItem* code = nullptr;
  if (dataset->findAndGetSequenceItem(DCM_ViewCodeSequence, code, 0).good() && code != nullptr &&
      code->findAndGetOFString(DCM_CodeValue, value).good()) {
    image.view = ViewOfCode(value.c_str());
  }
  if (image.patient_id.empty()) {
    image.problem = absl::StrCat(path, ": no PatientID");
  } else if (image.side != "L" && image.side != "R") {
    // The side is nowhere else: file order does not follow it (spec trap 1).
    image.problem = absl::StrCat(path, ": ImageLaterality '", image.side, "' is neither L nor R");
  } else if (image.view.empty()) {
    image.problem = absl::StrCat(path, ": no CC or MLO code in ViewCodeSequence");
  }
  return image;
}

std::vector<CmmdImage> ReadImages(const fs::path& root) {
  InitDicomDecoders();  // also quietens DCMTK's note on each header read up to the pixels
  std::vector<std::string> paths;
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error) &&
        absl::EndsWithIgnoreCase(it->path().filename().string(), ".dcm")) {
      paths.push_back(it->path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CmmdImage> images;
  for (const std::string& path : paths) images.push_back(ReadImageHeader(path));
  return images;
}

std::string Laterality(const std::string& side) { return side == "L" ? "LEFT" : "RIGHT"; }

}  // namespace

absl::StatusOr<std::vector<CmmdRow>> ReadCmmd(const std::string& root) {
  const std::string csv_path = (fs::path(root) / kCmmdClinicalCsv).string();
  ASSIGN_OR_RETURN(const std::string text, ReadFile(csv_path));
  // Users' conversions of the spreadsheet use ',' or ';' (spec trap 8): the header tells which.
  const std::string header = text.substr(0, text.find('\n'));
  const char delimiter = absl::StrContains(header, ";") ? ';' : ',';
  ASSIGN_OR_RETURN(
      const csv::CsvTable table,
      csv::ParseCsv(text, csv_path, {.delimiter = delimiter, .keep_ragged_rows = true}));
  std::map<std::string, size_t> column;
  for (const char* name : {"id1", "leftright", "age", "abnormality", "classification", "subtype"}) {
    ASSIGN_OR_RETURN(column[name], table.RequireColumn(name));
  }
  std::vector<CmmdImage> images = ReadImages(root);
  std::map<std::pair<std::string, std::string>, std::vector<const CmmdImage*>> by_breast;
  for (const CmmdImage& image : images) {
    if (image.problem.empty()) by_breast[{image.patient_id, image.side}].push_back(&image);
  }

  const std::vector<const csv::CsvRow*> csv_rows = table.RowsInFileOrder();
  const std::string name = kCmmdClinicalCsv;
  std::vector<CmmdRow> rows;
  std::map<std::pair<std::string, std::string>, int> row_of_breast;
  std::set<const CmmdImage*> claimed;
  for (const csv::CsvRow* csv_row : csv_rows) {
    CmmdRow breast;
    breast.where = absl::StrCat(name, ":", csv_row->line);
    breast.id = breast.where;
    auto reject = [&](CmmdRow& row, const std::string& reason, const std::string& detail) {
      row.reject_reason = reason;
      row.reject_detail = absl::StrCat(breast.where, ": ", detail);
    };
    if (csv_row->cells.size() != table.header.size()) {
      reject(
          breast, "bad_csv_row",
          absl::StrCat(csv_row->cells.size(), " fields, but the header has ", table.header.size()));
      rows.push_back(std::move(breast));
      continue;
    }
    auto cell = [&](const char* column_name) -> const std::string& {
      return csv_row->cells[column.at(column_name)];
    };
    const std::string& side = cell("leftright");
    breast.patient_id = cell("id1");
    breast.classification = cell("classification");
    breast.abnormality = cell("abnormality");
    breast.subtype = cell("subtype");
    breast.age = cell("age");
    const std::string classification = absl::AsciiStrToLower(breast.classification);
    breast.label = classification == "benign"      ? BENIGN
                   : classification == "malignant" ? MALIGNANT
                                                   : LABEL_UNSPECIFIED;
    if (breast.patient_id.empty() || (side != "L" && side != "R")) {
      reject(breast, "bad_csv_row",
             absl::StrCat("ID1 '", breast.patient_id, "', LeftRight '", side, "'"));
      rows.push_back(std::move(breast));
      continue;
    }
    breast.id = absl::StrCat(breast.patient_id, "_", side);
    breast.laterality = Laterality(side);
    if (const auto [it, first] = row_of_breast.insert({{breast.patient_id, side}, csv_row->line});
        !first) {
      reject(breast, "bad_csv_row", absl::StrCat("repeats the breast of line ", it->second));
      rows.push_back(std::move(breast));
      continue;
    }
    const std::string bad_classification =
        breast.label == LABEL_UNSPECIFIED ? absl::StrCat("classification '", breast.classification,
                                                         "' is neither Benign nor Malignant")
                                          : "";
    const auto found = by_breast.find({breast.patient_id, side});
    if (found == by_breast.end()) {
      if (!bad_classification.empty()) {
        reject(breast, "bad_csv_row", bad_classification);
      } else {
        reject(breast, "image_not_found",
               absl::StrCat("no DICOM with PatientID ", breast.patient_id, " and ImageLaterality ",
                            side, " under --root"));
      }
      rows.push_back(std::move(breast));
      continue;
    }
    for (const CmmdImage* image : found->second) {
      CmmdRow row = breast;
      row.id = absl::StrCat(breast.patient_id, "_", side, "_", image->view);
      row.path = image->path;
      row.view = image->view;
      if (!bad_classification.empty()) reject(row, "bad_csv_row", bad_classification);
      rows.push_back(std::move(row));
      claimed.insert(image);
    }
  }
  for (const CmmdImage& image : images) {
    if (claimed.count(&image) > 0) continue;
    CmmdRow row;
    row.where = image.path;
    row.path = image.path;
    row.patient_id = image.patient_id;
    if (!image.problem.empty()) {
      row.id = image.path;
      row.reject_reason = "no_laterality";
      row.reject_detail = image.problem;
    } else {
      // The other breast of many D2 patients: imaged, never labelled; not a normal breast.
      row.id = absl::StrCat(image.patient_id, "_", image.side, "_", image.view);
      row.reject_reason = "unlabelled_breast";
      row.reject_detail =
          absl::StrCat(image.path, ": no ", name, " row for ", image.patient_id, " ", image.side);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mammo::dcm2png
