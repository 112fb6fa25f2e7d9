// synth --layout cmmd: a synthetic CMMD (data_formats/datasets/cmmd.md) as the NBIA Data
// Retriever leaves it: manifest-<n>/CMMD/<ID1>/<study>/<series>/1-<k>.dcm, the side and view
// only in each header (ImageLaterality, ViewCodeSequence; ViewPosition left out), and the
// clinical table as the CSV users convert it to, ';'-separated
// (CMMD_clinicaldata_revision.csv: ID1, LeftRight, Age, number, abnormality, classification,
// subtype), one row per breast with a finding. The spec's traps are planted: file order that
// does not follow the side, breasts without a clinical row, patients with one benign and one
// malignant breast, D1 malignant rows without subtype, 8-bit and 16-bit images; and the issue's
// bad input: a row with an unknown classification, a row whose images are missing, an image
// without ImageLaterality.
#ifndef MAMMO_TOOLS_SYNTH_SYNTH_CMMD_H_
#define MAMMO_TOOLS_SYNTH_SYNTH_CMMD_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tools/synth/synth_plan.h"

namespace mammo::synth {

inline constexpr char kCmmdClinicalCsv[] = "CMMD_clinicaldata_revision.csv";

// Trap names as written in synth_truth.csv's traps column.
inline constexpr char kCmmdTrapUnlabelled[] = "unlabelled_breast";  // an image without a row
inline constexpr char kCmmdTrapMixedPatient[] = "mixed_patient";    // benign and malignant
inline constexpr char kCmmdTrapSixteenBit[] = "sixteen_bit";        // 16 bits, not 8
inline constexpr char kCmmdTrapBadClassification[] = "bad_classification";
inline constexpr char kCmmdTrapMissingImage[] = "missing_image";  // a row's files absent
inline constexpr char kCmmdTrapNoLaterality[] = "no_laterality";  // ImageLaterality left out

struct CmmdImage {
  std::string view;     // CC or MLO
  int file_number = 1;  // 1-<file_number>.dcm, in an order unrelated to the side
  uint64_t render_seed = 0;
  std::string sop_uid;
  bool no_laterality = false;
};

struct CmmdBreast {
  std::string side;            // L or R
  bool has_row = true;         // false: no clinical row (unlabelled_breast)
  std::string abnormality;     // mass, calcification or both
  std::string classification;  // Benign or Malignant (or the bad_classification value)
  std::string subtype;         // D2 malignant only
  int csv_line = 0;            // its row's line in the clinical CSV
  bool missing = false;        // its images are not written
  bool sixteen_bit = false;
  std::vector<CmmdImage> images;  // CC and MLO
  Abnormality lesion;             // what Render draws: the finding that was biopsied
};

struct CmmdPatient {
  std::string id;  // D1-0001, D2-0001
  int age = 50;
  std::string study_uid, series_uid;
  std::vector<CmmdBreast> breasts;  // one or two
};

// `options.cases` patients, the first half in cohort D1, the rest in D2; a third with both
// breasts imaged. The first patient has a benign and a malignant breast.
std::vector<CmmdPatient> BuildCmmdPlan(const PlanOptions& options);

std::string CmmdClinicalCsv(const std::vector<CmmdPatient>& patients);
// Per image (or per clinical row whose images are missing): the id the adapter should give,
// the label, the traps and the row's CSV line.
std::string CmmdTruthCsv(const std::vector<CmmdPatient>& patients);

// Renders and writes the DICOM tree, then the clinical CSV and synth_truth.csv.
absl::Status SynthesizeCmmd(const std::string& output, const PlanOptions& options, int threads);

}  // namespace mammo::synth

#endif  // MAMMO_TOOLS_SYNTH_SYNTH_CMMD_H_
