#include "tools/synth/synth_lib.h"

#include <dcmtk/dcmdata/dctk.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/dicom/encapsulated.h"
#include "lib/dicom/j2k.h"
#include "lib/io/byte_io.h"
#include "lib/parallel/ordered_map.h"
#include "lib/status/status_macros.h"
#include "tools/synth/synth_cmmd.h"
#include "tools/synth/synth_inbreast.h"
#include "tools/synth/synth_mias.h"
#include "tools/synth/synth_render.h"
#include "tools/synth/synth_vindr.h"

namespace mammo::synth {
namespace {

namespace fs = std::filesystem;

constexpr char kSecondaryCaptureSopClass[] = "1.2.840.10008.5.1.4.1.1.7";

absl::Status Put(DcmItem& dataset, const DcmTagKey& key, const std::string& value,
                 const std::string& path) {
  const OFCondition status = dataset.putAndInsertString(key, value.c_str());
  if (status.bad()) return absl::InternalError(absl::StrCat(path, ": DICOM tag: ", status.text()));
  return absl::OkStatus();
}

// Where a file of this run goes; stale copies of files a trap leaves out are removed, so
// that "missing" means missing even in a reused folder.
absl::StatusOr<std::string> Prepare(const std::string& root, const std::string& relative) {
  const fs::path path = fs::path(root) / relative;
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path.parent_path().string(), ": ", error.message()));
  return path.string();
}

absl::Status RemoveStale(const std::string& root, const std::string& relative) {
  std::error_code error;
  fs::remove(fs::path(root) / relative, error);
  if (error)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot remove ", relative, ": ", error.message()));
  return absl::OkStatus();
}

// The Kaggle copy's files: 8-bit JPEG. 16-bit pixels are min-max scaled first, since how the
// copy was windowed from its DICOMs is not known (data_formats/datasets/kaggle_cbis.md); the
// 0/255 masks go through the lossy coder as they are, as in the copy.
absl::Status WriteJpeg(const std::string& path, const cv::Mat& pixels, bool truncate) {
  cv::Mat grey = pixels;
  if (pixels.depth() != CV_8U) cv::normalize(pixels, grey, 0, 255, cv::NORM_MINMAX, CV_8U);
  std::vector<uchar> bytes;
  if (!cv::imencode(".jpg", grey, bytes, {cv::IMWRITE_JPEG_QUALITY, 90})) {
    return absl::InternalError(absl::StrCat(path, ": JPEG encoding failed"));
  }
  const size_t keep = truncate ? bytes.size() * 6 / 10 : bytes.size();
  return WriteFileAtomically(path,
                             absl::string_view(reinterpret_cast<const char*>(bytes.data()), keep));
}

// One file of the data set, as DICOM or, in the Kaggle layout, as JPEG.
absl::Status WriteFile(const SynthOptions& options, const std::string& path, const cv::Mat& pixels,
                       const DicomTags& tags, const DicomEncoding& encoding) {
  if (options.layout == Layout::kKaggleCbis) return WriteJpeg(path, pixels, encoding.truncate);
  return WriteDicom(path, pixels, tags, encoding);
}

// Renders one image and writes its full image, crops and masks.
absl::Status WriteImage(const SynthOptions& options, const Image& image,
                        std::vector<cv::Rect>& boxes) {
  const RenderedImage rendered = Render(image);
  for (size_t j = 0; j < image.abnormalities.size(); ++j) {
    const Abnormality& a = image.abnormalities[j];
    const RenderedRoi& roi = rendered.rois[j];
    boxes.push_back(roi.bbox);
    const FilePaths paths = PathsFor(options.layout, image, a);
    if (j == 0) {
      if (image.missing) {
        RETURN_IF_ERROR(RemoveStale(options.output, paths.image));
      } else {
        ASSIGN_OR_RETURN(const std::string path, Prepare(options.output, paths.image));
        RETURN_IF_ERROR(WriteFile(
            options, path, rendered.pixels,
            {image.Subject(), image.study_uid, image.series_uid, image.sop_uid, kSeriesFull, 1},
            {.truncate = image.corrupt, .jpeg2000 = options.jpeg2000}));
      }
    }
    const std::string roi_subject = absl::StrCat(image.Subject(), "_", a.id);
    // In a shared series both files carry the series' description, as in the real set,
    // where the description does not tell a crop from a mask.
    const char* crop_description = a.mask_in_crop_series ? kSeriesMask : kSeriesCrop;
    ASSIGN_OR_RETURN(const std::string crop_path, Prepare(options.output, paths.crop));
    RETURN_IF_ERROR(WriteFile(
        options, crop_path, roi.crop,
        {roi_subject, a.roi_study_uid, a.crop_series_uid, a.crop_sop_uid, crop_description, 1},
        {.jpeg2000 = options.jpeg2000}));
    if (a.HasTrap(kTrapMissingMask)) {
      RETURN_IF_ERROR(RemoveStale(options.output, paths.mask));
      continue;
    }
    ASSIGN_OR_RETURN(const std::string mask_path, Prepare(options.output, paths.mask));
    RETURN_IF_ERROR(WriteFile(options, mask_path, roi.mask,
                              {roi_subject, a.roi_study_uid, a.mask_series_uid, a.mask_sop_uid,
                               kSeriesMask, a.mask_in_crop_series ? 2 : 1},
                              {.jpeg2000 = options.jpeg2000}));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Layout> ParseLayout(const std::string& text) {
  if (text == "csv") return Layout::kCsv;
  if (text == "nbia") return Layout::kNbia;
  if (text == "kaggle_cbis") return Layout::kKaggleCbis;
  if (text == "mias") return Layout::kMias;
  if (text == "vindr") return Layout::kVindr;
  if (text == "inbreast") return Layout::kInbreast;
  if (text == "cmmd") return Layout::kCmmd;
  return absl::InvalidArgumentError(absl::StrCat(
      "--layout must be csv, nbia, kaggle_cbis, mias, vindr, inbreast or cmmd, not '", text, "'"));
}

absl::Status ValidateOptions(const SynthOptions& options) {
  if (options.output.empty()) return absl::InvalidArgumentError("--output is required");
  if (options.plan.cases < 1 || options.plan.cases > 1000000) {
    return absl::InvalidArgumentError("--cases must be between 1 and 1000000");
  }
  if (!options.plan.full_size) {
    if (options.plan.width < 64 || options.plan.width > 8192) {
      return absl::InvalidArgumentError("--width must be between 64 and 8192");
    }
    if (options.plan.height < 64 || options.plan.height > 8192) {
      return absl::InvalidArgumentError("--height must be between 64 and 8192");
    }
  }
  if (!(options.plan.trap_rate >= 0 && options.plan.trap_rate <= kMaxTrapRate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--trap_rate must be between 0 and ", kMaxTrapRate));
  }
  if (options.threads < 0)
    return absl::InvalidArgumentError("--threads must be 0 (all cores) or more");
  return absl::OkStatus();
}

absl::Status WriteDicom(const std::string& path, const cv::Mat& pixels, const DicomTags& tags,
                        const DicomEncoding& encoding, const DicomView& view) {
  if (pixels.type() != CV_16U && pixels.type() != CV_8U) {
    return absl::InternalError(absl::StrCat(path, ": pixels must be 8- or 16-bit grey"));
  }
  const cv::Mat packed = pixels.isContinuous() ? pixels : pixels.clone();
  const bool sixteen = packed.type() == CV_16U;
  DcmFileFormat file;
  DcmDataset& d = *file.getDataset();
  RETURN_IF_ERROR(Put(d, DCM_SOPClassUID, kSecondaryCaptureSopClass, path));
  RETURN_IF_ERROR(Put(d, DCM_SOPInstanceUID, tags.sop_uid, path));
  RETURN_IF_ERROR(Put(d, DCM_Modality, "MG", path));
  RETURN_IF_ERROR(Put(d, DCM_PatientID, tags.patient_id, path));
  RETURN_IF_ERROR(Put(d, DCM_StudyInstanceUID, tags.study_uid, path));
  RETURN_IF_ERROR(Put(d, DCM_SeriesInstanceUID, tags.series_uid, path));
  RETURN_IF_ERROR(Put(d, DCM_SeriesDescription, tags.series_description, path));
  RETURN_IF_ERROR(Put(d, DCM_InstanceNumber, absl::StrCat(tags.instance_number), path));
  RETURN_IF_ERROR(Put(d, DCM_PhotometricInterpretation, "MONOCHROME2", path));
  if (!view.image_laterality.empty()) {
    RETURN_IF_ERROR(Put(d, DCM_ImageLaterality, view.image_laterality, path));
  }
  if (!view.view_code.empty()) {
    DcmItem* code = nullptr;
    if (d.findOrCreateSequenceItem(DCM_ViewCodeSequence, code, -2).bad() || code == nullptr) {
      return absl::InternalError(absl::StrCat(path, ": cannot add ViewCodeSequence"));
    }
    RETURN_IF_ERROR(Put(*code, DCM_CodeValue, view.view_code, path));
    RETURN_IF_ERROR(Put(*code, DCM_CodingSchemeDesignator, "SCT", path));
  }
  const Uint16 bits = sixteen ? 16 : 8;
  bool ok = d.putAndInsertUint16(DCM_SamplesPerPixel, 1).good() &&
            d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(packed.rows)).good() &&
            d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(packed.cols)).good() &&
            d.putAndInsertUint16(DCM_BitsAllocated, bits).good() &&
            d.putAndInsertUint16(DCM_BitsStored, bits).good() &&
            d.putAndInsertUint16(DCM_HighBit, bits - 1).good() &&
            d.putAndInsertUint16(DCM_PixelRepresentation, 0).good();
  if (!ok) return absl::InternalError(absl::StrCat(path, ": cannot build the DICOM data set"));
  E_TransferSyntax xfer = EXS_LittleEndianExplicit;
  if (encoding.jpeg2000) {
    xfer = EXS_JPEG2000LosslessOnly;
    ASSIGN_OR_RETURN(const std::string codestream, EncodeJ2kLossless(packed, bits));
    RETURN_IF_ERROR(PutEncapsulatedPixelData(&d, xfer, {codestream},
                                             {.fragment_bytes = 64 << 10, .offset_table = false}));
  } else {
    const unsigned long count = static_cast<unsigned long>(packed.total());
    ok = (sixteen ? d.putAndInsertUint16Array(DCM_PixelData, packed.ptr<Uint16>(), count)
                  : d.putAndInsertUint8Array(DCM_PixelData, packed.ptr<Uint8>(), count))
             .good();
    if (!ok) return absl::InternalError(absl::StrCat(path, ": cannot store the pixel data"));
  }

  const std::string temp = path + std::string(kTempSuffix);
  const OFCondition saved = file.saveFile(temp.c_str(), xfer);
  if (saved.bad()) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", saved.text()));
  }
  std::error_code error;
  if (encoding.truncate) fs::resize_file(temp, fs::file_size(temp) * 6 / 10, error);
  if (!error) fs::rename(temp, path, error);
  if (error)
    return absl::PermissionDeniedError(absl::StrCat("cannot write ", path, ": ", error.message()));
  return absl::OkStatus();
}

std::string TruthCsv(const Plan& plan, const Boxes& boxes, Layout layout) {
  std::string out =
      "kind,split,patient_id,subject,left or right breast,image view,abnormality id,pathology,"
      "label,traps,image_width,image_height,bbox_x,bbox_y,bbox_width,bbox_height,image_sop_uid,"
      "crop_sop_uid,mask_sop_uid,image_file,crop_file,mask_file\n";
  for (size_t i = 0; i < plan.images.size(); ++i) {
    const Image& image = plan.images[i];
    for (size_t j = 0; j < image.abnormalities.size(); ++j) {
      const Abnormality& a = image.abnormalities[j];
      const cv::Rect& box = boxes[i][j];
      const FilePaths paths = PathsFor(layout, image, a);
      const std::vector<std::string> cells = {
          image.kind == Kind::kMass ? "mass" : "calcification",
          image.train ? "train" : "test",
          image.patient_id,
          image.Subject(),
          image.side,
          image.view,
          absl::StrCat(a.id),
          a.pathology,
          a.Malignant() ? "malignant" : "benign",
          a.traps.empty() ? "none" : absl::StrJoin(a.traps, ";"),
          absl::StrCat(image.width),
          absl::StrCat(image.height),
          absl::StrCat(box.x),
          absl::StrCat(box.y),
          absl::StrCat(box.width),
          absl::StrCat(box.height),
          image.sop_uid,
          a.crop_sop_uid,
          a.mask_sop_uid,
          paths.image,
          paths.crop,
          paths.mask};
      std::vector<std::string> quoted;
      for (const std::string& cell : cells) quoted.push_back(CsvCell(cell));
      absl::StrAppend(&out, absl::StrJoin(quoted, ","), "\n");
    }
  }
  return out;
}

absl::Status Synthesize(const SynthOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  std::error_code error;
  fs::create_directories(options.output, error);
  if (error)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create --output ", options.output, ": ", error.message()));
  if (options.layout == Layout::kMias) {
    return SynthesizeMias(options.output, options.plan, options.threads);
  }
  if (options.layout == Layout::kVindr) {
    return SynthesizeVindr(options.output, options.plan, options.threads);
  }
  if (options.layout == Layout::kCmmd) {
    return SynthesizeCmmd(options.output, options.plan, options.threads);
  }
  if (options.layout == Layout::kInbreast) {
    return SynthesizeInbreast(options.output, options.plan, options.threads);
  }

  const Plan plan = BuildPlan(options.plan);
  const size_t n = plan.images.size();
  Boxes boxes(n);
  cli::Progress progress("images", n);
  // Images are independent files; the first failure in plan order is the one reported, so the
  // message does not depend on thread timing.
  RETURN_IF_ERROR(OrderedMapIndices<std::vector<cv::Rect>>(
      {cli::ResolveThreads(options.threads)}, n,
      [&](size_t i) -> absl::StatusOr<std::vector<cv::Rect>> {
        std::vector<cv::Rect> image_boxes;
        RETURN_IF_ERROR(WriteImage(options, plan.images[i], image_boxes));
        return image_boxes;
      },
      [&](size_t i, std::vector<cv::Rect> image_boxes) {
        boxes[i] = std::move(image_boxes);
        progress.Add(1);
        return absl::OkStatus();
      }));
  progress.Finish();

  const fs::path root(options.output);
  // The Kaggle copy keeps its CSVs, dicom_info.csv included, in csv/.
  const fs::path csv_folder = options.layout == Layout::kKaggleCbis ? root / "csv" : root;
  fs::create_directories(csv_folder, error);
  if (error)
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", csv_folder.string(), ": ", error.message()));
  for (const Kind kind : {Kind::kMass, Kind::kCalc}) {
    for (const bool train : {true, false}) {
      RETURN_IF_ERROR(
          WriteFileAtomically((csv_folder / CaseDescriptionFileName(kind, train)).string(),
                              CaseDescriptionCsv(plan, kind, train)));
    }
  }
  if (options.layout == Layout::kKaggleCbis) {
    RETURN_IF_ERROR(
        WriteFileAtomically((csv_folder / "dicom_info.csv").string(), KaggleDicomInfoCsv(plan)));
  }
  if (options.layout == Layout::kNbia) {
    RETURN_IF_ERROR(WriteFileAtomically((root / "metadata.csv").string(), NbiaMetadataCsv(plan)));
  }
  return WriteFileAtomically((root / "synth_truth.csv").string(),
                             TruthCsv(plan, boxes, options.layout));
}

}  // namespace mammo::synth
