#include "tools/dcm2png/dcm2png_lib.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data_formats/record.pb.h"
#include "lib/cbis/case_csv.h"
#include "lib/cbis/dicom_index.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/csv/csv.h"
#include "lib/image/normalize.h"
#include "lib/image/png_write.h"
#include "lib/io/byte_io.h"
#include "lib/io/rejects.h"
#include "lib/parallel/ordered_map.h"
#include "lib/records/shard_spec.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"
#include "tools/dcm2png/cmmd_table.h"
#include "tools/dcm2png/inbreast_table.h"
#include "tools/dcm2png/mias_info.h"
#include "tools/dcm2png/roi_boxes.h"
#include "tools/dcm2png/vindr_findings.h"

namespace mammo::dcm2png {
namespace {

constexpr char kTool[] = "dcm2png";

std::string SizeText(cv::Size size) { return absl::StrCat(size.width, "x", size.height); }

// One pass without temporaries: masks are as large as the image.
bool IsBinaryMask(const cv::Mat& pixels) {
  if (pixels.depth() != CV_8U) return false;
  for (int y = 0; y < pixels.rows; ++y) {
    const uint8_t* row = pixels.ptr<uint8_t>(y);
    uint8_t other = 0;  // nonzero when a value is neither 0 nor 255 (v + 1 wraps 255 to 0)
    for (int x = 0; x < pixels.cols; ++x) other |= static_cast<uint8_t>(row[x] + 1) > 1;
    if (other) return false;
  }
  return true;
}

// Records' images and masks are 8-bit grey; lib/image/png_write.h encodes them several times
// faster than OpenCV's PNG writer, and decoders see the same pixels.
absl::StatusOr<Image> GreyPngImage(const cv::Mat& grey) {
  ASSIGN_OR_RETURN(std::string png, EncodeGreyPng(grey));
  Image image;
  image.set_width(grey.cols);
  image.set_height(grey.rows);
  image.set_channels(1);
  image.set_bit_depth(8);
  image.set_encoding(Image::PNG);
  image.set_data(std::move(png));
  return image;
}

int ToInt(const std::string& text) {
  int value = 0;
  return absl::SimpleAtoi(text, &value) ? value : 0;
}

// The outcome of one CSV row: a record, or the reason it was rejected.
struct Outcome {
  std::string id;
  std::optional<Record> record;
  std::string reason;  // a short category, e.g. "corrupt_dicom"
  std::string detail;
  std::string warning;
};

Outcome Reject(std::string id, std::string reason, std::string detail) {
  Outcome outcome;
  outcome.id = std::move(id);
  outcome.reason = std::move(reason);
  outcome.detail = std::move(detail);
  return outcome;
}

// The reject reason for a decoding error.
std::string ReasonFor(const absl::Status& status, const std::string& missing_reason,
                      const std::string& corrupt_reason) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return missing_reason;
    case absl::StatusCode::kUnimplemented:
      return "unsupported_dicom";
    case absl::StatusCode::kResourceExhausted:
      return "too_large";
    case absl::StatusCode::kOutOfRange:
      return "no_such_frame";
    default:
      return corrupt_reason;
  }
}

// How a dataset's image files decode (DICOM, JPEG, PGM).
class ImageReader {
 public:
  virtual ~ImageReader() = default;
  virtual absl::StatusOr<DicomPixels> ReadImage(const std::string& path) const = 0;
  // The reject reason of an image file that does not decode.
  virtual std::string CorruptReason() const = 0;
};

// Where a CBIS-DDSM CSV row's files are: the DICOM download (NBIA or CSV layout), found by the
// UIDs in the files' headers, or the Kaggle JPEG copy, found through csv/dicom_info.csv. The
// rest of a row's conversion is the same for both.
class CaseFiles : public ImageReader {
 public:
  // The full image that the row's image path `csv_path` (parsed as `hint`) names; NotFound
  // says what was looked for.
  virtual absl::StatusOr<std::string> FindImage(const cbis::CsvPath& hint,
                                                const std::string& csv_path) const = 0;
  // The row's 0/255 ROI mask, one of `image_size` when there is one.
  virtual absl::StatusOr<cv::Mat> FindMask(const cbis::CaseRow& row, cv::Size image_size) const = 0;
};

// One full image, decoded and processed once for all the CSV rows that name it (an image
// with several abnormalities has one row each): the decode, normalisation, CLAHE and PNG
// encoding cost as much as the rest of a row together.
class SharedImage {
 public:
  // The decoded image of `path`, read on the first call for that path.
  const absl::StatusOr<DicomPixels>& Decode(const std::string& path, const ImageReader& files) {
    if (path != path_) {
      path_ = path;
      png_.reset();
      pixels_ = files.ReadImage(path);
      size_ = pixels_.ok() ? pixels_->pixels.size() : cv::Size();
    }
    return pixels_;
  }
  cv::Size size() const { return size_; }

  // The processed image as PNG, made on the first call after Decode succeeded; the decoded
  // pixels are released then, since the remaining rows need only the PNG and the size.
  const absl::StatusOr<Image>& Png(const ProcessOptions& options) {
    if (!png_.has_value()) {
      png_ = GreyPngImage(ProcessPixels(*pixels_, options));
      pixels_ = DicomPixels{};
    }
    return *png_;
  }

 private:
  std::string path_;
  absl::StatusOr<DicomPixels> pixels_;
  cv::Size size_;
  std::optional<absl::StatusOr<Image>> png_;
};

// The DICOM download: files found by the UIDs and PatientID in their headers.
class DicomCaseFiles : public CaseFiles {
 public:
  DicomCaseFiles(const DatasetOptions& options, const cbis::DicomIndex& index)
      : options_(options), index_(index) {}

  // The full image: its series, else the files whose PatientID is the image folder, else the
  // CSV path as written (which reaches files whose header did not read, so that their error
  // is reported rather than "not found").
  absl::StatusOr<std::string> FindImage(const cbis::CsvPath& hint,
                                        const std::string& csv_path) const override {
    std::vector<const cbis::IndexedFile*> found;
    for (const cbis::IndexedFile* f : index_.BySeries(hint.series_uid)) {
      if (f->header.patient_id == hint.subject) found.push_back(f);
    }
    if (found.empty()) found = index_.BySeries(hint.series_uid);
    if (found.empty()) found = index_.ByPatient(hint.subject);
    if (!found.empty()) return found.front()->path;
    const std::filesystem::path path = std::filesystem::path(options_.root) / csv_path;
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) return path.string();
    return absl::NotFoundError(absl::StrCat("no DICOM with series UID ", hint.series_uid,
                                            " or PatientID ", hint.subject, " under --root"));
  }

  absl::StatusOr<DicomPixels> ReadImage(const std::string& path) const override {
    return ReadDicomPixels(path, options_.process.read);
  }

  absl::StatusOr<cv::Mat> FindMask(const cbis::CaseRow& row, cv::Size image_size) const override {
    std::vector<const cbis::IndexedFile*> candidates;
    std::set<std::string> seen;
    auto add = [&](const cbis::IndexedFile* f) {
      if (f->header.bits_allocated == 8 && seen.insert(f->path).second) candidates.push_back(f);
    };
    for (const std::string& csv_path : {row.mask_path, row.crop_path}) {
      absl::StatusOr<cbis::CsvPath> hint = cbis::ParseCsvPath(csv_path);
      if (!hint.ok()) continue;
      for (const cbis::IndexedFile* f : index_.BySeries(hint->series_uid)) add(f);
      for (const cbis::IndexedFile* f : index_.ByPatient(hint->subject)) add(f);
    }
    // Files of the image's size first: they are the masks that need no rescaling.
    auto same_size = [&](const cbis::IndexedFile* f) {
      return f->header.columns == image_size.width && f->header.rows == image_size.height;
    };
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](const cbis::IndexedFile* a, const cbis::IndexedFile* b) {
                       return same_size(a) && !same_size(b);
                     });
    std::string last_error = "no 8-bit file among the abnormality's files";
    for (const cbis::IndexedFile* f : candidates) {
      // Masks are single-frame and grey whatever the image's --frame and --colour.
      absl::StatusOr<DicomPixels> pixels =
          ReadDicomPixels(f->path, {.max_pixels = options_.process.read.max_pixels});
      if (!pixels.ok()) {
        last_error = std::string(pixels.status().message());
        continue;
      }
      if (IsBinaryMask(pixels->pixels)) return std::move(pixels->pixels);
      last_error = absl::StrCat(f->path, ": holds values other than 0 and 255");
    }
    return absl::NotFoundError(absl::StrCat("no 0/255 ROI mask found (", last_error, ")"));
  }

  std::string CorruptReason() const override { return "corrupt_dicom"; }

 private:
  const DatasetOptions& options_;
  const cbis::DicomIndex& index_;
};

// The Kaggle JPEG copy (data_formats/datasets/kaggle_cbis.md): csv/dicom_info.csv maps each
// JPEG to the SeriesInstanceUID and SeriesDescription of the DICOM it was made from, and the
// CSV rows' paths give those UIDs.
class KaggleCaseFiles : public CaseFiles {
 public:
  static absl::StatusOr<std::unique_ptr<KaggleCaseFiles>> Load(const DatasetOptions& options) {
    const std::string info =
        (std::filesystem::path(options.root) / "csv" / "dicom_info.csv").string();
    ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(info));
    ASSIGN_OR_RETURN(const size_t image_path, table.RequireColumn("image_path"));
    ASSIGN_OR_RETURN(const size_t series, table.RequireColumn("seriesinstanceuid"));
    ASSIGN_OR_RETURN(const size_t description, table.RequireColumn("seriesdescription"));
    auto files = std::unique_ptr<KaggleCaseFiles>(new KaggleCaseFiles(options));
    for (const csv::CsvRow& row : table.rows) {
      // image_path reads CBIS-DDSM/jpeg/<uid>/<file>, but the archive has no CBIS-DDSM/
      // folder: the file is at jpeg/<uid>/<file> under --root.
      const std::filesystem::path written(row.cells[image_path]);
      if (!written.has_parent_path() || written.parent_path().filename().empty()) {
        files->bad_rows_.push_back(absl::StrCat(table.Where(row), ": image_path '",
                                                row.cells[image_path], "' has no folder"));
        continue;
      }
      const std::filesystem::path path = std::filesystem::path(options.root) / "jpeg" /
                                         written.parent_path().filename() / written.filename();
      files->by_series_.emplace(row.cells[series], Entry{path.string(), row.cells[description]});
    }
    return files;
  }

  // dicom_info.csv rows that name no file, as "FILE:LINE: ..." lines.
  const std::vector<std::string>& bad_rows() const { return bad_rows_; }

  absl::StatusOr<std::string> FindImage(const cbis::CsvPath& hint,
                                        const std::string& /*csv_path*/) const override {
    const std::vector<const Entry*> entries = InSeries({hint.series_uid}, kSeriesFull);
    if (!entries.empty()) return entries.front()->path;
    return absl::NotFoundError(absl::StrCat("no '", kSeriesFull, "' row with SeriesInstanceUID ",
                                            hint.series_uid, " in csv/dicom_info.csv"));
  }

  // JPEGs carry no padding value and no frames. A colour file would be read as grey (OpenCV's
  // luminance): whether the copy has any was not confirmed, and its mammograms are grey.
  absl::StatusOr<DicomPixels> ReadImage(const std::string& path) const override {
    ASSIGN_OR_RETURN(const std::string bytes, ReadFile(path));
    // OpenCV decodes a truncated JPEG without an error, filling the missing rows with grey; the
    // end-of-image marker is what tells a complete file.
    const size_t last = bytes.find_last_not_of('\0');  // some writers pad with zeros
    if (last == std::string::npos || last < 1 || bytes.compare(last - 1, 2, "\xff\xd9") != 0) {
      return absl::DataLossError(absl::StrCat(path, ": truncated JPEG (no end-of-image marker)"));
    }
    DicomPixels image;
    image.pixels =
        cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_GRAYSCALE);
    if (image.pixels.empty()) return absl::DataLossError(absl::StrCat(path, ": not a JPEG image"));
    if (image.pixels.total() > options_.process.read.max_pixels) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": ", image.pixels.total(), " pixels, above --max_pixels"));
    }
    image.bits_stored = 8;
    return image;
  }

  // The row's mask series (either column: some rows swap them), the file that dicom_info.csv
  // calls a ROI mask. JPEG blurs its 0/255 edges, so it is thresholded at 128; a file with many
  // grey values is a crop, whatever its row says.
  absl::StatusOr<cv::Mat> FindMask(const cbis::CaseRow& row, cv::Size image_size) const override {
    std::vector<std::string> series;
    for (const std::string& csv_path : {row.mask_path, row.crop_path}) {
      absl::StatusOr<cbis::CsvPath> hint = cbis::ParseCsvPath(csv_path);
      if (hint.ok() && (series.empty() || series.front() != hint->series_uid)) {
        series.push_back(hint->series_uid);  // a crop and mask in one series: named once
      }
    }
    std::string last_error = absl::StrCat("no '", kSeriesMask, "' row for series ",
                                          absl::StrJoin(series, " or "), " in csv/dicom_info.csv");
    std::optional<cv::Mat> other_size;
    for (const Entry* entry : InSeries(series, kSeriesMask)) {
      absl::StatusOr<DicomPixels> pixels = ReadImage(entry->path);
      if (!pixels.ok()) {
        last_error = std::string(pixels.status().message());
        continue;
      }
      const cv::Mat& grey = pixels->pixels;
      cv::Mat between;
      cv::inRange(grey, 32, 223, between);
      if (cv::countNonZero(between) > static_cast<int>(grey.total() / 20)) {
        last_error = absl::StrCat(entry->path, ": grey values throughout, not a mask");
        continue;
      }
      cv::Mat mask;
      cv::threshold(grey, mask, 127, 255, cv::THRESH_BINARY);
      if (mask.size() == image_size) return mask;
      if (!other_size) other_size = std::move(mask);
    }
    if (other_size) return *std::move(other_size);
    return absl::NotFoundError(absl::StrCat("no ROI mask found (", last_error, ")"));
  }

  std::string CorruptReason() const override { return "corrupt_jpeg"; }

 private:
  static constexpr char kSeriesFull[] = "full mammogram images";
  static constexpr char kSeriesMask[] = "ROI mask images";

  struct Entry {
    std::string path;
    std::string description;
  };

  explicit KaggleCaseFiles(const DatasetOptions& options) : options_(options) {}

  std::vector<const Entry*> InSeries(const std::vector<std::string>& series,
                                     const std::string& description) const {
    std::vector<const Entry*> entries;
    std::set<std::string> seen;
    for (const std::string& uid : series) {
      const auto [begin, end] = by_series_.equal_range(uid);
      for (auto it = begin; it != end; ++it) {
        if (it->second.description == description && seen.insert(it->second.path).second) {
          entries.push_back(&it->second);
        }
      }
    }
    return entries;
  }

  const DatasetOptions& options_;
  std::multimap<std::string, Entry> by_series_;
  std::vector<std::string> bad_rows_;
};

// mini-MIAS (data_formats/datasets/mias.md): ROOT/all-mias/<ref>.pgm, 8-bit.
class MiasFiles : public ImageReader {
 public:
  explicit MiasFiles(const DatasetOptions& options) : options_(options) {}

  std::string ImagePath(const MiasRow& row) const {
    return (std::filesystem::path(options_.root) / "all-mias" / (row.ref + ".pgm")).string();
  }

  absl::StatusOr<DicomPixels> ReadImage(const std::string& path) const override {
    ASSIGN_OR_RETURN(const std::string bytes, ReadFile(path));
    DicomPixels image;
    ASSIGN_OR_RETURN(image.pixels, DecodePgm(bytes, path));
    if (image.pixels.total() > options_.process.read.max_pixels) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": ", image.pixels.total(), " pixels, above --max_pixels"));
    }
    image.bits_stored = 8;
    return image;
  }

  std::string CorruptReason() const override { return "corrupt_pgm"; }

 private:
  const DatasetOptions& options_;
};

std::vector<std::pair<std::string, std::string>> StageParameters(const DatasetOptions& o);

void AddProvenance(const DatasetOptions& options, Record& record) {
  Provenance* p = record.add_provenance();
  p->set_stage(kTool);
  p->set_tool(kTool);
  p->set_tool_version(std::string(cli::kVersion));
  for (const auto& [name, value] : StageParameters(options)) {
    Parameter* parameter = p->add_parameters();
    parameter->set_name(name);
    parameter->set_value(value);
  }
}

void AddExtra(const std::string& name, const std::string& value, Attributes& attributes) {
  Parameter* extra = attributes.add_extra();
  extra->set_name(name);
  extra->set_value(value);
}

// The ids, label and pathology of a record, which is one lesion: its id is its lesion_id.
Record LesionRecord(const std::string& id, const std::string& image_id,
                    const std::string& patient_id, Label label, const std::string& pathology) {
  Record record;
  record.set_id(id);
  record.set_lesion_id(id);
  record.set_image_id(image_id);
  record.set_patient_id(patient_id);
  record.set_label(label);
  record.set_pathology(pathology);
  return record;
}

// A record of a dataset whose annotation gives the mask (MIAS's disc, VinDr's box, INbreast's
// outline) or none (CMMD): `record` with the image's processed PNG, `mask` as its one mask
// unless empty, and the provenance; the decoder's `notes` become the warning. Encoding
// failures are rejects.
Outcome LesionOutcome(Record record, SharedImage& image, const cv::Mat& mask,
                      const DatasetOptions& options, const std::vector<std::string>& notes) {
  const std::string id = record.id();
  // Before the PNG is made: Png releases the decoded image, `notes` included.
  const std::string warning = absl::StrJoin(notes, "; ");
  const absl::StatusOr<Image>& png = image.Png(options.process);
  if (!png.ok()) return Reject(id, "encode_failed", std::string(png.status().message()));
  *record.mutable_image() = *png;
  if (!mask.empty()) {
    absl::StatusOr<Image> mask_png = GreyPngImage(mask);
    if (!mask_png.ok()) {
      return Reject(id, "encode_failed", std::string(mask_png.status().message()));
    }
    *record.add_masks() = *std::move(mask_png);
  }
  AddProvenance(options, record);
  Outcome outcome;
  outcome.id = id;
  outcome.warning = warning;
  outcome.record = std::move(record);
  return outcome;
}

// One Info.txt row to a record: the lesion is the row's disc, so the mask is what roicrop
// reads for every dataset.
class MiasConverter {
 public:
  MiasConverter(const DatasetOptions& options, const MiasFiles& files)
      : options_(options), files_(files) {}

  // Rows that will not be converted share no image.
  std::optional<std::string> ImageFile(const MiasRow& row) const {
    if (!row.reject_reason.empty()) return std::nullopt;
    return files_.ImagePath(row);
  }

  Outcome Convert(const MiasRow& row, SharedImage& image) const {
    const std::string id = row.Id();
    if (!row.reject_reason.empty()) return Reject(id, row.reject_reason, row.reject_detail);
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(files_.ImagePath(row), files_);
    if (!decoded.ok()) {
      // ReasonFor's unsupported_dicom would misname a 16-bit PGM.
      const std::string reason =
          decoded.status().code() == absl::StatusCode::kUnimplemented
              ? "unsupported_pgm"
              : ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason());
      return Reject(id, reason, std::string(decoded.status().message()));
    }
    const cv::Size size = image.size();
    const int centre_row = size.height - 1 - row.y;
    if (row.x < 0 || row.x >= size.width || centre_row < 0 || centre_row >= size.height) {
      return Reject(id, "box_outside_image",
                    absl::StrCat(row.where, ": centre (", row.x, ", ", row.y, ") is outside the ",
                                 SizeText(size), " image"));
    }
    Record record = LesionRecord(id, row.ref, row.PatientId(),
                                 row.severity == "M" ? MALIGNANT : BENIGN, row.severity);
    Attributes* a = record.mutable_attributes();
    a->set_laterality(row.Laterality());
    a->set_abnormality_type(row.abnormality_class);
    AddExtra("background_tissue", row.background, *a);
    // As written in Info.txt (y from the bottom), for checking the disc against the source.
    AddExtra("mias_x", absl::StrCat(row.x), *a);
    AddExtra("mias_y", absl::StrCat(row.y), *a);
    AddExtra("mias_radius", absl::StrCat(row.radius), *a);
    return LesionOutcome(std::move(record), image, MiasDiscMask(size, row), options_, {});
  }

 private:
  const DatasetOptions& options_;
  const MiasFiles& files_;
};

// DICOM files, read with the --frame, --colour and --max_pixels settings.
class DicomFiles : public ImageReader {
 public:
  explicit DicomFiles(const DatasetOptions& options) : options_(options) {}

  absl::StatusOr<DicomPixels> ReadImage(const std::string& path) const override {
    return ReadDicomPixels(path, options_.process.read);
  }

  std::string CorruptReason() const override { return "corrupt_dicom"; }

 protected:
  const DatasetOptions& options_;
};

// VinDr-Mammo (data_formats/datasets/vindr.md): ROOT/images/<study_id>/<image_id>.dicom.
class VindrFiles : public DicomFiles {
 public:
  using DicomFiles::DicomFiles;

  std::string ImagePath(const VindrRow& row) const {
    return (std::filesystem::path(options_.root) / "images" / row.study_id /
            (row.image_id + ".dicom"))
        .string();
  }
};

// One finding box to a record. The box becomes a filled rectangle mask rather than a box
// field: roicrop, augment and everything after read the lesion from masks[0] for every
// dataset, and roi_box already means "this record's image is a crop of the source at that box".
class VindrConverter {
 public:
  VindrConverter(const DatasetOptions& options, const VindrFiles& files)
      : options_(options), files_(files) {}

  std::optional<std::string> ImageFile(const VindrRow& row) const {
    if (!row.reject_reason.empty()) return std::nullopt;
    return files_.ImagePath(row);
  }

  Outcome Convert(const VindrRow& row, SharedImage& image) const {
    const std::string id = row.Id();
    if (!row.reject_reason.empty()) return Reject(id, row.reject_reason, row.reject_detail);
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(files_.ImagePath(row), files_);
    if (!decoded.ok()) {
      return Reject(id, ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason()),
                    std::string(decoded.status().message()));
    }
    const cv::Size size = image.size();
    if (!(row.xmin < row.xmax && row.ymin < row.ymax && row.xmin < size.width &&
          row.ymin < size.height && row.xmax > 0 && row.ymax > 0)) {
      return Reject(
          id, "box_outside_image",
          absl::StrCat(row.where, ": box (", row.xmin, ", ", row.ymin, ") - (", row.xmax, ", ",
                       row.ymax, ") is empty or outside the ", SizeText(size), " image"));
    }
    // Clipped in doubles first, so that a huge coordinate cannot overflow the pixel box.
    VindrRow clipped = row;
    clipped.xmin = std::max(row.xmin, 0.0);
    clipped.ymin = std::max(row.ymin, 0.0);
    clipped.xmax = std::min(row.xmax, static_cast<double>(size.width));
    clipped.ymax = std::min(row.ymax, static_cast<double>(size.height));
    cv::Mat mask = cv::Mat::zeros(size, CV_8U);
    mask(clipped.PixelBox()).setTo(255);

    // VinDr gives no patient id; the study is the unit of its split (one exam per woman is
    // implied, not confirmed).
    Record record = LesionRecord(id, row.image_id, row.study_id, row.label, row.birads);
    record.set_split(row.split == "training" ? TRAIN : TEST);
    Attributes* a = record.mutable_attributes();
    a->set_view(row.view);
    a->set_laterality(row.laterality);
    a->set_breast_density(row.density);
    a->set_assessment(row.assessment);
    a->set_abnormality_type(absl::StrJoin(row.categories, ", "));
    a->set_dataset_split(row.split);
    AddExtra("box", absl::StrCat(row.xmin, " ", row.ymin, " ", row.xmax, " ", row.ymax), *a);
    AddExtra("series_id", row.series_id, *a);
    AddExtra("study_id", row.study_id, *a);
    return LesionOutcome(std::move(record), image, mask, options_, decoded->notes);
  }

 private:
  const DatasetOptions& options_;
  const VindrFiles& files_;
};

// A box or a mask on a new image (tools/dcm2png/roi_boxes.h) to an unlabelled record, for
// prediction: the box filled as its mask, as for VinDr, or the mask DICOM's nonzero pixels, so
// that roicrop crops it as it cropped training's.
class BoxConverter {
 public:
  BoxConverter(const DatasetOptions& options, const DicomFiles& files)
      : options_(options), files_(files) {}

  std::string ImagePath(const BoxRow& row) const { return UnderRoot(row.file); }

  std::optional<std::string> ImageFile(const BoxRow& row) const {
    if (!row.reject_reason.empty()) return std::nullopt;
    return ImagePath(row);
  }

  Outcome Convert(const BoxRow& row, SharedImage& image) const {
    if (!row.reject_reason.empty()) return Reject(row.id, row.reject_reason, row.reject_detail);
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(ImagePath(row), files_);
    if (!decoded.ok()) {
      return Reject(row.id, ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason()),
                    absl::StrCat(row.where, ": ", decoded.status().message()));
    }
    const cv::Size size = image.size();
    cv::Mat mask;
    if (!row.mask.empty()) {
      // Single-frame and grey whatever the image's --frame and --colour, as CBIS's masks.
      absl::StatusOr<DicomPixels> lesion =
          ReadDicomPixels(UnderRoot(row.mask), {.max_pixels = options_.process.read.max_pixels});
      if (!lesion.ok()) {
        return Reject(row.id, ReasonFor(lesion.status(), "mask_not_found", "corrupt_mask"),
                      absl::StrCat(row.where, ": ", lesion.status().message()));
      }
      if (lesion->pixels.size() != size) {
        return Reject(
            row.id, "mask_size_mismatch",
            absl::StrCat(row.where, ": mask ", row.mask, " is ", SizeText(lesion->pixels.size()),
                         ", the image ", SizeText(size)));
      }
      mask = lesion->pixels != 0;  // 0 or 255, of any depth
      if (cv::countNonZero(mask) == 0) {
        return Reject(row.id, "empty_mask",
                      absl::StrCat(row.where, ": mask ", row.mask, " has no nonzero pixel"));
      }
    } else {
      // In 64 bits: x + width of a huge box must not wrap around.
      if (row.x < 0 || row.y < 0 || int64_t{row.x} + row.width > size.width ||
          int64_t{row.y} + row.height > size.height) {
        return Reject(
            row.id, "box_outside_image",
            absl::StrCat(row.where, ": box x ", row.x, " y ", row.y, " width ", row.width,
                         " height ", row.height, " is not inside the ", SizeText(size), " image"));
      }
      mask = cv::Mat::zeros(size, CV_8U);
      mask(cv::Rect(row.x, row.y, row.width, row.height)).setTo(255);
    }
    Record record;
    record.set_id(row.id);
    record.set_lesion_id(row.id);
    record.set_image_id(row.file);
    record.set_patient_id(row.patient);
    if (row.mask.empty()) {
      AddExtra("box", absl::StrCat(row.x, " ", row.y, " ", row.width, " ", row.height),
               *record.mutable_attributes());
    } else {
      AddExtra("mask", row.mask, *record.mutable_attributes());
    }
    return LesionOutcome(std::move(record), image, mask, options_, decoded->notes);
  }

 private:
  std::string UnderRoot(const std::string& path) const {
    return (std::filesystem::path(options_.root) / path).string();
  }

  const DatasetOptions& options_;
  const DicomFiles& files_;
};

// One outline ROI of INbreast (data_formats/datasets/inbreast.md) to a record: the mask is the
// filled polygon, the label the image's BI-RADS mapped as the spec says, the string kept.
class InbreastConverter {
 public:
  InbreastConverter(const DatasetOptions& options, const DicomFiles& files)
      : options_(options), files_(files) {}

  std::optional<std::string> ImageFile(const InbreastRow& row) const {
    if (!row.reject_reason.empty() || row.dicom_path.empty()) return std::nullopt;
    return row.dicom_path;
  }

  Outcome Convert(const InbreastRow& row, SharedImage& image) const {
    const std::string id = row.Id();
    if (!row.reject_reason.empty()) return Reject(id, row.reject_reason, row.reject_detail);
    if (row.dicom_path.empty()) {
      return Reject(
          id, "image_not_found",
          absl::StrCat(row.image_where, ": AllDICOMs/ has no ", row.file_name, "_*_MG_*.dcm"));
    }
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(row.dicom_path, files_);
    if (!decoded.ok()) {
      return Reject(id, ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason()),
                    std::string(decoded.status().message()));
    }
    // The mask takes the DICOM's size, not the 4084 x 3328 that loaders assume.
    const cv::Size size = image.size();
    if (const std::string outside = PointOutside(size, row); !outside.empty()) {
      return Reject(id, "outline_outside_image",
                    absl::StrCat(row.where, ": ROI ", row.roi_index, ": point ", outside,
                                 " is outside the ", SizeText(size), " image"));
    }
    Record record = LesionRecord(id, row.file_name, row.patient_id, row.label, row.birads);
    Attributes* a = record.mutable_attributes();
    a->set_view(row.view);
    a->set_laterality(row.laterality);
    a->set_breast_density(row.density);
    a->set_assessment(row.assessment);
    a->set_abnormality_type(row.roi_name);
    AddExtra("outline_points", absl::StrCat(row.outline.size()), *a);
    return LesionOutcome(std::move(record), image, InbreastOutlineMask(size, row), options_,
                         decoded->notes);
  }

 private:
  const DatasetOptions& options_;
  const DicomFiles& files_;
};

// One CMMD image to a record with the breast's label and no mask: CMMD gives no lesion
// location, and a made-up one (the whole breast) would pass for a lesion crop in roicrop and
// in every ROI-level result; roicrop rejects these records as no_mask, and a whole-image
// consumer takes them as they are (data_formats/datasets/cmmd.md).
class CmmdConverter {
 public:
  CmmdConverter(const DatasetOptions& options, const DicomFiles& files)
      : options_(options), files_(files) {}

  std::optional<std::string> ImageFile(const CmmdRow& row) const {
    if (!row.reject_reason.empty()) return std::nullopt;
    return row.path;
  }

  Outcome Convert(const CmmdRow& row, SharedImage& image) const {
    if (!row.reject_reason.empty()) return Reject(row.id, row.reject_reason, row.reject_detail);
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(row.path, files_);
    if (!decoded.ok()) {
      return Reject(row.id, ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason()),
                    std::string(decoded.status().message()));
    }
    // One image per breast and view: the image is the unit, so the id names both.
    Record record = LesionRecord(row.id, row.id, row.patient_id, row.label, row.classification);
    Attributes* a = record.mutable_attributes();
    a->set_view(row.view);
    a->set_laterality(row.laterality);
    a->set_abnormality_type(row.abnormality);
    AddExtra("age", row.age, *a);
    if (!row.subtype.empty()) AddExtra("subtype", row.subtype, *a);
    return LesionOutcome(std::move(record), image, cv::Mat(), options_, decoded->notes);
  }

 private:
  const DatasetOptions& options_;
  const DicomFiles& files_;
};

class CaseConverter {
 public:
  CaseConverter(const DatasetOptions& options, const CaseFiles& files)
      : options_(options), files_(files) {}

  // The image file that `row` names, as Convert finds it; nullopt when the row does not parse
  // or no file is found (such rows share nothing).
  std::optional<std::string> ImageFile(const cbis::CaseRow& row) const {
    absl::StatusOr<cbis::CsvPath> image_path = cbis::ParseCsvPath(row.image_path);
    if (!image_path.ok()) return std::nullopt;
    absl::StatusOr<std::string> file = files_.FindImage(*image_path, row.image_path);
    if (!file.ok()) return std::nullopt;
    return *std::move(file);
  }

  // `image` carries the decoded and processed image from one row to the next when they name
  // the same file.
  Outcome Convert(const cbis::CaseRow& row, SharedImage& image) const {
    const std::string where = absl::StrCat(row.csv_name, ":", row.row);
    if (!row.malformed.empty()) {
      return Reject(where, "bad_csv_row", absl::StrCat(where, ": ", row.malformed));
    }
    absl::StatusOr<cbis::CsvPath> image_path = cbis::ParseCsvPath(row.image_path);
    if (!image_path.ok())
      return Reject(where, "bad_csv_row", std::string(image_path.status().message()));
    const std::string image_id = image_path->subject;
    const std::string id = absl::StrCat(image_id, "_", row.abnormality_id);
    Label label = LABEL_UNSPECIFIED;
    if (row.pathology == "BENIGN" || row.pathology == "BENIGN_WITHOUT_CALLBACK") label = BENIGN;
    if (row.pathology == "MALIGNANT") label = MALIGNANT;
    if (label == LABEL_UNSPECIFIED) {
      return Reject(id, "bad_csv_row",
                    absl::StrCat(where, ": unknown pathology '", row.pathology, "'"));
    }

    absl::StatusOr<std::string> image_file = files_.FindImage(*image_path, row.image_path);
    if (!image_file.ok())
      return Reject(id, "image_not_found", std::string(image_file.status().message()));
    const absl::StatusOr<DicomPixels>& decoded = image.Decode(*image_file, files_);
    if (!decoded.ok())
      return Reject(id, ReasonFor(decoded.status(), "image_not_found", files_.CorruptReason()),
                    std::string(decoded.status().message()));

    Outcome outcome;
    outcome.id = id;
    // The decoder's notes (frames dropped, a JPEG 2000 header mismatch) are logged once, with
    // the image's first record (SharedImage keeps no pixels, nor notes, after the first PNG).
    std::vector<std::string> warnings = decoded->notes;
    absl::StatusOr<cv::Mat> mask = files_.FindMask(row, image.size());
    if (!mask.ok()) return Reject(id, "mask_not_found", std::string(mask.status().message()));
    std::string rescaled;
    if (mask->size() != image.size()) {
      const std::string sizes =
          absl::StrCat("mask ", SizeText(mask->size()), ", image ", SizeText(image.size()));
      if (options_.mask_mismatch == MaskMismatch::kSkip)
        return Reject(id, "mask_size_mismatch", sizes);
      cv::Mat resized;
      cv::resize(*mask, resized, image.size(), 0, 0, cv::INTER_NEAREST);
      *mask = std::move(resized);
      rescaled = absl::StrCat(sizes, "; mask rescaled to the image (nearest neighbour)");
      warnings.push_back(absl::StrCat(id, ": ", rescaled));
    }
    outcome.warning = absl::StrJoin(warnings, "; ");

    Record record;
    record.set_id(id);
    record.set_lesion_id(id);
    record.set_image_id(image_id);
    record.set_patient_id(row.patient_id);
    record.set_label(label);
    record.set_pathology(row.pathology);
    record.set_split(row.split == "train" ? TRAIN : TEST);
    const absl::StatusOr<Image>& png = image.Png(options_.process);
    if (!png.ok()) return Reject(id, "encode_failed", std::string(png.status().message()));
    *record.mutable_image() = *png;
    absl::StatusOr<Image> mask_png = GreyPngImage(*mask);
    if (!mask_png.ok())
      return Reject(id, "encode_failed", std::string(mask_png.status().message()));
    *record.add_masks() = *std::move(mask_png);

    Attributes* a = record.mutable_attributes();
    a->set_view(row.view);
    a->set_laterality(row.laterality);
    a->set_breast_density(ToInt(row.breast_density));
    a->set_assessment(ToInt(row.assessment));
    a->set_subtlety(ToInt(row.subtlety));
    a->set_abnormality_type(row.abnormality_type);
    a->set_mass_shape(row.mass_shape);
    a->set_mass_margins(row.mass_margins);
    a->set_calc_type(row.calc_type);
    a->set_calc_distribution(row.calc_distribution);
    a->set_dataset_split(row.split);
    AddExtra("abnormality_id", row.abnormality_id, *a);

    AddProvenance(options_, record);
    if (!rescaled.empty()) {
      Parameter* parameter = record.mutable_provenance(0)->add_parameters();
      parameter->set_name("mask_rescaled");
      parameter->set_value(rescaled);
    }
    outcome.record = std::move(record);
    return outcome;
  }

 private:
  const DatasetOptions& options_;
  const CaseFiles& files_;
};

std::vector<std::pair<std::string, std::string>> StageParameters(const DatasetOptions& o) {
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"clahe", o.process.clahe ? "true" : "false"},
      {"clahe_clip", absl::StrCat(o.process.clahe_clip)},
      {"clahe_tiles", absl::StrCat(o.process.clahe_tiles)},
      {"mask_mismatch", o.mask_mismatch == MaskMismatch::kSkip ? "skip" : "rescale"},
      {"normalisation", "minmax"}};
  // Named only for the other datasets, so that the DICOM download's records and manifests stay
  // byte for byte those of earlier versions.
  if (o.dataset == DatasetKind::kKaggleCbis) parameters.push_back({"dataset", "kaggle_cbis"});
  if (o.dataset == DatasetKind::kMias) parameters.push_back({"dataset", "mias"});
  if (o.dataset == DatasetKind::kVindr) parameters.push_back({"dataset", "vindr"});
  if (o.dataset == DatasetKind::kInbreast) parameters.push_back({"dataset", "inbreast"});
  if (o.dataset == DatasetKind::kCmmd) parameters.push_back({"dataset", "cmmd"});
  if (o.dataset == DatasetKind::kBoxes) parameters.push_back({"dataset", "boxes"});
  if (o.split.has_value()) {
    parameters.push_back({"split", absl::AsciiStrToLower(Split_Name(*o.split))});
  }
  std::sort(parameters.begin(), parameters.end());
  return parameters;
}

// --rejects, else "<output prefix>.rejects.tsv"; the output's folder is created then, since a
// long run should not fail at the end for want of it.
absl::StatusOr<std::string> RejectsPath(const DatasetOptions& options) {
  if (!options.rejects.empty()) return options.rejects;
  if (options.output == kStdioName) {
    return absl::InvalidArgumentError("--rejects is required when --output is -");
  }
  absl::StatusOr<ShardSetSpec> spec = ParseShardSetSpec(options.output);
  if (!spec.ok())
    return absl::InvalidArgumentError(absl::StrCat("--output: ", spec.status().message()));
  const std::filesystem::path folder = std::filesystem::path(spec->prefix).parent_path();
  std::error_code error;
  if (!folder.empty() && !std::filesystem::create_directories(folder, error) && error) {
    return absl::PermissionDeniedError(
        absl::StrCat("--output: cannot create ", folder.string(), ": ", error.message()));
  }
  return spec->prefix + ".rejects.tsv";
}

// The case CSVs that --csv names, else, for the Kaggle copy, those of its csv/ folder.
absl::StatusOr<std::vector<std::string>> CsvFiles(const DatasetOptions& options) {
  if (!options.csv_files.empty()) return options.csv_files;
  if (options.dataset != DatasetKind::kKaggleCbis) {
    return absl::InvalidArgumentError("--csv is required in dataset mode");
  }
  std::vector<std::string> found;
  for (const char* kind : {"mass", "calc"}) {
    for (const char* split : {"train", "test"}) {
      const std::filesystem::path path =
          std::filesystem::path(options.root) / "csv" /
          absl::StrCat(kind, "_case_description_", split, "_set.csv");
      std::error_code error;
      if (std::filesystem::is_regular_file(path, error)) found.push_back(path.string());
    }
  }
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no *_case_description_*_set.csv in ", options.root, "/csv"));
  }
  return found;
}

absl::StatusOr<std::vector<cbis::CaseRow>> ReadRows(const std::vector<std::string>& csv_files) {
  std::vector<cbis::CaseRow> rows;
  for (const std::string& csv : csv_files) {
    ASSIGN_OR_RETURN(std::vector<cbis::CaseRow> file_rows, cbis::ReadCaseCsv(csv));
    for (cbis::CaseRow& row : file_rows) rows.push_back(std::move(row));
  }
  return rows;
}

// The unit of work is a run of consecutive rows that name the same image file (an image's
// abnormalities are consecutive rows in CBIS-DDSM and in MIAS's Info.txt), so that the image is
// processed once. Returns each unit's first row, then rows.size().
template <typename Row, typename Converter>
std::vector<size_t> UnitStarts(const std::vector<Row>& rows, const Converter& converter) {
  std::vector<size_t> starts;
  std::optional<std::string> previous_file;
  for (size_t i = 0; i < rows.size(); ++i) {
    std::optional<std::string> file = converter.ImageFile(rows[i]);
    if (i == 0 || !file.has_value() || file != previous_file) starts.push_back(i);
    previous_file = std::move(file);
  }
  starts.push_back(rows.size());
  return starts;
}

// Takes the outcomes in row order: writes the records, rejects repeated ids, logs warnings
// and collects the rejects file's lines.
class OutcomeWriter {
 public:
  OutcomeWriter(ShardWriter& writer, std::optional<Split> split, DatasetSummary& summary,
                std::ostream& log)
      : writer_(writer), split_(split), summary_(summary), log_(log) {}

  // `where` names the row ("FILE:ROW") for a repeated id.
  absl::Status Take(Outcome outcome, const std::string& where) {
    if (outcome.record.has_value() && !ids_.insert(outcome.id).second) {
      outcome = Reject(outcome.id, "duplicate_id", absl::StrCat(where, " repeats the id"));
    }
    if (outcome.record.has_value() && split_.has_value()) outcome.record->set_split(*split_);
    if (!outcome.warning.empty()) log_ << kTool << ": warning: " << outcome.warning << "\n";
    if (outcome.record.has_value()) {
      RETURN_IF_ERROR(writer_.Write(*outcome.record));
      ++summary_.written;
    } else {
      ++summary_.rejected[outcome.reason];
      absl::StrAppend(&rejects_, RejectsLine(outcome.id, outcome.reason, outcome.detail));
    }
    return absl::OkStatus();
  }

  const std::string& rejects() const { return rejects_; }

 private:
  ShardWriter& writer_;
  const std::optional<Split> split_;  // --split
  DatasetSummary& summary_;
  std::ostream& log_;
  std::set<std::string> ids_;
  std::string rejects_ = kRejectsHeader;
};

// The row's place, for messages.
std::string Where(const cbis::CaseRow& row) { return absl::StrCat(row.csv_name, ":", row.row); }
std::string Where(const MiasRow& row) { return row.where; }
std::string Where(const VindrRow& row) { return row.where; }
std::string Where(const BoxRow& row) { return row.where; }
std::string Where(const InbreastRow& row) { return row.where; }
std::string Where(const CmmdRow& row) { return row.where; }

// Writes the records of `rows` (CBIS-DDSM CSV rows or Info.txt rows, through `converter`), then
// the rejects file and the summary line; the summary's counts are filled in. With --strict,
// fails when any row was rejected, after everything has been written.
template <typename Row, typename Converter>
absl::Status WriteRecords(const DatasetOptions& options, const std::vector<Row>& rows,
                          const Converter& converter, DatasetSummary& summary, std::ostream& log) {
  const int threads = std::max(1, options.threads);
  StageInfo stage{kTool, kTool, std::string(cli::kVersion), StageParameters(options)};
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer,
                   ShardWriter::Open(options.output, stage, options.task));
  const std::vector<size_t> unit_starts = UnitStarts(rows, converter);
  // A task converts its slice of the units (lib/records/task.h); a unit's records do not
  // depend on which task converts it.
  const auto [first_unit, end_unit] = options.task.Slice(unit_starts.size() - 1);

  // Units converted in parallel, at most 2 per thread ahead of the writer, and taken in row
  // order: the output does not depend on the thread count, and at most that many decoded
  // images are held at once.
  cli::Progress progress("cases", unit_starts[end_unit] - unit_starts[first_unit]);
  OutcomeWriter outcomes(*writer, options.split, summary, log);
  RETURN_IF_ERROR(OrderedMapIndices<std::vector<Outcome>>(
      {threads, 2 * static_cast<size_t>(threads)}, end_unit - first_unit,
      [&](size_t k) -> absl::StatusOr<std::vector<Outcome>> {
        std::vector<Outcome> unit;
        SharedImage image;
        for (size_t i = unit_starts[first_unit + k]; i < unit_starts[first_unit + k + 1]; ++i) {
          unit.push_back(converter.Convert(rows[i], image));
        }
        return unit;
      },
      [&](size_t k, std::vector<Outcome> unit) -> absl::Status {
        for (size_t j = 0; j < unit.size(); ++j) {
          RETURN_IF_ERROR(
              outcomes.Take(std::move(unit[j]), Where(rows[unit_starts[first_unit + k] + j])));
          progress.Add(1);
        }
        return absl::OkStatus();
      }));
  progress.Finish();
  RETURN_IF_ERROR(writer->Close());
  RETURN_IF_ERROR(WriteFileAtomically(summary.rejects_path, outcomes.rejects()));
  log << kTool << ": " << SummaryLine(summary, options.output) << "\n";
  uint64_t rejected = 0;
  for (const auto& entry : summary.rejected) rejected += entry.second;
  if (options.strict && rejected > 0) {
    return absl::DataLossError(
        absl::StrCat(rejected, " cases rejected and --strict is set; see ", summary.rejects_path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateProcessOptions(const ProcessOptions& options) {
  if (!(options.clahe_clip > 0)) return absl::InvalidArgumentError("--clahe_clip must be above 0");
  if (options.clahe_tiles < 1 || options.clahe_tiles > 64) {
    return absl::InvalidArgumentError("--clahe_tiles must be within 1..64");
  }
  if (options.read.max_pixels == 0) {
    return absl::InvalidArgumentError("--max_pixels must be above 0");
  }
  if (options.read.frame < 1) return absl::InvalidArgumentError("--frame counts from 1");
  return absl::OkStatus();
}

cv::Mat ProcessPixels(const DicomPixels& image, const ProcessOptions& options) {
  cv::Mat grey = MinMaxTo8Bit(image.pixels, image.padding);
  return options.clahe ? ApplyClahe(grey, options.clahe_clip, options.clahe_tiles) : grey;
}

absl::Status ConvertFile(const std::string& input, const std::string& output,
                         const FileOptions& options, std::ostream& log) {
  RETURN_IF_ERROR(ValidateProcessOptions(options.process));
  if (options.bits != 8 && options.bits != 16)
    return absl::InvalidArgumentError("--bits must be 8 or 16");
  if (options.bits == 16 && (options.process.clahe || options.voi)) {
    return absl::InvalidArgumentError(
        "--bits=16 writes the stored values and cannot go with --clahe or --voi");
  }
  cv::Mat out;
  if (options.voi) {
    ASSIGN_OR_RETURN(std::optional<cv::Mat> windowed, ReadDicomVoi(input, options.process.read));
    if (windowed.has_value()) {
      out = options.process.clahe
                ? ApplyClahe(*windowed, options.process.clahe_clip, options.process.clahe_tiles)
                : *windowed;
    } else {
      log << kTool << ": note: " << input << " has no VOI window or LUT; using min-max\n";
    }
  }
  if (out.empty()) {
    ASSIGN_OR_RETURN(DicomPixels image, ReadDicomPixels(input, options.process.read));
    for (const std::string& note : image.notes) log << kTool << ": warning: " << note << "\n";
    if (options.bits == 16) {
      image.pixels.convertTo(out, CV_16U);
    } else {
      out = ProcessPixels(image, options.process);
    }
  }
  ASSIGN_OR_RETURN(std::string png, EncodeGreyPng(out));
  return WriteFileAtomically(output, png);
}

const char kUsage[] = R"(Usage: dcm2png [OPTION]... IN.dcm OUT.png
       dcm2png --csv CSV [--csv CSV]... --root DIR --output SPEC [OPTION]...

One-file mode converts a DICOM image (uncompressed or deflated, RLE, JPEG, JPEG-LS,
JPEG 2000, HTJ2K; MONOCHROME1 is inverted) to PNG: 8-bit min-max by default,
out = round(255 * (v - min) / (max - min)) over the image's own values, halves rounded
up; pixels equal to the file's Pixel Padding Value are left out of min and max and
become 0 (both modes). --clahe then applies CLAHE; the paper gives no CLAHE parameters,
so --clahe_clip 2.0 (the clip commonly used for mammography) and --clahe_tiles 8
(OpenCV's grid) are ours; --bits 16 keeps the stored values; --voi uses the file's window
or VOI LUT. OUT.png is written under a temporary name and renamed. Other syntaxes
(MPEG, JPEG XL, ...) are refused with their name. Colour files are refused unless
--colour luma (then Y = 0.299 R + 0.587 G + 0.114 B); multi-frame files give frame
--frame (1 by default) and a warning naming what was dropped.

Dataset mode reads CBIS-DDSM case description CSVs (mass or calc), finds the DICOM files
under --root by the UIDs and PatientID in their headers (the CSV's layout or an NBIA
download), and writes one record per CSV row (an image and one abnormality): the
processed 8-bit image, its 0/255 ROI mask (told from the crop by its pixels), label,
split (from the CSV name), ids and attributes. Cases that cannot be converted (corrupt
or missing DICOM, no mask, mask size mismatch with --mask_mismatch=skip, ...) go to
OUTPUT_PREFIX.rejects.tsv (id, reason, detail) and the run goes on; a summary line ends it.
Exit status 0 even with rejects, unless --strict (then 2).

--dataset kaggle_cbis reads the Kaggle JPEG copy instead (data_formats/datasets/kaggle_cbis.md):
the case CSVs of ROOT/csv (or --csv), whose UIDs lead through ROOT/csv/dicom_info.csv to
ROOT/jpeg/<SeriesInstanceUID>/*.jpg; the mask is the file that dicom_info.csv calls a ROI
mask, thresholded at 128 (JPEG blurs its edges). Same records; truncated JPEGs are rejected.

--dataset mias reads mini-MIAS (data_formats/datasets/mias.md): ROOT/Info.txt and
ROOT/all-mias/mdbNNN.pgm; one record per lesion row (id mdbNNN_<row of the ref>), label from
severity B/M, patient (N + 1) / 2, the mask the disc of the row's centre and radius with y
counted from the bottom. NORM rows, rows without a centre and malformed rows are rejected.

--dataset inbreast reads INbreast (data_formats/datasets/inbreast.md): ROOT/INbreast.csv
(';'-separated, BI-RADS per image), ROOT/AllXML/<File Name>.xml (OsiriX plist outlines) and
ROOT/AllDICOMs/<File Name>_<patient>_MG_*.dcm; one record per outline ROI (id
<File Name>_<ROI from 1>), label from BI-RADS (1-3: BENIGN, 4a-6: MALIGNANT, the string kept),
the mask the filled outline, the patient the DICOM name's hash, no split. Images without an XML,
point ROIs, outlines outside the image and malformed XML or CSV rows are rejected.

--dataset cmmd reads CMMD (data_formats/datasets/cmmd.md): ROOT/CMMD_clinicaldata_revision.csv
(the spreadsheet saved as CSV, ',' or ';') and every *.dcm under ROOT; one record per image
(id <ID1>_<L|R>_<CC|MLO>), the side and view from the header (ImageLaterality,
ViewCodeSequence), label from the breast's classification, NO mask (CMMD has no lesion
location: roicrop rejects these records as no_mask). Images of a breast without a row are
rejected as unlabelled, rows without images as image_not_found.

--dataset vindr reads VinDr-Mammo (data_formats/datasets/vindr.md): ROOT/finding_annotations.csv
and ROOT/images/<study_id>/<image_id>.dicom; one record per box with a finding BI-RADS (3:
BENIGN, 4 and 5: MALIGNANT, a suspicion label, not pathology), the mask the filled box, the
split the official one, the patient the study. No Finding rows and boxes without BI-RADS are
rejected.

--dataset boxes --csv ROIS.csv reads lesions marked on new images (pipelines/predict.mk): columns
file,x,y,width,height[,id][,patient], file a DICOM path under --root, the box in pixels from the
top-left, or file,mask[,id][,patient], mask a DICOM of the image's size whose nonzero pixels are
the lesion; one unlabelled record per row (split none), the mask the filled box or the mask
DICOM's; a box not wholly inside its image, a mask of another size or without a lesion pixel
are rejected.

Examples:
  dcm2png --clahe 1-1.dcm 1-1.png            min-max and CLAHE, 8 bits
  dcm2png --bits 16 in.dcm out.png            the stored values, 16 bits
  dcm2png --frame 3 --colour luma us.dcm 3.png  frame 3 of a colour cine, as grey
  dcm2png --clahe --csv mass_case_description_train_set.csv \
    --csv mass_case_description_test_set.csv --root CBIS-DDSM --output out/full@8
  dcm2png --dataset kaggle_cbis --root cbis-ddsm-kaggle --output out/full@8
  dcm2png --dataset mias --root MIAS-data --output out/mias@1
  dcm2png --dataset vindr --root vindr-mammo --output out/vindr@8
  dcm2png --clahe --dataset boxes --csv rois.csv --root new_dicoms --output out/new@1
  dcm2png --dataset inbreast --root INbreast --output out/inbreast@4
  dcm2png --dataset cmmd --root CMMD --output out/cmmd@8)";

absl::StatusOr<ColourMode> ParseColourMode(const std::string& text) {
  if (text == "refuse") return ColourMode::kRefuse;
  if (text == "luma") return ColourMode::kLuma;
  return absl::InvalidArgumentError(
      absl::StrCat("--colour must be refuse or luma, not '", text, "'"));
}

absl::StatusOr<DatasetKind> ParseDatasetKind(const std::string& text) {
  if (text == "cbis") return DatasetKind::kCbis;
  if (text == "kaggle_cbis") return DatasetKind::kKaggleCbis;
  if (text == "mias") return DatasetKind::kMias;
  if (text == "vindr") return DatasetKind::kVindr;
  if (text == "inbreast") return DatasetKind::kInbreast;
  if (text == "cmmd") return DatasetKind::kCmmd;
  if (text == "boxes") return DatasetKind::kBoxes;
  return absl::InvalidArgumentError(absl::StrCat(
      "--dataset must be cbis, kaggle_cbis, mias, vindr, inbreast, cmmd or boxes, not '", text,
      "'"));
}

absl::StatusOr<MaskMismatch> ParseMaskMismatch(const std::string& text) {
  if (text == "rescale") return MaskMismatch::kRescale;
  if (text == "skip") return MaskMismatch::kSkip;
  return absl::InvalidArgumentError(
      absl::StrCat("--mask_mismatch must be rescale or skip, not '", text, "'"));
}

absl::StatusOr<std::optional<Split>> ParseSplitOverride(const std::string& text) {
  if (text == "dataset") return std::nullopt;
  if (text == "train") return TRAIN;
  if (text == "valid") return VALID;
  if (text == "test") return TEST;
  if (text == "none") return SPLIT_NONE;
  return absl::InvalidArgumentError(
      absl::StrCat("--split must be dataset, train, valid, test or none, not '", text, "'"));
}

std::string SummaryLine(const DatasetSummary& summary, const std::string& output) {
  uint64_t rejected = 0;
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : summary.rejected) {
    rejected += count;
    reasons.push_back(absl::StrCat(reason, " ", count));
  }
  std::string line =
      absl::StrCat("wrote ", summary.written, " records to ", output, "; rejected ", rejected);
  if (!reasons.empty()) absl::StrAppend(&line, " (", absl::StrJoin(reasons, ", "), ")");
  if (summary.unreadable_files > 0) {
    absl::StrAppend(&line, "; ", summary.unreadable_files, " unreadable files under --root");
  }
  absl::StrAppend(&line, "; rejects in ", summary.rejects_path);
  return line;
}

absl::StatusOr<DatasetSummary> ConvertDataset(const DatasetOptions& options, std::ostream& log) {
  RETURN_IF_ERROR(ValidateProcessOptions(options.process));
  if (options.root.empty()) return absl::InvalidArgumentError("--root is required in dataset mode");
  if (options.output.empty())
    return absl::InvalidArgumentError("--output is required in dataset mode");
  DatasetSummary summary;
  ASSIGN_OR_RETURN(summary.rejects_path, RejectsPath(options));
  if (options.dataset != DatasetKind::kCbis && options.dataset != DatasetKind::kKaggleCbis &&
      options.dataset != DatasetKind::kBoxes && !options.csv_files.empty()) {
    return absl::InvalidArgumentError("--csv belongs to cbis, kaggle_cbis and boxes");
  }
  if (options.dataset == DatasetKind::kCmmd) {
    ASSIGN_OR_RETURN(const std::vector<CmmdRow> rows, ReadCmmd(options.root));
    const DicomFiles files(options);
    RETURN_IF_ERROR(WriteRecords(options, rows, CmmdConverter(options, files), summary, log));
    return summary;
  }
  if (options.dataset == DatasetKind::kInbreast) {
    ASSIGN_OR_RETURN(const std::vector<InbreastRow> rows, ReadInbreast(options.root));
    const DicomFiles files(options);
    RETURN_IF_ERROR(WriteRecords(options, rows, InbreastConverter(options, files), summary, log));
    return summary;
  }
  if (options.dataset == DatasetKind::kBoxes) {
    if (options.csv_files.size() != 1) {
      return absl::InvalidArgumentError("--dataset boxes takes one --csv: the boxes' CSV");
    }
    ASSIGN_OR_RETURN(const std::vector<BoxRow> rows, ReadBoxRows(options.csv_files[0]));
    const DicomFiles files(options);
    RETURN_IF_ERROR(WriteRecords(options, rows, BoxConverter(options, files), summary, log));
    return summary;
  }
  if (options.dataset == DatasetKind::kVindr) {
    ASSIGN_OR_RETURN(
        const std::vector<VindrRow> rows,
        ReadVindrFindings(
            (std::filesystem::path(options.root) / "finding_annotations.csv").string()));
    const VindrFiles files(options);
    RETURN_IF_ERROR(WriteRecords(options, rows, VindrConverter(options, files), summary, log));
    return summary;
  }
  if (options.dataset == DatasetKind::kMias) {
    ASSIGN_OR_RETURN(const std::vector<MiasRow> rows,
                     ReadMiasInfo((std::filesystem::path(options.root) / "Info.txt").string()));
    const MiasFiles files(options);
    RETURN_IF_ERROR(WriteRecords(options, rows, MiasConverter(options, files), summary, log));
    return summary;
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> csv_files, CsvFiles(options));
  ASSIGN_OR_RETURN(const std::vector<cbis::CaseRow> rows, ReadRows(csv_files));
  std::optional<cbis::DicomIndex> index;
  std::unique_ptr<CaseFiles> files;
  if (options.dataset == DatasetKind::kKaggleCbis) {
    ASSIGN_OR_RETURN(std::unique_ptr<KaggleCaseFiles> kaggle, KaggleCaseFiles::Load(options));
    for (const std::string& bad : kaggle->bad_rows()) log << kTool << ": warning: " << bad << "\n";
    files = std::move(kaggle);
  } else {
    ASSIGN_OR_RETURN(index, cbis::DicomIndex::Build(options.root, std::max(1, options.threads)));
    summary.unreadable_files = index->unreadable().size();
    files = std::make_unique<DicomCaseFiles>(options, *index);
  }
  RETURN_IF_ERROR(WriteRecords(options, rows, CaseConverter(options, *files), summary, log));
  return summary;
}

}  // namespace mammo::dcm2png
