// A zlib stream (RFC 1950 around RFC 1951 deflate) made of literals and runs only: a byte
// repeated four or more times becomes a match at distance 1, every other byte a literal, in
// dynamic-Huffman blocks of 128 KiB of input. No other match is searched for, so the cost is
// a few nanoseconds per byte whatever the data. It is made for PNG rows after the Sub filter:
// on a noisy mammogram, literals alone compress about as well as zlib's level 1 (which is
// 5-10x slower there), and a ROI mask is long runs of zeros.
//
//   std::string out = ...;
//   AppendRleZlib(filtered_rows, &out);   // any inflater gives filtered_rows back
#ifndef MAMMO_LIB_IMAGE_RLE_DEFLATE_H_
#define MAMMO_LIB_IMAGE_RLE_DEFLATE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace mammo {

// Appends the zlib stream of `input` (any size, empty included) to `out`. The same input
// always gives the same bytes.
void AppendRleZlib(absl::string_view input, std::string* out);

}  // namespace mammo

#endif  // MAMMO_LIB_IMAGE_RLE_DEFLATE_H_
