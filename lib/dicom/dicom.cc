#include "lib/dicom/dicom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo {
namespace {

bool IsSupported(E_TransferSyntax xfer) {
  switch (xfer) {
    case EXS_LittleEndianImplicit:
    case EXS_LittleEndianExplicit:
    case EXS_BigEndianExplicit:
    case EXS_RLELossless:
    case EXS_JPEGProcess1:
    case EXS_JPEGProcess2_4:
    case EXS_JPEGProcess14:
    case EXS_JPEGProcess14SV1:
    case EXS_JPEGLSLossless:
    case EXS_JPEGLSLossy:
      return true;
    default:
      return false;
  }
}

absl::Status LoadError(const std::string& path, const OFCondition& condition) {
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(path, ignored)) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file"));
  }
  return absl::DataLossError(
      absl::StrCat(path, ": not a readable DICOM file (", condition.text(), ")"));
}

absl::Status UnsupportedSyntax(const std::string& path, E_TransferSyntax xfer) {
  const DcmXfer info(xfer);
  return absl::UnimplementedError(absl::StrCat(path, ": unsupported transfer syntax ",
                                               info.getXferName(), " (", info.getXferID(), ")"));
}

// Reads an unsigned short attribute; `fallback` when absent.
int GetUint16(DcmItem* item, const DcmTagKey& tag, int fallback) {
  Uint16 value = 0;
  return item->findAndGetUint16(tag, value).good() ? value : fallback;
}

struct Loaded {
  std::unique_ptr<DcmFileFormat> file;
  int rows = 0;
  int columns = 0;
};

// Loads the file (pixel data stays on disk until it is accessed) and checks the transfer
// syntax and the image size before anything is decompressed.
absl::StatusOr<Loaded> LoadImageFile(const std::string& path, uint64_t max_pixels) {
  InitDicomDecoders();
  Loaded loaded;
  loaded.file = std::make_unique<DcmFileFormat>();
  const OFCondition condition = loaded.file->loadFile(path.c_str());
  if (condition.bad()) {
    // Pixel data in a syntax DCMTK cannot parse can break the load; the header before it
    // still tells whether the transfer syntax is the reason.
    DcmFileFormat header;
    if (header
            .loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                              ERM_autoDetect, DCM_PixelData)
            .bad() ||
        IsSupported(header.getDataset()->getOriginalXfer())) {
      return LoadError(path, condition);
    }
    return UnsupportedSyntax(path, header.getDataset()->getOriginalXfer());
  }
  DcmDataset* dataset = loaded.file->getDataset();
  const E_TransferSyntax xfer = dataset->getOriginalXfer();
  if (!IsSupported(xfer)) return UnsupportedSyntax(path, xfer);
  loaded.rows = GetUint16(dataset, DCM_Rows, 0);
  loaded.columns = GetUint16(dataset, DCM_Columns, 0);
  if (loaded.rows == 0 || loaded.columns == 0) {
    return absl::DataLossError(absl::StrCat(path, ": no Rows or Columns, not an image"));
  }
  if (static_cast<uint64_t>(loaded.rows) * loaded.columns > max_pixels) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": ", loaded.columns, "x", loaded.rows,
                                                     " pixels exceed --max_pixels=", max_pixels));
  }
  if (!dataset->tagExists(DCM_PixelData)) {
    // Float pixels live in their own elements; "no pixel data" would hide what the file is.
    if (dataset->tagExists(DCM_FloatPixelData) || dataset->tagExists(DCM_DoubleFloatPixelData)) {
      return absl::UnimplementedError(
          absl::StrCat(path, ": float pixel data not supported; only integer pixels are"));
    }
    return absl::DataLossError(absl::StrCat(path, ": no pixel data"));
  }
  return loaded;
}

}  // namespace

void InitDicomDecoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    DcmRLEDecoderRegistration::registerCodecs();
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
  });
}

absl::StatusOr<DicomHeader> ReadDicomHeader(const std::string& path) {
  InitDicomDecoders();
  DcmFileFormat file;
  const OFCondition condition = file.loadFileUntilTag(
      path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData);
  if (condition.bad()) return LoadError(path, condition);
  DcmDataset* dataset = file.getDataset();
  DicomHeader header;
  OFString value;
  if (dataset->findAndGetOFString(DCM_PatientID, value).good()) header.patient_id = value.c_str();
  if (dataset->findAndGetOFString(DCM_StudyInstanceUID, value).good())
    header.study_uid = value.c_str();
  if (dataset->findAndGetOFString(DCM_SeriesInstanceUID, value).good())
    header.series_uid = value.c_str();
  if (dataset->findAndGetOFString(DCM_SeriesDescription, value).good()) {
    header.series_description = value.c_str();
  }
  header.rows = GetUint16(dataset, DCM_Rows, 0);
  header.columns = GetUint16(dataset, DCM_Columns, 0);
  header.bits_allocated = GetUint16(dataset, DCM_BitsAllocated, 0);
  if (header.rows == 0 || header.columns == 0 || header.series_uid.empty()) {
    return absl::DataLossError(
        absl::StrCat(path, ": no Rows, Columns or SeriesInstanceUID, not an image"));
  }
  return header;
}

namespace {

// How the samples are stored: Image Pixel module attributes, checked.
struct SampleLayout {
  int allocated = 0, stored = 0, high_bit = 0;
  bool is_signed = false, monochrome1 = false;
};

absl::StatusOr<SampleLayout> ReadSampleLayout(DcmDataset* dataset, const std::string& path) {
  SampleLayout layout;
  const int samples = GetUint16(dataset, DCM_SamplesPerPixel, 1);
  OFString photometric;
  dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  layout.monochrome1 = photometric == "MONOCHROME1";
  if (samples != 1 || (!layout.monochrome1 && photometric != "MONOCHROME2")) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": photometric interpretation '", photometric.c_str(), "' with ",
                     samples, " samples per pixel; only grey images are supported"));
  }
  layout.allocated = GetUint16(dataset, DCM_BitsAllocated, 0);
  layout.stored = GetUint16(dataset, DCM_BitsStored, layout.allocated);
  layout.high_bit = GetUint16(dataset, DCM_HighBit, layout.stored - 1);
  layout.is_signed = GetUint16(dataset, DCM_PixelRepresentation, 0) == 1;
  if ((layout.allocated != 8 && layout.allocated != 16) || layout.stored < 1 ||
      layout.stored > layout.allocated || layout.high_bit < layout.stored - 1 ||
      layout.high_bit >= layout.allocated) {
    return absl::UnimplementedError(absl::StrCat(path, ": BitsAllocated ", layout.allocated,
                                                 ", BitsStored ", layout.stored, ", HighBit ",
                                                 layout.high_bit, " not supported"));
  }
  return layout;
}

// The frame's little-endian sample stream into `pixels` (already sized), decoding compressed
// data first.
absl::Status CopyPixelData(DcmDataset* dataset, const std::string& path, cv::Mat& pixels) {
  const bool encapsulated = DcmXfer(dataset->getOriginalXfer()).isEncapsulated();
  if (encapsulated) {
    const OFCondition condition = dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (condition.bad() || !dataset->canWriteXfer(EXS_LittleEndianExplicit)) {
      return absl::DataLossError(
          absl::StrCat(path, ": compressed pixel data does not decode (", condition.text(), ")"));
    }
  }
  DcmElement* element = nullptr;
  if (dataset->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    return absl::DataLossError(absl::StrCat(path, ": no pixel data"));
  }
  const size_t frame_bytes = pixels.total() * pixels.elemSize();
  auto truncated = [&] {
    return absl::DataLossError(absl::StrCat(path, ": pixel data truncated (", element->getLength(),
                                            " bytes, ", frame_bytes, " expected)"));
  };
  if (!encapsulated) {
    // Uncompressed pixel data is still on disk (loadFile leaves large values there): it is
    // read straight into the result, as the little-endian sample stream whatever the file's
    // byte order or VR (OB bytes, OW words), without a copy in DCMTK's memory.
    if (element->getLength() < frame_bytes ||
        element
            ->getPartialValue(pixels.data, 0, static_cast<Uint32>(frame_bytes), nullptr,
                              EBO_LittleEndian)
            .bad()) {
      return truncated();
    }
    return absl::OkStatus();
  }
  // Decompressed data is in memory: OW data as 16-bit words in host (little-endian) order
  // and OB data as bytes, so either way the little-endian sample stream.
  const void* data = nullptr;
  OFCondition access;
  if (element->getVR() == EVR_OW) {
    Uint16* words = nullptr;
    access = element->getUint16Array(words);
    data = words;
  } else {
    Uint8* octets = nullptr;
    access = element->getUint8Array(octets);
    data = octets;
  }
  if (access.bad() || data == nullptr || element->getLength() < frame_bytes) return truncated();
  std::memcpy(pixels.data, data, frame_bytes);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DicomPixels> ReadDicomPixels(const std::string& path, uint64_t max_pixels) {
  absl::StatusOr<Loaded> loaded = LoadImageFile(path, max_pixels);
  if (!loaded.ok()) return loaded.status();
  DcmDataset* dataset = loaded->file->getDataset();
  ASSIGN_OR_RETURN(const SampleLayout layout, ReadSampleLayout(dataset, path));
  DicomPixels result;
  result.bits_stored = layout.stored;
  result.pixels.create(loaded->rows, loaded->columns, layout.allocated == 8 ? CV_8U : CV_16U);
  RETURN_IF_ERROR(CopyPixelData(dataset, path, result.pixels));

  // The stored value (HighBit shift, bits outside BitsStored cleared), then the sign and
  // polarity changes of the header comment, as one shift, mask and xor: for v <= mask,
  // mask - v == v ^ mask. Most mammograms need none of it.
  const int shift = layout.high_bit + 1 - layout.stored;
  const uint32_t mask = (1u << layout.stored) - 1;
  const uint32_t sign_flip = layout.is_signed ? 1u << (layout.stored - 1) : 0;
  const uint32_t flip = sign_flip ^ (layout.monochrome1 ? mask : 0);
  const size_t count = result.pixels.total();
  if (layout.allocated == 8) {
    if (shift != 0 || mask != 0xff || flip != 0) {
      uint8_t* p = result.pixels.ptr<uint8_t>();
      for (size_t i = 0; i < count; ++i)
        p[i] = static_cast<uint8_t>(((p[i] >> shift) & mask) ^ flip);
    }
  } else if (shift != 0 || mask != 0xffff || flip != 0) {
    uint16_t* p = result.pixels.ptr<uint16_t>();
    for (size_t i = 0; i < count; ++i)
      p[i] = static_cast<uint16_t>(((p[i] >> shift) & mask) ^ flip);
  }

  DcmElement* padding = nullptr;
  if (dataset->findAndGetElement(DCM_PixelPaddingValue, padding).good() && padding != nullptr) {
    uint32_t raw = 0;
    if (padding->getVR() == EVR_SS) {
      Sint16 value = 0;
      if (padding->getSint16(value).good()) raw = static_cast<uint16_t>(value);
    } else {
      Uint16 value = 0;
      if (padding->getUint16(value).good()) raw = value;
    }
    // The padding value is a sample value (already right-aligned), so it takes the sign and
    // polarity changes but not the HighBit shift.
    result.padding = static_cast<uint16_t>((raw & mask) ^ flip);
  }
  return result;
}

absl::StatusOr<std::optional<cv::Mat>> ReadDicomVoi(const std::string& path, uint64_t max_pixels) {
  absl::StatusOr<Loaded> loaded = LoadImageFile(path, max_pixels);
  if (!loaded.ok()) return loaded.status();
  DcmDataset* dataset = loaded->file->getDataset();
  DicomImage image(loaded->file.get(), dataset->getOriginalXfer(), CIF_MayDetachPixelData, 0, 1);
  if (image.getStatus() != EIS_Normal) {
    return absl::DataLossError(absl::StrCat(path, ": ", DicomImage::getString(image.getStatus())));
  }
  if (image.getWindowCount() > 0) {
    image.setWindow(0);
  } else if (image.getVoiLutCount() > 0) {
    image.setVoiLut(0);
  } else {
    return std::optional<cv::Mat>();
  }
  const void* data = image.getOutputData(8, 0, 0);
  const size_t size = image.getOutputDataSize(8);
  const size_t expected = static_cast<size_t>(loaded->rows) * loaded->columns;
  if (data == nullptr || size != expected) {
    return absl::DataLossError(absl::StrCat(path, ": the VOI transformation failed"));
  }
  cv::Mat out(loaded->rows, loaded->columns, CV_8U);
  std::memcpy(out.data, data, size);
  return std::optional<cv::Mat>(std::move(out));
}

}  // namespace mammo
