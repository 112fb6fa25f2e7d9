#include "lib/io/rejects.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace mammo {
namespace {

std::string OneCell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\t", " "}, {"\r\n", " "}, {"\n", " "}, {"\r", " "}});
}

}  // namespace

std::string RejectsLine(absl::string_view id, absl::string_view reason, absl::string_view detail) {
  return absl::StrCat(OneCell(id), "\t", OneCell(reason), "\t", OneCell(detail), "\n");
}

}  // namespace mammo
