#include "lib/io/safe_file_name.h"

#include "absl/strings/ascii.h"

namespace mammo {

std::string SafeFileName(const std::string& id) {
  std::string name = id;
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      c = '_';
    }
  }
  if (name.empty() || name[0] == '.') name.insert(0, "_");
  return name;
}

}  // namespace mammo
