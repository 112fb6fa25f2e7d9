#include "tools/dcm2png/mias_info.h"

#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"

namespace mammo::dcm2png {
namespace {

// mdb followed by digits; its number, or -1.
int RefNumber(absl::string_view field) {
  int number = 0;
  if (!absl::ConsumePrefix(&field, "mdb") || field.empty() || !absl::SimpleAtoi(field, &number) ||
      number < 1) {
    return -1;
  }
  return number;
}

// Fills the row's fields from `fields` (ref first), or its reject reason.
void ParseFields(const std::vector<absl::string_view>& fields, MiasRow& row) {
  auto reject = [&](const char* reason, const std::string& detail) {
    row.reject_reason = reason;
    row.reject_detail = absl::StrCat(row.where, ": ", detail);
  };
  if (fields.size() < 3) return reject("bad_info_row", "fewer than 3 fields");
  row.background = std::string(fields[1]);
  row.abnormality_class = std::string(fields[2]);
  if (row.abnormality_class == "NORM") {
    return reject("normal_image", absl::StrCat(row.ref, " is NORM: no abnormality"));
  }
  if (fields.size() < 4) return reject("bad_info_row", "no severity");
  row.severity = std::string(fields[3]);
  if (row.severity != "B" && row.severity != "M") {
    return reject("bad_info_row", absl::StrCat("severity '", row.severity, "' is neither B nor M"));
  }
  // README note 4: calcifications "widely distributed throughout the image" have no centre;
  // some copies write a NOTE token there instead.
  if (fields.size() == 4 || (fields.size() > 4 && absl::StartsWith(fields[4], "NOTE"))) {
    return reject("no_coordinates",
                  absl::StrCat(row.abnormality_class, " row without centre and radius"));
  }
  if (fields.size() != 7) {
    return reject("bad_info_row", absl::StrCat(fields.size(), " fields, not 7"));
  }
  if (!absl::SimpleAtoi(fields[4], &row.x) || !absl::SimpleAtoi(fields[5], &row.y) ||
      !absl::SimpleAtoi(fields[6], &row.radius) || row.radius < 1) {
    return reject("bad_info_row", absl::StrCat("centre and radius '", fields[4], " ", fields[5],
                                               " ", fields[6], "' are not whole pixels"));
  }
}

}  // namespace

std::string MiasRow::Id() const { return index == 0 ? where : absl::StrCat(ref, "_", index); }

std::string MiasRow::PatientId() const {
  return absl::StrFormat("mias_%03d", (RefNumber(ref) + 1) / 2);
}

std::string MiasRow::Laterality() const { return RefNumber(ref) % 2 == 0 ? "LEFT" : "RIGHT"; }

absl::StatusOr<std::vector<MiasRow>> ReadMiasInfo(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  const std::string name = std::filesystem::path(path).filename().string();
  std::vector<MiasRow> rows;
  std::map<std::string, int> per_ref;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    // Only the first line may be a header: elsewhere a bad ref is a row to report.
    if (line_number == 1 && RefNumber(fields[0]) < 0) continue;
    MiasRow row;
    row.where = absl::StrCat(name, ":", line_number);
    row.ref = std::string(fields[0]);
    if (RefNumber(fields[0]) < 0) {
      row.reject_reason = "bad_info_row";
      row.reject_detail = absl::StrCat(row.where, ": '", fields[0], "' is not mdbNNN");
    } else {
      row.index = ++per_ref[row.ref];
      ParseFields(fields, row);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

cv::Mat MiasDiscMask(cv::Size size, const MiasRow& row) {
  cv::Mat mask = cv::Mat::zeros(size, CV_8U);
  cv::circle(mask, cv::Point(row.x, size.height - 1 - row.y), row.radius, cv::Scalar(255),
             cv::FILLED, cv::LINE_8);
  return mask;
}

absl::StatusOr<cv::Mat> DecodePgm(const std::string& bytes, const std::string& path) {
  // The header: "P5", width, height, maxval, separated by whitespace and comments, then one
  // whitespace character before the pixels.
  size_t at = 0;
  auto next_number = [&](int& value) -> bool {
    while (at < bytes.size()) {
      if (bytes[at] == '#') {
        while (at < bytes.size() && bytes[at] != '\n') ++at;
      } else if (absl::ascii_isspace(static_cast<unsigned char>(bytes[at]))) {
        ++at;
      } else {
        break;
      }
    }
    const size_t start = at;
    while (at < bytes.size() && absl::ascii_isdigit(static_cast<unsigned char>(bytes[at]))) ++at;
    return at > start &&
           absl::SimpleAtoi(absl::string_view(bytes).substr(start, at - start), &value);
  };
  if (bytes.compare(0, 2, "P5") != 0) {
    return absl::DataLossError(absl::StrCat(path, ": not a binary PGM (no P5 magic)"));
  }
  at = 2;
  int width = 0, height = 0, maxval = 0;
  if (!next_number(width) || !next_number(height) || !next_number(maxval) || width < 1 ||
      height < 1 || maxval < 1 || at >= bytes.size()) {
    return absl::DataLossError(absl::StrCat(path, ": malformed PGM header"));
  }
  if (maxval > 255) {
    return absl::UnimplementedError(absl::StrCat(path, ": 16-bit PGM (maxval ", maxval, ")"));
  }
  ++at;  // the single whitespace character after maxval
  const size_t needed = static_cast<size_t>(width) * static_cast<size_t>(height);
  if (bytes.size() - at < needed) {
    return absl::DataLossError(absl::StrCat(path, ": truncated PGM (", bytes.size() - at, " of ",
                                            needed, " pixel bytes)"));
  }
  cv::Mat pixels(height, width, CV_8U);
  std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at),
            bytes.begin() + static_cast<std::ptrdiff_t>(at + needed), pixels.data);
  return pixels;
}

}  // namespace mammo::dcm2png
