#include "lib/dicom/dicom_testing.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <mutex>
#include <opencv2/core.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/dicom/encapsulated.h"
#include "lib/dicom/j2k.h"

namespace mammo::testing {
namespace {

absl::Status Check(const OFCondition& condition, const std::string& what) {
  if (condition.good()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", condition.text()));
}

}  // namespace

absl::Status WriteTestDicom(const std::string& path, const cv::Mat& pixels, const DicomSpec& spec) {
  static std::once_flag once;
  std::call_once(once, [] {
    DcmRLEEncoderRegistration::registerCodecs();
    DJEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
  });
  const int allocated = pixels.depth() == CV_8U ? 8 : 16;
  const int stored = spec.bits_stored > 0 ? spec.bits_stored : allocated;
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, (spec.series_uid + ".1").c_str());
  ds->putAndInsertString(DCM_Modality, "MG");
  ds->putAndInsertString(DCM_PatientID, spec.patient_id.c_str());
  ds->putAndInsertString(DCM_PatientName, "Secret^Name");
  ds->putAndInsertString(DCM_StudyInstanceUID, spec.study_uid.c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, spec.series_uid.c_str());
  ds->putAndInsertString(DCM_SeriesDescription, spec.series_description.c_str());
  ds->putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(pixels.channels()));
  if (pixels.channels() == 3) ds->putAndInsertUint16(DCM_PlanarConfiguration, spec.planar);
  if (!spec.more_frames.empty()) {
    ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(1 + spec.more_frames.size()).c_str());
  }
  ds->putAndInsertString(DCM_PhotometricInterpretation, spec.photometric.c_str());
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(pixels.rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(pixels.cols));
  ds->putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(allocated));
  ds->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(stored));
  ds->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(stored - 1));
  ds->putAndInsertUint16(DCM_PixelRepresentation, spec.is_signed ? 1 : 0);
  if (spec.padding.has_value()) {
    if (spec.is_signed) {
      ds->putAndInsertSint16(DCM_PixelPaddingValue, static_cast<Sint16>(*spec.padding));
    } else {
      ds->putAndInsertUint16(DCM_PixelPaddingValue, *spec.padding);
    }
  }
  if (spec.window.has_value()) {
    ds->putAndInsertString(DCM_WindowCenter, std::to_string(spec.window->first).c_str());
    ds->putAndInsertString(DCM_WindowWidth, std::to_string(spec.window->second).c_str());
  }
  std::vector<cv::Mat> frames = {pixels};
  frames.insert(frames.end(), spec.more_frames.begin(), spec.more_frames.end());
  const E_TransferSyntax xfer = DcmXfer(spec.transfer_syntax.c_str()).getXfer();
  if (spec.omit_pixel_data) {
    // No Pixel Data element at all.
  } else if (xfer == EXS_JPEG2000LosslessOnly) {
    std::vector<std::string> codestreams;
    for (const cv::Mat& frame : frames) {
      absl::StatusOr<std::string> codestream =
          EncodeJ2kLossless(frame, spec.j2k_bits > 0 ? spec.j2k_bits : stored,
                            spec.j2k_signed.value_or(spec.is_signed));
      if (!codestream.ok()) return codestream.status();
      codestreams.push_back(*std::move(codestream));
    }
    absl::Status s = PutEncapsulatedPixelData(
        ds, xfer, codestreams,
        {.fragment_bytes = spec.j2k_fragment_bytes, .offset_table = spec.j2k_offset_table});
    if (!s.ok()) return s;
  } else {
    // The sample stream: frames one after another, each by pixel or (planar 1) by plane.
    std::string stream;
    for (const cv::Mat& frame : frames) {
      std::vector<cv::Mat> parts = {frame};
      if (frame.channels() == 3 && spec.planar == 1) cv::split(frame, parts);
      for (const cv::Mat& part : parts) {
        const cv::Mat dense = part.isContinuous() ? part : part.clone();
        stream.append(reinterpret_cast<const char*>(dense.data), dense.total() * dense.elemSize());
      }
    }
    absl::Status s = allocated == 8
                         ? Check(ds->putAndInsertUint8Array(
                                     DCM_PixelData, reinterpret_cast<const Uint8*>(stream.data()),
                                     stream.size()),
                                 "pixel data")
                         : Check(ds->putAndInsertUint16Array(
                                     DCM_PixelData, reinterpret_cast<const Uint16*>(stream.data()),
                                     stream.size() / 2),
                                 "pixel data");
    if (!s.ok()) return s;
    if (DcmXfer(xfer).isEncapsulated()) {
      s = Check(ds->chooseRepresentation(xfer, nullptr), "encoding");
      if (!s.ok()) return s;
      if (!ds->canWriteXfer(xfer)) return absl::InternalError("encoder produced nothing");
    }
  }
  absl::Status s = Check(file.saveFile(path.c_str(), xfer), path);
  if (!s.ok() || spec.fake_transfer_syntax.empty()) return s;
  DcmFileFormat reread;
  s = Check(reread.loadFile(path.c_str()), path);
  if (!s.ok()) return s;
  reread.getMetaInfo()->putAndInsertString(DCM_TransferSyntaxUID,
                                           spec.fake_transfer_syntax.c_str());
  return Check(reread.saveFile(path.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange,
                               0, 0, EWM_dontUpdateMeta),
               path);
}

}  // namespace mammo::testing
