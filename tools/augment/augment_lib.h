// augment: Augmentor-faithful augmentation of ROI records into train, valid and test shard
// sets, with leakage-free splits by default.
//
// Memory: the source records are held (decoded, about their PNG size once more while
// reading: roughly 350 MB for CBIS-DDSM's 1,696 mass ROIs of 320x320); outputs are produced
// in batches of 64 per thread and written in sample order, so they are never all resident.
// Determinism: sample i's source and draws come from Rng(seed, i) alone, so the bytes are
// the same for any thread count.
#ifndef MAMMO_TOOLS_AUGMENT_AUGMENT_LIB_H_
#define MAMMO_TOOLS_AUGMENT_AUGMENT_LIB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"
#include "lib/records/task.h"
#include "tools/augment/ops.h"

namespace mammo::augment {

enum class Protocol { kPatient, kPaper };

struct Options {
  std::vector<std::string> inputs;
  std::string output;  // PREFIX: writes PREFIX_train@N, PREFIX_valid@N, PREFIX_test@N
  int shards = 8;
  std::vector<OpSpec> ops = Table5();
  bool compat = true;
  uint64_t samples = 0;    // augmented images drawn with replacement; or
  uint64_t per_image = 0;  // each augmented source this many times
  // With `samples`: sample i augments a source of label i % 2 (benign at even i), drawn
  // uniformly among that label's sources, so the samples are half of each class (+-1), as the
  // paper's 30,000 + 30,000; the paper protocol's split is then stratified by label. false:
  // sources drawn uniformly, the class mix following theirs. No effect with per_image.
  bool balance = true;
  Protocol protocol = Protocol::kPatient;
  double valid_fraction = 0.1;  // patient: share of train patients per label
  // Patient protocol without folds: the share of the patients whose records have no official
  // split (MIAS, INbreast, CMMD), per label, drawn into test; the others train. Records with
  // an official split keep it. 0: records without one are refused.
  double test_fraction = 0;
  // Patient-grouped, label-stratified cross-validation (patient protocol; folds 0: off): all
  // patients, whatever their official split, dealt into `folds` folds; fold `fold`'s patients
  // are the test split, valid is carved from the others as without folds, the rest augmented.
  int folds = 0;
  int fold = 0;
  double paper_train = 0.8, paper_valid = 0.1;  // paper: shares of the augmented images
  uint64_t seed = 1;
  int threads = 1;
  Image::Encoding encoding = Image::PNG;  // of the augmented images (RAW: no compression)
  // One task of an array job (lib/records/task.h): every task reads all the sources and
  // writes its slice of the output records (passed-through ones, then samples) as parts of
  // the three sets, PREFIX_train@N and so on, for `shardcat merge` set by set.
  Task task;
};

struct Overlap {
  uint64_t patients = 0;
  uint64_t lesions = 0;
};

struct Report {
  uint64_t sources = 0;
  uint64_t train = 0, valid = 0, test = 0;                                // records written per set
  uint64_t train_malignant = 0, valid_malignant = 0, test_malignant = 0;  // of those
  // Distinct patients and lesions found on both sides, counted from what was written.
  Overlap train_test, train_valid, valid_test;
};

absl::StatusOr<Report> Run(const Options& options);

// "train 54000, valid ..., overlap train/test: 12 patients, 14 lesions; ..." (one line, with
// its newline), and under the paper's protocol a second line warning of the leakage it counts.
std::string FormatReport(const Report& report, Protocol protocol = Protocol::kPatient);

// Said before a run under the paper's protocol (one line, with its newline).
inline constexpr char kPaperProtocolWarning[] =
    "augment: WARNING: --protocol paper pools train and test and splits by augmented image: "
    "copies of the same lesion land in train and test, so test scores are optimistic "
    "(leakage). Use it only to reproduce the paper.\n";

// --paper_split "TRAIN,VALID" (shares of the pooled images, summing to at most 1) into
// options->paper_train and paper_valid; InvalidArgument naming the flag otherwise.
absl::Status ParsePaperSplit(const std::string& text, Options* options);

// --samples and --per_image (exactly one above 0) and --encoding (png or raw) into
// `options`; InvalidArgument naming the flag otherwise.
absl::Status ParseSamplingFlags(uint64_t samples, uint64_t per_image, const std::string& encoding,
                                Options* options);

// The split flags: --protocol (patient or paper), --valid_fraction and --test_fraction (in
// [0, 1); test_fraction patient protocol only), --paper_split (ParsePaperSplit) and --fold
// ("I/K", 0 <= I < K, K >= 2, patient protocol only, not with --test_fraction; empty: no folds)
// into `options`; InvalidArgument naming the flag otherwise.
absl::Status ParseSplitFlags(const std::string& protocol, double valid_fraction,
                             double test_fraction, const std::string& paper_split,
                             const std::string& fold, Options* options);

}  // namespace mammo::augment

#endif  // MAMMO_TOOLS_AUGMENT_AUGMENT_LIB_H_
