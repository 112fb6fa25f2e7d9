// dcm2png: DICOM mammograms to 8-bit (or 16-bit) PNG, one file at a time or a whole
// CBIS-DDSM download to mammo.Record shards.
//
// Processing (the paper's): min-max normalisation of the stored values to 0..255 with the
// image's own minimum and maximum, padding excluded (lib/image/normalize.h gives the exact
// rounding), then, with `clahe`, OpenCV's CLAHE with clip limit `clahe_clip` on a
// `clahe_tiles` x `clahe_tiles` grid. Decoding rules (MONOCHROME1, signed pixels, transfer
// syntaxes) are those of lib/dicom/dicom.h.
//
// Dataset mode writes one record per (full image, abnormality) pair, i.e. per CSV row:
//   id = lesion_id = "<image folder>_<abnormality id>" (e.g. Mass-Training_P_00001_LEFT_CC_1)
//   image_id = the image folder (e.g. Mass-Training_P_00001_LEFT_CC), patient_id = P_00001
//   label BENIGN (BENIGN, BENIGN_WITHOUT_CALLBACK) or MALIGNANT; pathology as in the CSV
//   split TRAIN or TEST from the CSV file name (also attributes.dataset_split)
//   image = the processed 8-bit PNG; masks = [the 0/255 ROI mask, 8-bit PNG, image-sized]
//   attributes from the CSV; provenance {dcm2png, dcm2png, version, parameters}.
// An image with several abnormalities thus appears in several records, each with one mask:
// a record is one labelled lesion, which is what the classifier consumes. The image is
// decoded and processed once for its consecutive rows, and its records share the PNG bytes.
// Files are found by UIDs read from the DICOM headers under --root (the CSV paths give the
// study/series UIDs and the subject; the path itself is only a last resort), so the CSV
// layout and an NBIA download give the same records. The mask is told from the crop by its
// pixels: among the files of the abnormality (the series named in the crop and mask columns
// and the files whose PatientID is the abnormality folder) the mask is the 8-bit file that
// holds only 0 and 255, preferring one of the full image's size.
// With `dataset` kKaggleCbis the same records come from the Kaggle JPEG copy
// (data_formats/datasets/kaggle_cbis.md): the rows' series UIDs are looked up in
// ROOT/csv/dicom_info.csv, whose image_path names ROOT/jpeg/<SeriesInstanceUID>/<file>.jpg
// (its "CBIS-DDSM/" prefix dropped); the mask is the row that dicom_info.csv calls a ROI mask,
// in either the mask or the crop column's series, thresholded at 128 since JPEG blurs its
// edges; a truncated JPEG (no end-of-image marker) is rejected as corrupt_jpeg.
// With `dataset` kMias, mini-MIAS (data_formats/datasets/mias.md): one record per lesion row of
// ROOT/Info.txt, image ROOT/all-mias/<ref>.pgm:
//   id = lesion_id = "<ref>_<n>", n the row's place among its ref's rows (mdb005_1, mdb005_2)
//   image_id = ref, patient_id = "mias_<(N + 1) / 2>" for mdbN (films come in pairs)
//   label from severity B or M, pathology = that letter, split SPLIT_NONE (no official split)
//   masks = [the disc of Info.txt's centre and radius, y flipped (MIAS counts from the bottom)]
//   attributes: laterality from parity, abnormality_type = class, extra background_tissue,
//   mias_x, mias_y, mias_radius as written.
// NORM rows (normal_image), CALC rows without a centre (no_coordinates), malformed rows
// (bad_info_row) and centres outside the image (box_outside_image) are rejected with the line.
// With `dataset` kVindr, VinDr-Mammo (data_formats/datasets/vindr.md): one record per row of
// ROOT/finding_annotations.csv with a finding BI-RADS, image
// ROOT/images/<study_id>/<image_id>.dicom:
//   id = lesion_id = "<image_id>_<n>", n the row's place among its image's rows
//   image_id = image_id, patient_id = study_id (VinDr has no patient id)
//   label BENIGN for BI-RADS 3, MALIGNANT for 4 and 5; pathology the BI-RADS string
//   split TRAIN or TEST from the official split (also attributes.dataset_split)
//   masks = [the box filled, [floor(xmin), ceil(xmax)) x [floor(ymin), ceil(ymax)), clipped]
//   attributes: view, laterality, density 1-4, assessment, abnormality_type = the categories.
// No Finding rows (no_finding), boxes without BI-RADS (no_birads), malformed rows
// (bad_csv_row) and boxes outside the image (box_outside_image) are rejected with the line.
// With `dataset` kInbreast, INbreast (data_formats/datasets/inbreast.md): one record per outline
// ROI of ROOT/AllXML/<File Name>.xml, for each row of ROOT/INbreast.csv (';'-separated), image
// ROOT/AllDICOMs/<File Name>_<patient hash>_MG_<side>_<view>_ANON.dcm:
//   id = lesion_id = "<File Name>_<n>", n the ROI's place in its XML from 1
//   image_id = File Name, patient_id = the DICOM name's hash
//   label BENIGN for BI-RADS 1-3, MALIGNANT for 4a-4c, 5, 6 (a suspicion label: INbreast's
//   files carry no pathology); pathology the Bi-Rads string; split SPLIT_NONE (none official)
//   masks = [the outline (Point_px) filled, vertices rounded, on the DICOM's size]
//   attributes: view, laterality, density (ACR), assessment, abnormality_type = the ROI's Name.
// Images without an XML (no_outline), malformed CSV rows (bad_csv_row), XML that does not parse
// (bad_xml, the file and line), ROIs of fewer than 3 points (no_polygon), outlines reaching
// outside the image (outline_outside_image, the file, line and ROI) and images missing from
// AllDICOMs (image_not_found) are rejected.
// With `dataset` kCmmd, CMMD (data_formats/datasets/cmmd.md): one record per DICOM under ROOT
// whose patient and breast have a row in ROOT/CMMD_clinicaldata_revision.csv (',' or ';'):
//   id = image_id = "<ID1>_<L|R>_<CC|MLO>" (one image per breast and view), lesion_id the same
//   patient_id = ID1; the side from ImageLaterality, the view from ViewCodeSequence (never the
//   file order); label from classification (Benign, Malignant), pathology the string
//   split SPLIT_NONE; masks = [] (no lesion location: roicrop rejects the records as no_mask)
//   attributes: view, laterality, abnormality_type = abnormality, extra age and subtype.
// Malformed or repeated rows (bad_csv_row), rows without images (image_not_found), images of a
// breast without a row (unlabelled_breast) and images without side or view (no_laterality) are
// rejected.
// With `dataset` kBoxes, boxes drawn on new images for prediction (tools/dcm2png/roi_boxes.h):
// one record per row of the one CSV file, image ROOT/<file>, id, lesion_id = the id column or
// "<file>_<n>", image_id = file, patient_id = the patient column, no label, split SPLIT_NONE,
// masks = [the box filled], attributes.extra box = "x y width height"; boxes not wholly inside
// the image are rejected (box_outside_image), as are malformed rows (bad_csv_row).
// Cases that cannot be converted go to the rejects file ("id<TAB>reason: detail") and are
// counted by reason in the summary line; the run goes on. With `strict`, any reject makes
// the run fail (exit 2) after everything has been written.
#ifndef MAMMO_TOOLS_DCM2PNG_DCM2PNG_LIB_H_
#define MAMMO_TOOLS_DCM2PNG_DCM2PNG_LIB_H_

#include <cstdint>
#include <map>
#include <opencv2/core.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"
#include "lib/dicom/dicom.h"
#include "lib/records/task.h"

namespace mammo::dcm2png {

// The --help text.
extern const char kUsage[];

// --colour: "refuse" or "luma".
absl::StatusOr<ColourMode> ParseColourMode(const std::string& text);

struct ProcessOptions {
  bool clahe = false;
  double clahe_clip = 2.0;
  int clahe_tiles = 8;
  DicomReadOptions read;  // --max_pixels, --frame, --colour
};

// Checks the ranges of the processing flags; InvalidArgument naming the flag.
absl::Status ValidateProcessOptions(const ProcessOptions& options);

// Min-max to 8 bits, then CLAHE when asked.
cv::Mat ProcessPixels(const DicomPixels& image, const ProcessOptions& options);

struct FileOptions {
  ProcessOptions process;
  int bits = 8;      // 16: the stored values as they are (after lib/dicom's changes), no processing
  bool voi = false;  // the file's first window or VOI LUT instead of min-max, when it has one
};

// One-file mode: `output` ("-" for stdout) is written under a temporary name and renamed.
// Notes (a missing VOI) go to `log`.
absl::Status ConvertFile(const std::string& input, const std::string& output,
                         const FileOptions& options, std::ostream& log);

// --dataset: cbis (the DICOM download, NBIA or CSV layout), kaggle_cbis (the JPEG copy), mias
// (mini-MIAS), vindr (VinDr-Mammo), inbreast (INbreast), cmmd (CMMD) or boxes (boxes on new
// images, tools/dcm2png/roi_boxes.h).
enum class DatasetKind { kCbis, kKaggleCbis, kMias, kVindr, kInbreast, kCmmd, kBoxes };
absl::StatusOr<DatasetKind> ParseDatasetKind(const std::string& text);

enum class MaskMismatch { kRescale, kSkip };
absl::StatusOr<MaskMismatch> ParseMaskMismatch(const std::string& text);

// --split: "dataset" (nullopt: each record keeps its dataset's split), or train, valid, test or
// none for every record, as external validation needs (a whole dataset trained or tested on).
absl::StatusOr<std::optional<Split>> ParseSplitOverride(const std::string& text);

struct DatasetOptions {
  DatasetKind dataset = DatasetKind::kCbis;
  std::vector<std::string>
      csv_files;  // kKaggleCbis: empty for those in ROOT/csv; kBoxes: the one boxes CSV
  std::string root;
  std::string output;   // shard spec, e.g. out/full@8, or "-"
  std::string rejects;  // empty: <output prefix>.rejects.tsv (required when output is "-")
  int threads = 1;
  MaskMismatch mask_mismatch = MaskMismatch::kRescale;
  // Every record's split, in place of its dataset's (which attributes.dataset_split keeps).
  std::optional<Split> split;
  bool strict = false;
  ProcessOptions process;
  // One task of an array job (lib/records/task.h): every task indexes all of --root and
  // converts its slice of the CSV rows (rows sharing an image stay together); its rejects go
  // to its own part's rejects.tsv.
  Task task;
};

struct DatasetSummary {
  uint64_t written = 0;
  std::map<std::string, uint64_t> rejected;  // by reason
  uint64_t unreadable_files = 0;             // files under --root whose header did not read
  std::string rejects_path;
};

// "wrote N records to SPEC; rejected M (reason K, ...); U unreadable files under --root; rejects in
// PATH"
std::string SummaryLine(const DatasetSummary& summary, const std::string& output);

// Dataset mode. Warnings (rescaled masks) and, at the end, the summary line go to `log`.
// At most 2 x threads images are in memory at once; records are written in CSV order (files
// in the order given, rows in file order) whatever the thread count.
absl::StatusOr<DatasetSummary> ConvertDataset(const DatasetOptions& options, std::ostream& log);

}  // namespace mammo::dcm2png

#endif  // MAMMO_TOOLS_DCM2PNG_DCM2PNG_LIB_H_
