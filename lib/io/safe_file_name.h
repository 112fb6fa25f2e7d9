// A record id (or any name from the data) as a file name that stays inside its folder: every
// character but letters, digits, '.', '-' and '_' becomes '_' (so no '/' and no "..") and a
// leading '.' or an empty name gets a '_' in front (no hidden files). Different ids can give the
// same name ("a/b", "a_b"): callers that write one file per id check for that.
//
//   WriteFileAtomically(absl::StrCat(dir, "/", SafeFileName(record.id()), ".png"), png);
#ifndef MAMMO_LIB_IO_SAFE_FILE_NAME_H_
#define MAMMO_LIB_IO_SAFE_FILE_NAME_H_

#include <string>

namespace mammo {

std::string SafeFileName(const std::string& id);

}  // namespace mammo

#endif  // MAMMO_LIB_IO_SAFE_FILE_NAME_H_
