// The rejects file every record stage writes (dcm2png, roicrop): one line per input that gave
// no output, with a machine-readable reason and a detail for people.
//
//   RETURN_IF_ERROR(out->Write(kRejectsHeader));   // "id\treason\tdetail\n"
//   RETURN_IF_ERROR(out->Write(RejectsLine("Mass-Training_P_00005_LEFT_CC_1", "corrupt_dicom",
//                                          "CBIS/P_00005/1-1.dcm: not a DICOM file")));
//
// Reasons are snake_case words (corrupt_dicom, aspect_below_min); the detail is free text, its
// tabs and line breaks turned into spaces so that every line has exactly three columns.
#ifndef MAMMO_LIB_IO_REJECTS_H_
#define MAMMO_LIB_IO_REJECTS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mammo {

inline constexpr char kRejectsHeader[] = "id\treason\tdetail\n";

std::string RejectsLine(absl::string_view id, absl::string_view reason, absl::string_view detail);

}  // namespace mammo

#endif  // MAMMO_LIB_IO_REJECTS_H_
