#include "lib/train/head_options.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mammo::train {

std::string HeadOptions::ToString() const {
  std::string layers = absl::StrCat(in_features);
  for (int64_t width : hidden) absl::StrAppend(&layers, ">", width);
  return absl::StrFormat("%s>1, dropout %g%s", layers, dropout,
                         standardize ? ", standardised inputs" : "");
}

}  // namespace mammo::train
