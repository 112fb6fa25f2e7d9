#include "lib/dicom/encapsulated.h"

#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mammo {
namespace {

// A fragment's value stays where DCMTK left it (on disk for large values) until a frame needs
// it: a multi-frame file costs the memory of one frame.
struct Fragment {
  DcmPixelItem* item = nullptr;
  Uint32 length = 0;
  Uint32 offset = 0;  // from the first fragment's item tag, as the Basic Offset Table counts
};

absl::StatusOr<std::vector<Fragment>> ReadFragments(DcmPixelSequence* sequence,
                                                    const std::string& path) {
  std::vector<Fragment> fragments;
  Uint32 offset = 0;
  for (unsigned long i = 1; i < sequence->card(); ++i) {
    DcmPixelItem* item = nullptr;
    if (sequence->getItem(item, i).bad() || item == nullptr) {
      return absl::DataLossError(absl::StrCat(path, ": pixel data fragment ", i, " unreadable"));
    }
    fragments.push_back({item, item->getLength(), offset});
    offset += 8 + item->getLength();  // item tag and length, then the value
  }
  if (fragments.empty()) {
    return absl::DataLossError(absl::StrCat(path, ": encapsulated pixel data has no fragments"));
  }
  return fragments;
}

// Appends `size` bytes of the fragment's value from `start` to `out`.
absl::Status AppendValue(const Fragment& fragment, Uint32 start, Uint32 size, std::string& out,
                         const std::string& path) {
  const size_t at = out.size();
  out.resize(at + size);
  if (size > 0 && fragment.item->getPartialValue(out.data() + at, start, size).bad()) {
    return absl::DataLossError(
        absl::StrCat(path, ": pixel data fragment at offset ", fragment.offset, " unreadable"));
  }
  return absl::OkStatus();
}

// The Basic Offset Table's entries (little-endian 32-bit), empty when it has none.
absl::StatusOr<std::vector<Uint32>> ReadOffsetTable(DcmPixelSequence* sequence,
                                                    const std::string& path) {
  DcmPixelItem* table = nullptr;
  Uint8* data = nullptr;
  if (sequence->card() == 0 || sequence->getItem(table, 0).bad() || table == nullptr) {
    return absl::DataLossError(absl::StrCat(path, ": encapsulated pixel data has no offset table"));
  }
  std::vector<Uint32> offsets;
  if (table->getLength() == 0) return offsets;
  if (table->getLength() % 4 != 0 || table->getUint8Array(data).bad() || data == nullptr) {
    return absl::DataLossError(
        absl::StrCat(path, ": Basic Offset Table of ", table->getLength(), " bytes is damaged"));
  }
  for (Uint32 at = 0; at < table->getLength(); at += 4) {
    offsets.push_back(data[at] | data[at + 1] << 8 | data[at + 2] << 16 |
                      static_cast<Uint32>(data[at + 3]) << 24);
  }
  return offsets;
}

bool StartsJ2kCodestream(const Fragment& fragment, const std::string& path) {
  static constexpr char kStart[] = {'\xff', '\x4f', '\xff', '\x51'};
  std::string head;
  return fragment.length >= sizeof(kStart) &&
         AppendValue(fragment, 0, sizeof(kStart), head, path).ok() &&
         std::memcmp(head.data(), kStart, sizeof(kStart)) == 0;
}

// [first, end) fragment indices of each frame.
absl::StatusOr<std::vector<std::pair<size_t, size_t>>> FrameRanges(
    const std::vector<Fragment>& fragments, const std::vector<Uint32>& offsets, int frames,
    const std::string& path) {
  std::vector<size_t> starts;
  if (offsets.size() == static_cast<size_t>(frames)) {
    size_t next = 0;
    for (size_t f = 0; f < offsets.size(); ++f) {
      while (next < fragments.size() && fragments[next].offset < offsets[f]) ++next;
      if (next == fragments.size() || fragments[next].offset != offsets[f]) {
        return absl::DataLossError(absl::StrCat(path, ": Basic Offset Table entry ", f, " (",
                                                offsets[f], ") is not the start of a fragment"));
      }
      starts.push_back(next);
    }
  } else if (frames == 1) {
    starts.push_back(0);
  } else if (fragments.size() == static_cast<size_t>(frames)) {
    for (size_t f = 0; f < fragments.size(); ++f) starts.push_back(f);
  } else {
    for (size_t f = 0; f < fragments.size(); ++f) {
      if (StartsJ2kCodestream(fragments[f], path)) starts.push_back(f);
    }
    if (starts.size() != static_cast<size_t>(frames) || starts[0] != 0) {
      return absl::DataLossError(absl::StrCat(path, ": ", fragments.size(), " fragments and ",
                                              starts.size(), " codestream starts for ", frames,
                                              " frames, and no usable Basic Offset Table"));
    }
  }
  std::vector<std::pair<size_t, size_t>> ranges;
  for (size_t f = 0; f < starts.size(); ++f) {
    ranges.emplace_back(starts[f], f + 1 < starts.size() ? starts[f + 1] : fragments.size());
  }
  return ranges;
}

}  // namespace

absl::StatusOr<std::string> FrameBytes(DcmPixelSequence* sequence, int frame, int frames,
                                       const std::string& path) {
  absl::StatusOr<std::vector<Fragment>> fragments = ReadFragments(sequence, path);
  if (!fragments.ok()) return fragments.status();
  absl::StatusOr<std::vector<Uint32>> offsets = ReadOffsetTable(sequence, path);
  if (!offsets.ok()) return offsets.status();
  absl::StatusOr<std::vector<std::pair<size_t, size_t>>> ranges =
      FrameRanges(*fragments, *offsets, frames, path);
  if (!ranges.ok()) return ranges.status();
  const auto [first, end] = (*ranges)[frame];
  std::string bytes;
  for (size_t f = first; f < end; ++f) {
    const Fragment& fragment = (*fragments)[f];
    if (absl::Status s = AppendValue(fragment, 0, fragment.length, bytes, path); !s.ok()) return s;
  }
  return bytes;
}

absl::Status CheckJpegPrecisionScan(DcmPixelSequence* sequence, const std::string& path) {
  absl::StatusOr<std::vector<Fragment>> fragments = ReadFragments(sequence, path);
  if (!fragments.ok()) return fragments.status();
  const Fragment& first = fragments->front();
  // The walk usually ends at the frame header within the first few kilobytes: the fragment
  // (a whole frame, when it has one fragment) is read in blocks only as far as the walk goes.
  std::string bytes;
  auto have = [&](size_t end) -> absl::StatusOr<bool> {
    while (bytes.size() < end && bytes.size() < first.length) {
      const Uint32 block = std::min<Uint32>(first.length - bytes.size(), 1 << 16);
      const Uint32 start = static_cast<Uint32>(bytes.size());
      if (absl::Status s = AppendValue(first, start, block, bytes, path); !s.ok()) return s;
    }
    return bytes.size() >= end;
  };
  auto byte = [&](size_t at) { return static_cast<uint8_t>(bytes[at]); };
  size_t at = 0;
  while (true) {
    // DCMTK walks while at + 4 < the fragment's length.
    absl::StatusOr<bool> more = have(at + 5);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (byte(at) != 0xff) return absl::OkStatus();  // DCMTK gives up: not a marker
    const uint8_t code = byte(at + 1);
    if (code == 0x01) {
      return absl::DataLossError(absl::StrCat(
          path, ": JPEG data has a TEM marker (FF 01) at byte ", at,
          " of its first fragment, where DCMTK's decoder would loop forever; not decoded"));
    }
    const bool start_of_frame =
        code >= 0xc0 && code <= 0xcf && code != 0xc4 && code != 0xc8 && code != 0xcc;
    if (start_of_frame) return absl::OkStatus();
    if (code == 0xff) {  // a fill byte
      at += 1;
    } else if ((code >= 0x03 && code <= 0xbf) || (code >= 0xd0 && code <= 0xd9)) {
      at += 2;  // reserved markers, RSTn, SOI, EOI: no length
    } else if (code >= 0xc4) {
      at += 2 + (size_t{byte(at + 2)} << 8 | byte(at + 3));  // a marker segment
    } else {
      return absl::OkStatus();  // FF 00, FF 02: DCMTK gives up
    }
  }
  return absl::OkStatus();
}

absl::Status PutEncapsulatedPixelData(DcmDataset* dataset, E_TransferSyntax xfer,
                                      const std::vector<std::string>& frames,
                                      const EncapsulationOptions& options) {
  auto* sequence = new DcmPixelSequence(DCM_PixelSequenceTag);
  auto* table = new DcmPixelItem(DCM_PixelItemTag);
  sequence->insert(table);
  std::string table_bytes;  // little-endian 32-bit start of each frame
  Uint32 position = 0;      // from the first fragment's item tag
  for (const std::string& frame : frames) {
    for (int shift = 0; shift < 32; shift += 8) table_bytes.push_back(char(position >> shift));
    // Every fragment but the last keeps an even length, so padding only ever ends a frame.
    const size_t step = options.fragment_bytes == 0
                            ? frame.size()
                            : std::max<size_t>(2, options.fragment_bytes & ~size_t{1});
    for (size_t at = 0; at < frame.size(); at += step) {
      std::string piece = frame.substr(at, step);
      if (piece.size() % 2 != 0) piece.push_back('\0');  // items have even lengths
      auto* item = new DcmPixelItem(DCM_PixelItemTag);
      item->putUint8Array(reinterpret_cast<const Uint8*>(piece.data()),
                          static_cast<Uint32>(piece.size()));
      sequence->insert(item);
      position += 8 + static_cast<Uint32>(piece.size());
    }
  }
  if (options.offset_table) {
    table->putUint8Array(reinterpret_cast<const Uint8*>(table_bytes.data()),
                         static_cast<Uint32>(table_bytes.size()));
  }
  auto* pixel_data = new DcmPixelData(DCM_PixelData);
  pixel_data->putOriginalRepresentation(xfer, nullptr, sequence);
  const OFCondition inserted = dataset->insert(pixel_data, /*replaceOld=*/true);
  if (inserted.bad()) {
    delete pixel_data;
    return absl::InternalError(inserted.text());
  }
  return absl::OkStatus();
}

}  // namespace mammo
