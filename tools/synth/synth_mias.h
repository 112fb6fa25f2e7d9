// synth --layout mias: a synthetic mini-MIAS (data_formats/datasets/mias.md): Info.txt, one
// row per abnormality with the centre's y counted from the bottom, and all-mias/mdbNNN.pgm,
// 1024x1024 8-bit grey, film pairs of one patient (odd: right, even: left). The spec's traps
// are planted: a header line, NORM rows of three fields, several rows per image, CALC rows
// without coordinates or with a NOTE token, trailing spaces; and the bad input: an
// unknown severity, a centre outside the image, a missing image.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_MIAS_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_MIAS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/synth/synth_plan.h"

namespace mammo::synth {

// mini-MIAS images are all 1024 x 1024 (the README's note 2).
inline constexpr int kMiasSize = 1024;

// Trap names as written in synth_truth.csv's traps column.
inline constexpr char kMiasTrapNorm[] = "norm";                     // REF BG NORM
inline constexpr char kMiasTrapNoCoordinates[] = "no_coordinates";  // REF BG CALC SEV
inline constexpr char kMiasTrapNoteToken[] = "note_token";          // REF BG CALC SEV NOTE
inline constexpr char kMiasTrapBadSeverity[] = "bad_severity";      // a severity other than B/M
inline constexpr char kMiasTrapCentreOutside[] = "centre_outside";  // y beyond the image
inline constexpr char kMiasTrapTrailingSpaces[] = "trailing_spaces";
inline constexpr char kMiasTrapMissingImage[] = "missing_image";

struct MiasRow {
  std::string abnormality_class;  // CIRC, SPIC, MISC, ARCH, ASYM, CALC or NORM
  std::string severity;           // B or M; empty for NORM
  std::vector<std::string> traps;
  Abnormality lesion;  // what Render draws (geometry, look); unused for NORM
  // The enclosing circle in image pixels, row 0 at the top; set when the image is rendered.
  int x = 0, row = 0, radius = 0;

  bool HasTrap(const std::string& trap) const;
};

struct MiasImage {
  int number = 1;          // mdb<number>
  std::string background;  // F, G or D
  uint64_t render_seed = 0;
  bool missing = false;
  std::vector<MiasRow> rows;

  std::string Ref() const;        // mdb001
  std::string PatientId() const;  // (number + 1) / 2, as "mias_001"
  std::string Side() const;       // LEFT (even) or RIGHT (odd)
};

// `options.cases` images (mdb001 is a lesion, mdb003 NORM and mdb005 two rows, as in the real
// file); `options.trap_rate` of the lesion rows get each row trap, of the images the missing
// one, at least one each.
std::vector<MiasImage> BuildMiasPlan(const PlanOptions& options);

// Info.txt as the Kaggle copy has it: the header line, then the rows, space-separated.
std::string MiasInfoTxt(const std::vector<MiasImage>& images);

// synth_truth.csv for the mias layout: per row the ids, the label and the enclosing circle in
// image rows (the adapter's mask is that disc), with its box clipped to the image.
std::string MiasTruthCsv(const std::vector<MiasImage>& images);

// Renders and writes all-mias/*.pgm, then Info.txt and synth_truth.csv.
absl::Status SynthesizeMias(const std::string& output, const PlanOptions& options, int threads);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_MIAS_H_
