// Encapsulated (compressed) DICOM pixel data, fragment by fragment, for the codecs that
// DCMTK does not run itself (JPEG 2000, see j2k.h): the bytes of one frame gathered from
// its fragments, and the writing side for synth and tests.
//
//   DcmPixelSequence* sequence = ...;  // DcmPixelData::getEncapsulatedRepresentation
//   ASSIGN_OR_RETURN(std::string codestream, FrameBytes(sequence, /*frame=*/0, /*frames=*/1,
//                                                       "1-1.dcm"));
//
//   RETURN_IF_ERROR(PutEncapsulatedPixelData(dataset, EXS_JPEG2000LosslessOnly, {codestream},
//                                            {.fragment_bytes = 4096, .offset_table = true}));
//
// Which fragments make frame i (PS3.5 A.4), in this order of trust:
//   1. the Basic Offset Table, when it has one entry per frame: frame i runs from the
//      fragment at offset table[i] up to the one at table[i+1]; an entry that does not point
//      at a fragment's start is DataLoss;
//   2. one frame: every fragment;
//   3. as many fragments as frames: fragment i;
//   4. otherwise, frames start at fragments that begin with a JPEG 2000 start of codestream
//      (FF 4F FF 51); a count that does not add up is DataLoss.
#ifndef MAMMO_LIB_DICOM_ENCAPSULATED_H_
#define MAMMO_LIB_DICOM_ENCAPSULATED_H_

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mammo {

// The concatenated fragments of frame `frame` (0-based) of `frames`. Errors name `path`.
absl::StatusOr<std::string> FrameBytes(DcmPixelSequence* sequence, int frame, int frames,
                                       const std::string& path);

// DCMTK 3.6.7's JPEG decoder (dcmjpeg) first walks the markers of the first fragment to learn
// the precision, and never steps past a TEM marker (FF 01) met on that walk: the decode
// hangs. This walks the same way and returns DataLoss naming `path` and the marker's byte
// offset where DCMTK would hang; OK where its walk ends (at a frame header, the end, or a
// byte it calls invalid). Call it before DCMTK decodes the JPEG syntaxes (PS3.5 .50-.70).
absl::Status CheckJpegPrecisionScan(DcmPixelSequence* sequence, const std::string& path);

struct EncapsulationOptions {
  size_t fragment_bytes = 0;  // 0: one fragment per frame; else at most this many (rounded to even)
  bool offset_table = true;   // write the Basic Offset Table, or leave it empty
};

// Replaces the dataset's Pixel Data with `frames` (already compressed in `xfer`), fragmented
// as asked. The file is then saved with saveFile(path, xfer).
absl::Status PutEncapsulatedPixelData(DcmDataset* dataset, E_TransferSyntax xfer,
                                      const std::vector<std::string>& frames,
                                      const EncapsulationOptions& options);

}  // namespace mammo

#endif  // MAMMO_LIB_DICOM_ENCAPSULATED_H_
