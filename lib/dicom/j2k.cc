#include "lib/dicom/j2k.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mammo {
namespace {

// OpenJPEG reads and writes through callbacks; these serve a byte buffer in memory.
struct MemoryStream {
  const uint8_t* input = nullptr;  // decoding
  size_t input_size = 0;
  std::string* output = nullptr;  // encoding
  size_t position = 0;
  size_t size() const { return output != nullptr ? output->size() : input_size; }
};

OPJ_SIZE_T ReadBytes(void* buffer, OPJ_SIZE_T bytes, void* user) {
  auto* stream = static_cast<MemoryStream*>(user);
  if (stream->position >= stream->input_size) return static_cast<OPJ_SIZE_T>(-1);
  const size_t count = std::min<size_t>(bytes, stream->input_size - stream->position);
  std::memcpy(buffer, stream->input + stream->position, count);
  stream->position += count;
  return count;
}

OPJ_SIZE_T WriteBytes(void* buffer, OPJ_SIZE_T bytes, void* user) {
  auto* stream = static_cast<MemoryStream*>(user);
  if (stream->output->size() < stream->position + bytes) {
    stream->output->resize(stream->position + bytes);
  }
  std::memcpy(stream->output->data() + stream->position, buffer, bytes);
  stream->position += bytes;
  return bytes;
}

OPJ_OFF_T SkipBytes(OPJ_OFF_T bytes, void* user) {
  auto* stream = static_cast<MemoryStream*>(user);
  const OPJ_OFF_T target = static_cast<OPJ_OFF_T>(stream->position) + bytes;
  if (target < 0) return -1;
  const size_t clamped = std::min<size_t>(static_cast<size_t>(target), stream->size());
  const OPJ_OFF_T skipped = static_cast<OPJ_OFF_T>(clamped) - stream->position;
  stream->position = clamped;
  return skipped;
}

OPJ_BOOL SeekTo(OPJ_OFF_T offset, void* user) {
  auto* stream = static_cast<MemoryStream*>(user);
  if (offset < 0 || static_cast<size_t>(offset) > stream->size()) return OPJ_FALSE;
  stream->position = static_cast<size_t>(offset);
  return OPJ_TRUE;
}

struct CodecDeleter {
  void operator()(opj_codec_t* codec) const { opj_destroy_codec(codec); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* stream) const { opj_stream_destroy(stream); }
};
struct ImageDeleter {
  void operator()(opj_image_t* image) const { opj_image_destroy(image); }
};
using CodecPtr = std::unique_ptr<opj_codec_t, CodecDeleter>;
using StreamPtr = std::unique_ptr<opj_stream_t, StreamDeleter>;
using ImagePtr = std::unique_ptr<opj_image_t, ImageDeleter>;

// OpenJPEG reports errors through a callback; the first one becomes the status's detail.
void KeepFirstError(const char* message, void* user) {
  auto* first = static_cast<std::string*>(user);
  if (first->empty()) *first = std::string(absl::StripTrailingAsciiWhitespace(message));
}
void Ignore(const char*, void*) {}

StreamPtr MakeStream(MemoryStream* memory, bool input) {
  StreamPtr stream(opj_stream_create(1 << 16, input ? OPJ_TRUE : OPJ_FALSE));
  opj_stream_set_user_data(stream.get(), memory, nullptr);
  opj_stream_set_user_data_length(stream.get(), memory->size());
  if (input) {
    opj_stream_set_read_function(stream.get(), ReadBytes);
  } else {
    opj_stream_set_write_function(stream.get(), WriteBytes);
  }
  opj_stream_set_skip_function(stream.get(), SkipBytes);
  opj_stream_set_seek_function(stream.get(), SeekTo);
  return stream;
}

bool IsJp2File(absl::string_view data) {
  static constexpr char kSignature[] = {0, 0, 0, 12, 'j', 'P', ' ', ' '};
  return data.size() >= sizeof(kSignature) &&
         std::memcmp(data.data(), kSignature, sizeof(kSignature)) == 0;
}

std::string Describe(int bits, bool is_signed) {
  return absl::StrCat(bits, "-bit ", is_signed ? "signed" : "unsigned");
}

// Checks a codestream's size against `max_pixels` and the header's geometry.
absl::Status CheckSize(uint64_t width, uint64_t height, uint64_t components,
                       const J2kExpectation& expect, uint64_t max_pixels, const std::string& path) {
  if (width * height > max_pixels) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": JPEG 2000 codestream is ", width, "x", height,
                     " pixels, more than --max_pixels=", max_pixels));
  }
  if (width != static_cast<uint64_t>(expect.columns) ||
      height != static_cast<uint64_t>(expect.rows)) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG 2000 codestream is ", width, "x", height,
                                            ", the header says ", expect.columns, "x",
                                            expect.rows));
  }
  if (components != static_cast<uint64_t>(expect.samples)) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG 2000 codestream has ", components,
                                            " components, the header says ", expect.samples,
                                            " samples per pixel"));
  }
  return absl::OkStatus();
}

uint64_t BigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (const char byte : bytes) value = value << 8 | static_cast<uint8_t>(byte);
  return value;
}

// The codestream of a JP2 file: the contents of its first 'jp2c' box (ISO 15444-1 I.5.4);
// a raw codestream as it is. Empty when a JP2 file has no complete-looking 'jp2c' box.
absl::string_view CodestreamOf(absl::string_view data) {
  if (!IsJp2File(data)) return data;
  while (data.size() >= 8) {
    uint64_t length = BigEndian(data.substr(0, 4));
    const absl::string_view type = data.substr(4, 4);
    size_t header = 8;
    if (length == 1) {  // the length follows as 8 bytes
      if (data.size() < 16) return {};
      length = BigEndian(data.substr(8, 8));
      header = 16;
    } else if (length == 0) {  // the box runs to the end of the file
      length = data.size();
    }
    if (length < header) return {};
    if (type == "jp2c") return data.substr(header, length - header);
    if (length >= data.size()) return {};
    data.remove_prefix(length);
  }
  return {};
}

// Checks the size that the codestream's SIZ marker segment claims, before OpenJPEG reads the
// header: reading it already allocates a table per tile (about 7 KB each, up to 65,535
// tiles), so a damaged or hostile codestream claiming a huge tiled image would cost hundreds
// of megabytes before the size check after the header. SIZ must follow SOC immediately (ISO
// 15444-1 A.5.1); OpenJPEG would skip unknown markers on the way to it, so a codestream that
// does not start so is refused here as damaged.
absl::Status CheckSizMarker(absl::string_view data, const J2kExpectation& expect,
                            uint64_t max_pixels, const std::string& path) {
  // SOC, SIZ, Lsiz, Rsiz, then Xsiz, Ysiz, XOsiz, YOsiz (4 bytes each), the tiling, Csiz.
  const absl::string_view codestream = CodestreamOf(data);
  if (codestream.size() < 42 || BigEndian(codestream.substr(0, 4)) != 0xff4fff51) {
    return absl::DataLossError(
        absl::StrCat(path, ": JPEG 2000 data does not decode (header: ",
                     IsJp2File(data) ? "the JP2 file's codestream" : "the codestream",
                     " does not start with the SOC and SIZ markers)"));
  }
  const uint64_t width = BigEndian(codestream.substr(8, 4));
  const uint64_t height = BigEndian(codestream.substr(12, 4));
  const uint64_t x_offset = BigEndian(codestream.substr(16, 4));
  const uint64_t y_offset = BigEndian(codestream.substr(20, 4));
  if (x_offset >= width || y_offset >= height) {
    return absl::DataLossError(absl::StrCat(
        path, ": JPEG 2000 data does not decode (header: the SIZ marker's image offset ", x_offset,
        ",", y_offset, " is outside its size ", width, "x", height, ")"));
  }
  return CheckSize(width - x_offset, height - y_offset, BigEndian(codestream.substr(40, 2)), expect,
                   max_pixels, path);
}

// Checks the decoded image's geometry against the header.
absl::Status CheckGeometry(const opj_image_t& image, const J2kExpectation& expect,
                           uint64_t max_pixels, const std::string& path) {
  if (absl::Status s = CheckSize(image.x1 - image.x0, image.y1 - image.y0, image.numcomps, expect,
                                 max_pixels, path);
      !s.ok()) {
    return s;
  }
  for (OPJ_UINT32 c = 0; c < image.numcomps; ++c) {
    const opj_image_comp_t& comp = image.comps[c];
    if (comp.dx != 1 || comp.dy != 1) {
      return absl::UnimplementedError(absl::StrCat(
          path, ": JPEG 2000 component ", c, " is subsampled; only full-resolution supported"));
    }
  }
  return absl::OkStatus();
}

template <typename Sample>
void CopySamples(const opj_image_t& image, uint32_t mask, cv::Mat& out) {
  const int channels = static_cast<int>(image.numcomps);
  const size_t count = out.total();
  Sample* dst = out.ptr<Sample>();
  for (int c = 0; c < channels; ++c) {
    const OPJ_INT32* src = image.comps[c].data;
    for (size_t i = 0; i < count; ++i) {
      dst[i * channels + c] = static_cast<Sample>(static_cast<uint32_t>(src[i]) & mask);
    }
  }
}

}  // namespace

absl::StatusOr<J2kImage> DecodeJ2k(absl::string_view codestream, const J2kExpectation& expect,
                                   uint64_t max_pixels, const std::string& path) {
  if (absl::Status s = CheckSizMarker(codestream, expect, max_pixels, path); !s.ok()) return s;
  MemoryStream memory;
  memory.input = reinterpret_cast<const uint8_t*>(codestream.data());
  memory.input_size = codestream.size();
  StreamPtr stream = MakeStream(&memory, /*input=*/true);
  CodecPtr codec(opj_create_decompress(IsJp2File(codestream) ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  std::string error;
  opj_set_error_handler(codec.get(), KeepFirstError, &error);
  opj_set_warning_handler(codec.get(), Ignore, nullptr);
  opj_set_info_handler(codec.get(), Ignore, nullptr);
  opj_dparameters_t parameters;
  opj_set_default_decoder_parameters(&parameters);
  auto damaged = [&](absl::string_view stage) {
    return absl::DataLossError(absl::StrCat(path, ": JPEG 2000 data does not decode (", stage,
                                            error.empty() ? "" : ": ", error, ")"));
  };
  if (!opj_setup_decoder(codec.get(), &parameters) ||
      !opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE) ||
      !opj_codec_set_threads(codec.get(), 0)) {
    return damaged("decoder set-up");
  }
  opj_image_t* raw_image = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw_image)) {
    opj_image_destroy(raw_image);
    return damaged("header");
  }
  ImagePtr image(raw_image);
  if (absl::Status s = CheckGeometry(*image, expect, max_pixels, path); !s.ok()) return s;
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get())) {
    return damaged("codestream");
  }
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
    if (image->comps[c].data == nullptr) return damaged("missing component data");
  }

  J2kImage result;
  const opj_image_comp_t& first = image->comps[0];
  if (static_cast<int>(first.prec) != expect.bits_stored || (first.sgnd != 0) != expect.is_signed) {
    result.notes.push_back(absl::StrCat(path, ": JPEG 2000 codestream says ",
                                        Describe(first.prec, first.sgnd != 0), ", the header ",
                                        Describe(expect.bits_stored, expect.is_signed),
                                        "; its values are read as the header says"));
  }
  const uint32_t mask = expect.bits_stored >= 32 ? 0xffffffffu : (1u << expect.bits_stored) - 1;
  const int depth = expect.bits_allocated == 8 ? CV_8U : CV_16U;
  result.pixels.create(expect.rows, expect.columns, CV_MAKETYPE(depth, expect.samples));
  if (depth == CV_8U) {
    CopySamples<uint8_t>(*image, mask, result.pixels);
  } else {
    CopySamples<uint16_t>(*image, mask, result.pixels);
  }
  return result;
}

absl::StatusOr<std::string> EncodeJ2kLossless(const cv::Mat& pixels, int bits_stored,
                                              bool is_signed) {
  const int channels = pixels.channels();
  if ((pixels.depth() != CV_8U && pixels.depth() != CV_16U) || (channels != 1 && channels != 3) ||
      bits_stored < 1 || bits_stored > 16 || pixels.empty()) {
    return absl::InvalidArgumentError(
        "EncodeJ2kLossless: needs CV_8U or CV_16U with 1 or 3 channels and 1..16 bits");
  }
  std::vector<opj_image_cmptparm_t> components(channels);
  for (opj_image_cmptparm_t& component : components) {
    std::memset(&component, 0, sizeof(component));
    component.dx = component.dy = 1;
    component.w = pixels.cols;
    component.h = pixels.rows;
    component.prec = bits_stored;
    component.sgnd = is_signed ? 1 : 0;
  }
  ImagePtr image(opj_image_create(channels, components.data(),
                                  channels == 1 ? OPJ_CLRSPC_GRAY : OPJ_CLRSPC_SRGB));
  if (image == nullptr) return absl::InternalError("EncodeJ2kLossless: out of memory");
  image->x1 = pixels.cols;
  image->y1 = pixels.rows;
  const cv::Mat dense = pixels.isContinuous() ? pixels : pixels.clone();
  const uint32_t mask = (1u << bits_stored) - 1;
  const uint32_t sign_bit = 1u << (bits_stored - 1);
  for (size_t i = 0; i < dense.total(); ++i) {
    for (int c = 0; c < channels; ++c) {
      const size_t at = i * channels + c;
      const uint32_t value =
          (dense.depth() == CV_8U ? dense.ptr<uint8_t>()[at] : dense.ptr<uint16_t>()[at]) & mask;
      // Two's complement in bits_stored bits, sign-extended to the int that OpenJPEG holds.
      image->comps[c].data[i] =
          is_signed && (value & sign_bit) != 0
              ? static_cast<OPJ_INT32>(value) - static_cast<OPJ_INT32>(mask) - 1
              : static_cast<OPJ_INT32>(value);
    }
  }
  opj_cparameters_t parameters;
  opj_set_default_encoder_parameters(&parameters);
  parameters.tcp_numlayers = 1;
  parameters.tcp_rates[0] = 0;  // no rate limit: every bit plane, lossless with the 5/3 wavelet
  parameters.cp_disto_alloc = 1;
  // Each resolution level halves the image; OpenJPEG refuses more levels than the size allows.
  int levels = 1;
  while (levels < 6 && (std::min(pixels.rows, pixels.cols) >> levels) > 0) ++levels;
  parameters.numresolution = levels;

  std::string codestream;
  MemoryStream memory;
  memory.output = &codestream;
  StreamPtr stream = MakeStream(&memory, /*input=*/false);
  CodecPtr codec(opj_create_compress(OPJ_CODEC_J2K));
  std::string error;
  opj_set_error_handler(codec.get(), KeepFirstError, &error);
  opj_set_warning_handler(codec.get(), Ignore, nullptr);
  opj_set_info_handler(codec.get(), Ignore, nullptr);
  if (!opj_setup_encoder(codec.get(), &parameters, image.get()) ||
      !opj_start_compress(codec.get(), image.get(), stream.get()) ||
      !opj_encode(codec.get(), stream.get()) || !opj_end_compress(codec.get(), stream.get())) {
    return absl::InternalError(absl::StrCat("EncodeJ2kLossless: ", error));
  }
  return codestream;
}

}  // namespace mammo
