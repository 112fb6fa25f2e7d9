#include "lib/dicom/dicom_testing.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djencode.h>

#include <mutex>

#include "absl/strings/str_cat.h"

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
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
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
  if (!spec.omit_pixel_data) {
    const cv::Mat dense = pixels.isContinuous() ? pixels : pixels.clone();
    if (allocated == 8) {
      absl::Status s =
          Check(ds->putAndInsertUint8Array(DCM_PixelData, dense.ptr<Uint8>(), dense.total()),
                "pixel data");
      if (!s.ok()) return s;
    } else {
      absl::Status s =
          Check(ds->putAndInsertUint16Array(DCM_PixelData, dense.ptr<Uint16>(), dense.total()),
                "pixel data");
      if (!s.ok()) return s;
    }
  }
  const E_TransferSyntax xfer = DcmXfer(spec.transfer_syntax.c_str()).getXfer();
  if (DcmXfer(xfer).isEncapsulated()) {
    absl::Status s = Check(ds->chooseRepresentation(xfer, nullptr), "encoding");
    if (!s.ok()) return s;
    if (!ds->canWriteXfer(xfer)) return absl::InternalError("encoder produced nothing");
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
