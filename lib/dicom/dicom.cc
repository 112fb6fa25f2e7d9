#include "lib/dicom/dicom.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "lib/dicom/encapsulated.h"
#include "lib/dicom/j2k.h"
#include "lib/status/status_macros.h"

namespace mammo {
namespace {

// JPEG 2000 is decoded by OpenJPEG (j2k.h), not by a DCMTK codec.
bool IsJpeg2000(E_TransferSyntax xfer) {
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;
}

// High-Throughput JPEG 2000 (lossless, lossless RPCL, lossy): OpenJPEG 2.5 decodes its
// codestreams, but DCMTK 3.6.7 does not know these UIDs. It still reads such a file, taking
// it for explicit VR little endian with an encapsulated Pixel Data, which is what it is.
bool IsHighThroughputJpeg2000(const std::string& uid) {
  return uid == "1.2.840.10008.1.2.4.201" || uid == "1.2.840.10008.1.2.4.202" ||
         uid == "1.2.840.10008.1.2.4.203";
}

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
    case EXS_DeflatedLittleEndianExplicit:
    case EXS_JPEG2000LosslessOnly:
    case EXS_JPEG2000:
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

DcmPixelData* PixelDataOf(DcmDataset* dataset) {
  DcmElement* element = nullptr;
  if (dataset->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
      element->ident() != EVR_PixelData) {
    return nullptr;
  }
  return static_cast<DcmPixelData*>(element);
}

// The encapsulated pixel data's fragments, or null when it has none.
DcmPixelSequence* EncapsulatedSequence(DcmDataset* dataset) {
  DcmPixelData* pixel_data = PixelDataOf(dataset);
  DcmPixelSequence* sequence = nullptr;
  if (pixel_data == nullptr ||
      pixel_data->getEncapsulatedRepresentation(dataset->getOriginalXfer(), nullptr, sequence)
          .bad()) {
    return nullptr;
  }
  return sequence;
}

// The JPEG syntaxes that DCMTK's dcmjpeg decodes: 1.2.840.10008.1.2.4.50 to .70.
bool IsDcmtkJpeg(E_TransferSyntax xfer) {
  absl::string_view uid = DcmXfer(xfer).getXferID();
  int process = 0;
  return absl::ConsumePrefix(&uid, "1.2.840.10008.1.2.4.") && absl::SimpleAtoi(uid, &process) &&
         process >= 50 && process <= 70;
}

struct Loaded {
  std::unique_ptr<DcmFileFormat> file;
  int rows = 0;
  int columns = 0;
  int frames = 1;
  bool jpeg2000 = false;  // JPEG 2000 or HTJ2K: decoded by OpenJPEG
};

// Loads the file (pixel data stays on disk until it is accessed) and checks the transfer
// syntax and the image size before anything is decompressed.
absl::StatusOr<Loaded> LoadImageFile(const std::string& path, const DicomReadOptions& options) {
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
  // A transfer syntax DCMTK does not know is read by guessing the encoding, which can succeed
  // on the header: the meta header's UID decides.
  OFString declared;
  const bool known =
      loaded.file->getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, declared).bad() ||
      DcmXfer(declared.c_str()).getXfer() != EXS_Unknown;
  if (!known && !IsHighThroughputJpeg2000(declared.c_str())) {
    return absl::UnimplementedError(absl::StrCat(path, ": unsupported transfer syntax ",
                                                 declared.c_str(), " (unknown to DCMTK)"));
  }
  const E_TransferSyntax xfer = dataset->getOriginalXfer();
  if (known && !IsSupported(xfer)) return UnsupportedSyntax(path, xfer);
  loaded.jpeg2000 = !known || IsJpeg2000(xfer);
  loaded.rows = GetUint16(dataset, DCM_Rows, 0);
  loaded.columns = GetUint16(dataset, DCM_Columns, 0);
  if (loaded.rows == 0 || loaded.columns == 0) {
    return absl::DataLossError(absl::StrCat(path, ": no Rows or Columns, not an image"));
  }
  if (static_cast<uint64_t>(loaded.rows) * loaded.columns > options.max_pixels) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": ", loaded.columns, "x", loaded.rows,
                     " pixels exceed --max_pixels=", options.max_pixels));
  }
  Sint32 frames = 1;
  if (dataset->findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1) {
    loaded.frames = frames;
  }
  if (options.frame < 1 || options.frame > loaded.frames) {
    return absl::OutOfRangeError(absl::StrCat(path, ": --frame ", options.frame,
                                              " asked, the file has ", loaded.frames,
                                              loaded.frames == 1 ? " frame" : " frames"));
  }
  if (!dataset->tagExists(DCM_PixelData)) {
    // Float pixels live in their own elements; "no pixel data" would hide what the file is.
    if (dataset->tagExists(DCM_FloatPixelData) || dataset->tagExists(DCM_DoubleFloatPixelData)) {
      return absl::UnimplementedError(
          absl::StrCat(path, ": float pixel data not supported; only integer pixels are"));
    }
    return absl::DataLossError(absl::StrCat(path, ": no pixel data"));
  }
  if (IsDcmtkJpeg(xfer)) {
    DcmPixelSequence* sequence = EncapsulatedSequence(dataset);
    if (sequence == nullptr) {
      return absl::DataLossError(absl::StrCat(path, ": JPEG pixel data is not encapsulated"));
    }
    RETURN_IF_ERROR(CheckJpegPrecisionScan(sequence, path));
  }
  return loaded;
}

}  // namespace

void InitDicomDecoders() {
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    DcmRLEDecoderRegistration::registerCodecs();
    // JPEG's YCbCr stays YBR (DCMTK then says YBR_FULL): its Y is the luma, as for
    // uncompressed YBR, without a round trip through RGB that clips saturated colours.
    DJDecoderRegistration::registerCodecs(EDC_never);
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
  int samples = 1, allocated = 0, stored = 0, high_bit = 0;
  bool is_signed = false;
  std::string photometric;
  int planar = 0;  // PlanarConfiguration: 0 colour-by-pixel, 1 colour-by-plane
  bool colour() const { return samples == 3 || photometric == "PALETTE COLOR"; }
};

bool IsKnownColour(const std::string& photometric) {
  return photometric == "RGB" || photometric == "YBR_FULL" || photometric == "YBR_FULL_422" ||
         photometric == "YBR_RCT" || photometric == "YBR_ICT";
}

absl::StatusOr<SampleLayout> ReadSampleLayout(DcmDataset* dataset, const std::string& path,
                                              ColourMode colour) {
  SampleLayout layout;
  layout.samples = GetUint16(dataset, DCM_SamplesPerPixel, 1);
  OFString photometric;
  dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  layout.photometric = photometric.c_str();
  layout.planar = GetUint16(dataset, DCM_PlanarConfiguration, 0);
  const bool grey = layout.samples == 1 &&
                    (layout.photometric == "MONOCHROME1" || layout.photometric == "MONOCHROME2");
  const bool colour_image = (layout.samples == 3 && IsKnownColour(layout.photometric)) ||
                            (layout.samples == 1 && layout.photometric == "PALETTE COLOR");
  if (!grey && !colour_image) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": photometric interpretation '", layout.photometric, "' with ", layout.samples,
        " samples per pixel; only grey images (and colour with --colour luma) are supported"));
  }
  if (colour_image && colour == ColourMode::kRefuse) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": colour image (photometric interpretation '", layout.photometric,
                     "'); mammograms are grey: --colour luma converts it to luminance"));
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
  if (colour_image && layout.is_signed) {
    return absl::UnimplementedError(absl::StrCat(path, ": signed colour samples not supported"));
  }
  return layout;
}

// The matrix that one frame's sample stream fills, byte for byte: grey and palette indices
// rows x cols; colour by pixel rows x cols x 3; colour by plane (3 rows) x cols; uncompressed
// YBR_FULL_422 (Y1 Y2 Cb Cr for each pair of pixels) rows x (cols / 2) x 4.
absl::StatusOr<cv::Mat> FrameMatrix(const SampleLayout& layout, int rows, int columns,
                                    const std::string& path) {
  const int depth = layout.allocated == 8 ? CV_8U : CV_16U;
  if (layout.samples == 1) return cv::Mat(rows, columns, CV_MAKETYPE(depth, 1));
  if (layout.photometric == "YBR_FULL_422") {
    if (columns % 2 != 0) {
      return absl::DataLossError(absl::StrCat(path, ": YBR_FULL_422 with an odd width"));
    }
    return cv::Mat(rows, columns / 2, CV_MAKETYPE(depth, 4));
  }
  if (layout.planar == 1) return cv::Mat(3 * rows, columns, CV_MAKETYPE(depth, 1));
  return cv::Mat(rows, columns, CV_MAKETYPE(depth, 3));
}

// The frame's little-endian sample stream into `out` (FrameMatrix's shape), decoding
// compressed data with DCMTK's codecs first. Those decode every frame, and rewrite the
// photometric interpretation and planar configuration of colour data they convert (JPEG's
// YBR to RGB), so the layout is read again afterwards.
absl::Status CopyFrame(DcmDataset* dataset, const std::string& path, int frame, int rows,
                       int columns, SampleLayout& layout, cv::Mat& out) {
  const bool encapsulated = DcmXfer(dataset->getOriginalXfer()).isEncapsulated();
  if (encapsulated) {
    const OFCondition condition = dataset->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (condition.bad() || !dataset->canWriteXfer(EXS_LittleEndianExplicit)) {
      return absl::DataLossError(
          absl::StrCat(path, ": compressed pixel data does not decode (", condition.text(), ")"));
    }
    OFString photometric;
    if (dataset->findAndGetOFString(DCM_PhotometricInterpretation, photometric).good()) {
      layout.photometric = photometric.c_str();
    }
    layout.planar = GetUint16(dataset, DCM_PlanarConfiguration, 0);
    ASSIGN_OR_RETURN(out, FrameMatrix(layout, rows, columns, path));
  }
  DcmElement* element = nullptr;
  if (dataset->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
    return absl::DataLossError(absl::StrCat(path, ": no pixel data"));
  }
  const size_t frame_bytes = out.total() * out.elemSize();
  const size_t offset = static_cast<size_t>(frame) * frame_bytes;
  auto truncated = [&] {
    return absl::DataLossError(absl::StrCat(path, ": pixel data truncated (", element->getLength(),
                                            " bytes, ", offset + frame_bytes, " expected)"));
  };
  if (element->getLength() < offset + frame_bytes) return truncated();
  if (!encapsulated) {
    // Uncompressed pixel data is still on disk (loadFile leaves large values there): it is
    // read straight into the result, as the little-endian sample stream whatever the file's
    // byte order or VR (OB bytes, OW words), without a copy in DCMTK's memory.
    if (element
            ->getPartialValue(out.data, static_cast<Uint32>(offset),
                              static_cast<Uint32>(frame_bytes), nullptr, EBO_LittleEndian)
            .bad()) {
      return truncated();
    }
    return absl::OkStatus();
  }
  // Decompressed data is in memory: OW data as 16-bit words in host (little-endian) order
  // and OB data as bytes, so either way the little-endian sample stream.
  const Uint8* data = nullptr;
  OFCondition access;
  if (element->getVR() == EVR_OW) {
    Uint16* words = nullptr;
    access = element->getUint16Array(words);
    data = reinterpret_cast<const Uint8*>(words);
  } else {
    Uint8* octets = nullptr;
    access = element->getUint8Array(octets);
    data = octets;
  }
  if (access.bad() || data == nullptr) return truncated();
  std::memcpy(out.data, data + offset, frame_bytes);
  return absl::OkStatus();
}

// A JPEG 2000 frame, decoded by OpenJPEG into `out` (colour by pixel). OpenJPEG undoes the
// codestream's colour transform, so YBR_RCT and YBR_ICT come out as RGB.
absl::Status DecodeJpeg2000Frame(DcmDataset* dataset, const std::string& path, const Loaded& loaded,
                                 int frame, uint64_t max_pixels, SampleLayout& layout, cv::Mat& out,
                                 std::vector<std::string>& notes) {
  DcmPixelSequence* sequence = EncapsulatedSequence(dataset);
  if (sequence == nullptr) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG 2000 pixel data is not encapsulated"));
  }
  ASSIGN_OR_RETURN(const std::string codestream, FrameBytes(sequence, frame, loaded.frames, path));
  J2kExpectation expect;
  expect.rows = loaded.rows;
  expect.columns = loaded.columns;
  expect.samples = layout.samples;
  expect.bits_allocated = layout.allocated;
  expect.bits_stored = layout.stored;
  expect.is_signed = layout.is_signed;
  ASSIGN_OR_RETURN(J2kImage image, DecodeJ2k(codestream, expect, max_pixels, path));
  notes.insert(notes.end(), image.notes.begin(), image.notes.end());
  out = std::move(image.pixels);
  layout.planar = 0;
  layout.high_bit = layout.stored - 1;  // decoded values are right-aligned
  if (layout.photometric == "YBR_RCT" || layout.photometric == "YBR_ICT")
    layout.photometric = "RGB";
  return absl::OkStatus();
}

// The stored value (HighBit shift, bits outside BitsStored cleared), then the sign and
// polarity changes of the header comment, as one shift, mask and xor: for v <= mask,
// mask - v == v ^ mask. Most mammograms need none of it.
template <typename Sample>
void ToStoredValues(cv::Mat& samples, int shift, uint32_t mask, uint32_t flip) {
  if (shift == 0 && mask == std::numeric_limits<Sample>::max() && flip == 0) return;
  Sample* p = samples.ptr<Sample>();
  const size_t count = samples.total() * samples.channels();
  for (size_t i = 0; i < count; ++i) p[i] = static_cast<Sample>(((p[i] >> shift) & mask) ^ flip);
}

template <typename Sample>
cv::Mat LumaOfRgb(const cv::Mat& rgb) {
  cv::Mat luma(rgb.rows, rgb.cols, cv::DataType<Sample>::type);
  const Sample* in = rgb.ptr<Sample>();
  Sample* out = luma.ptr<Sample>();
  for (size_t i = 0; i < luma.total(); ++i, in += 3) {
    out[i] = static_cast<Sample>((299u * in[0] + 587u * in[1] + 114u * in[2] + 500u) / 1000u);
  }
  return luma;
}

// One palette table: descriptor (entries, first index mapped, bits) and data.
struct PaletteTable {
  uint32_t entries = 0, first = 0, bits = 0;
  std::vector<uint32_t> values;
};

absl::StatusOr<PaletteTable> ReadPaletteTable(DcmDataset* dataset, const DcmTagKey& descriptor,
                                              const DcmTagKey& data, const char* colour,
                                              const std::string& path) {
  PaletteTable table;
  Uint16 d0 = 0, d1 = 0, d2 = 0;
  DcmElement* element = nullptr;
  if (dataset->findAndGetUint16(descriptor, d0, 0).bad() ||
      dataset->findAndGetUint16(descriptor, d1, 1).bad() ||
      dataset->findAndGetUint16(descriptor, d2, 2).bad() ||
      dataset->findAndGetElement(data, element).bad() || element == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": PALETTE COLOR without a plain ", colour,
                     " lookup table (segmented tables are not supported)"));
  }
  table.entries = d0 == 0 ? 65536 : d0;
  table.first = d1;
  table.bits = d2;
  if (table.bits != 8 && table.bits != 16) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": ", colour, " palette table of ", table.bits, " bits"));
  }
  // 16-bit entries are words; 8-bit ones are either bytes or the low byte of words.
  Uint16* words = nullptr;
  if (element->getLength() >= 2 * table.entries && element->getUint16Array(words).good() &&
      words != nullptr) {
    for (uint32_t i = 0; i < table.entries; ++i)
      table.values.push_back(words[i] & ((1u << table.bits) - 1));
    return table;
  }
  Uint8* bytes = nullptr;
  if (table.bits == 8 && element->getLength() >= table.entries &&
      element->getUint8Array(bytes).good() && bytes != nullptr) {
    table.values.assign(bytes, bytes + table.entries);
    return table;
  }
  return absl::DataLossError(absl::StrCat(path, ": ", colour, " palette table shorter than its ",
                                          table.entries, " entries"));
}

// Palette indices to the luminance of their colours, in the tables' depth.
absl::StatusOr<cv::Mat> LumaOfPalette(DcmDataset* dataset, const cv::Mat& indices,
                                      const std::string& path, int& bits) {
  std::array<PaletteTable, 3> tables;
  ASSIGN_OR_RETURN(tables[0], ReadPaletteTable(dataset, DCM_RedPaletteColorLookupTableDescriptor,
                                               DCM_RedPaletteColorLookupTableData, "red", path));
  ASSIGN_OR_RETURN(tables[1],
                   ReadPaletteTable(dataset, DCM_GreenPaletteColorLookupTableDescriptor,
                                    DCM_GreenPaletteColorLookupTableData, "green", path));
  ASSIGN_OR_RETURN(tables[2], ReadPaletteTable(dataset, DCM_BluePaletteColorLookupTableDescriptor,
                                               DCM_BluePaletteColorLookupTableData, "blue", path));
  const PaletteTable& red = tables[0];
  for (const PaletteTable& table : tables) {
    if (table.entries != red.entries || table.first != red.first || table.bits != red.bits) {
      return absl::DataLossError(absl::StrCat(path, ": the three palette tables differ in shape"));
    }
  }
  std::vector<uint32_t> luma(red.entries);
  for (uint32_t i = 0; i < red.entries; ++i) {
    luma[i] = (299u * tables[0].values[i] + 587u * tables[1].values[i] +
               114u * tables[2].values[i] + 500u) /
              1000u;
  }
  bits = static_cast<int>(red.bits);
  cv::Mat out(indices.rows, indices.cols, red.bits == 8 ? CV_8U : CV_16U);
  for (int y = 0; y < indices.rows; ++y) {
    for (int x = 0; x < indices.cols; ++x) {
      const int64_t index =
          indices.depth() == CV_8U ? indices.at<uint8_t>(y, x) : indices.at<uint16_t>(y, x);
      // Indices below the first mapped one take the first entry, above the last the last.
      const size_t entry = static_cast<size_t>(
          std::clamp<int64_t>(index - red.first, 0, static_cast<int64_t>(red.entries) - 1));
      if (red.bits == 8) {
        out.at<uint8_t>(y, x) = static_cast<uint8_t>(luma[entry]);
      } else {
        out.at<uint16_t>(y, x) = static_cast<uint16_t>(luma[entry]);
      }
    }
  }
  return out;
}

// Colour samples (already stored values) to one channel of luminance.
absl::StatusOr<cv::Mat> ColourToLuma(DcmDataset* dataset, const SampleLayout& layout,
                                     const cv::Mat& samples, int rows, const std::string& path,
                                     int& bits) {
  if (layout.photometric == "PALETTE COLOR") return LumaOfPalette(dataset, samples, path, bits);
  // JPEG 2000's decoder undoes these transforms (DecodeJpeg2000Frame); elsewhere DICOM does
  // not allow them, and reading them as RGB would be wrong.
  if (layout.photometric == "YBR_RCT" || layout.photometric == "YBR_ICT") {
    return absl::UnimplementedError(absl::StrCat(path, ": photometric interpretation '",
                                                 layout.photometric, "' outside JPEG 2000"));
  }
  if (layout.photometric == "YBR_FULL_422") {
    // Y1 Y2 Cb Cr: the first two of each group of four are the pixels' Y.
    cv::Mat groups = samples.reshape(1, static_cast<int>(samples.total()));
    cv::Mat luma = groups.colRange(0, 2).clone();
    return luma.reshape(1, rows);
  }
  cv::Mat by_pixel = samples;
  if (samples.channels() == 1) {  // colour by plane: R...R G...G B...B
    std::vector<cv::Mat> planes = {samples.rowRange(0, rows), samples.rowRange(rows, 2 * rows),
                                   samples.rowRange(2 * rows, 3 * rows)};
    cv::merge(planes, by_pixel);
  }
  if (layout.photometric == "YBR_FULL") {
    cv::Mat y;
    cv::extractChannel(by_pixel, y, 0);
    return y;
  }
  return by_pixel.depth() == CV_8U ? LumaOfRgb<uint8_t>(by_pixel) : LumaOfRgb<uint16_t>(by_pixel);
}

}  // namespace

absl::StatusOr<DicomPixels> ReadDicomPixels(const std::string& path,
                                            const DicomReadOptions& options) {
  absl::StatusOr<Loaded> loaded = LoadImageFile(path, options);
  if (!loaded.ok()) return loaded.status();
  DcmDataset* dataset = loaded->file->getDataset();
  ASSIGN_OR_RETURN(SampleLayout layout, ReadSampleLayout(dataset, path, options.colour));
  DicomPixels result;
  const int frame = options.frame - 1;
  if (loaded->frames > 1) {
    result.notes.push_back(absl::StrCat(path, ": ", loaded->frames, " frames; frame ",
                                        options.frame, " kept, the others dropped (--frame)"));
  }
  cv::Mat samples;
  if (loaded->jpeg2000) {
    RETURN_IF_ERROR(DecodeJpeg2000Frame(dataset, path, *loaded, frame, options.max_pixels, layout,
                                        samples, result.notes));
  } else {
    ASSIGN_OR_RETURN(samples, FrameMatrix(layout, loaded->rows, loaded->columns, path));
    RETURN_IF_ERROR(
        CopyFrame(dataset, path, frame, loaded->rows, loaded->columns, layout, samples));
  }

  const int shift = layout.high_bit + 1 - layout.stored;
  const uint32_t mask = (1u << layout.stored) - 1;
  const uint32_t sign_flip = layout.is_signed ? 1u << (layout.stored - 1) : 0;
  const uint32_t flip =
      layout.colour() ? 0 : sign_flip ^ (layout.photometric == "MONOCHROME1" ? mask : 0);
  if (layout.allocated == 8) {
    ToStoredValues<uint8_t>(samples, shift, mask, flip);
  } else {
    ToStoredValues<uint16_t>(samples, shift, mask, flip);
  }
  result.bits_stored = layout.stored;
  if (layout.colour()) {
    ASSIGN_OR_RETURN(result.pixels, ColourToLuma(dataset, layout, samples, loaded->rows, path,
                                                 result.bits_stored));
    return result;
  }
  result.pixels = std::move(samples);

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

absl::StatusOr<std::optional<cv::Mat>> ReadDicomVoi(const std::string& path,
                                                    const DicomReadOptions& options) {
  absl::StatusOr<Loaded> loaded = LoadImageFile(path, options);
  if (!loaded.ok()) return loaded.status();
  DcmDataset* dataset = loaded->file->getDataset();
  if (loaded->jpeg2000) {
    return absl::UnimplementedError(
        absl::StrCat(path,
                     ": --voi is not available for JPEG 2000 files (DCMTK renders the "
                     "window and has no JPEG 2000 codec here); leave it out for min-max"));
  }
  // The sample layout is checked first, as ReadDicomPixels does: DCMTK sizes its buffers from
  // SamplesPerPixel and BitsAllocated, and a damaged header (8755 samples of 4096 bits, found
  // by dicom_fuzzer) made it allocate 2.8 GB for a 20x223 image. Colour has no VOI.
  ASSIGN_OR_RETURN(const SampleLayout layout, ReadSampleLayout(dataset, path, ColourMode::kLuma));
  if (layout.colour()) return std::optional<cv::Mat>();
  DicomImage image(loaded->file.get(), dataset->getOriginalXfer(), CIF_MayDetachPixelData,
                   options.frame - 1, 1);
  if (image.getStatus() != EIS_Normal) {
    return absl::DataLossError(absl::StrCat(path, ": ", DicomImage::getString(image.getStatus())));
  }
  if (!image.isMonochrome()) return std::optional<cv::Mat>();
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
