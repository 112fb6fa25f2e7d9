// synth: write a synthetic data set shaped like CBIS-DDSM, traps included.
#include <cstdint>
#include <string>

#include "absl/flags/flag.h"
#include "lib/cli/cli.h"
#include "tools/synth/synth_lib.h"

ABSL_FLAG(std::string, output, "", "Folder to write the data set into (created if needed).");
ABSL_FLAG(int, cases, 200,
          "Mass abnormalities (CSV rows) over train and test; calc files get a tenth as many.");
ABSL_FLAG(int, width, 600, "Full image width in pixels (ignored with --full_size).");
ABSL_FLAG(int, height, 1000, "Full image height in pixels (ignored with --full_size).");
ABSL_FLAG(bool, full_size, false,
          "Draw each image's size from the real set's range (about 4000-6900 x 1800-4100).");
ABSL_FLAG(
    std::string, layout, "csv",
    "csv: files at the paths the CSVs name; nbia: the NBIA Data Retriever's folders "
    "under CBIS-DDSM/ plus metadata.csv; kaggle_cbis: the Kaggle JPEG copy, csv/ (the "
    "four CSVs and dicom_info.csv) and jpeg/<SeriesInstanceUID>/1-<n>.jpg; mias: mini-MIAS, "
    "Info.txt and all-mias/mdbNNN.pgm (1024x1024; --cases counts images); vindr: "
    "VinDr-Mammo, the two annotation CSVs and images/<study>/<image>.dicom (--cases counts "
    "four-view studies); inbreast: INbreast, INbreast.csv, AllXML/ and AllDICOMs/ (--cases "
    "counts patients); cmmd: CMMD as the NBIA downloader leaves it plus the clinical table as "
    "';'-separated CSV (--cases counts patients).");
ABSL_FLAG(uint64_t, seed, 42, "Same seed, same bytes (pixels and UIDs alike in both layouts).");
ABSL_FLAG(double, trap_rate, 0.05,
          "Share of rows given each trap (swapped crop/mask columns, mask of another size, "
          "missing mask, subtlety 0) and of images given each image trap (truncated file, "
          "missing file); at least one of each when above 0. At most 0.25.");
ABSL_FLAG(bool, jpeg2000, false,
          "Write every DICOM as JPEG 2000 lossless (1.2.840.10008.1.2.4.90, 64 KiB fragments, "
          "no offset table), as archives store mammograms.");
ABSL_FLAG(int, threads, 0, "Worker threads; 0 = all cores. The output does not depend on it.");

namespace {

constexpr char kUsage[] = R"(Usage: synth [OPTION]... --output DIR

Writes a synthetic data set shaped like CBIS-DDSM: the four case description CSVs
(CRLF, a newline inside some quoted ROI mask cells), DICOM full images (16-bit),
crops (16-bit) and ROI masks (8-bit, 0/255), and DIR/synth_truth.csv, which lists
per abnormality the true label, the traps applied and the mask's bounding box.
Benign masses are round and sharp, malignant ones irregular, spiculated, blurred.
--layout mias writes mini-MIAS instead (data_formats/datasets/mias.md): Info.txt, y
counted from the bottom, and all-mias/mdbNNN.pgm, with the spec's traps; --layout vindr
VinDr-Mammo (data_formats/datasets/vindr.md): breast-level and finding CSVs, DICOM images;
--layout inbreast INbreast (data_formats/datasets/inbreast.md): INbreast.csv, plist outlines
in AllXML/, DICOM images in AllDICOMs/; --layout cmmd CMMD (data_formats/datasets/cmmd.md):
NBIA folders, side and view only in the headers, CMMD_clinicaldata_revision.csv.

Examples:
  synth --output /tmp/cbis --cases 20                small set for a quick test
  synth --output /tmp/cbis --layout nbia             as the NBIA downloader leaves it
  synth --output /tmp/kaggle --layout kaggle_cbis    as the Kaggle JPEG copy
  synth --output /tmp/mias --layout mias --cases 20  as mini-MIAS (PGM and Info.txt)
  synth --output /tmp/vindr --layout vindr --cases 5 as VinDr-Mammo (5 studies)
  synth --output /tmp/inb --layout inbreast --cases 5 as INbreast (5 patients)
  synth --output /tmp/cmmd --layout cmmd --cases 5   as CMMD (5 patients)
  synth --output /tmp/big --cases 1696 --full_size   real-sized images)";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  namespace sy = mammo::synth;
  if (!args.empty()) return mammo::cli::UsageError("synth takes no arguments, only flags");
  sy::SynthOptions options;
  absl::StatusOr<sy::Layout> layout = sy::ParseLayout(absl::GetFlag(FLAGS_layout));
  if (!layout.ok()) return mammo::cli::UsageError(layout.status().message());
  options.layout = *layout;
  options.output = absl::GetFlag(FLAGS_output);
  options.threads = absl::GetFlag(FLAGS_threads);
  options.jpeg2000 = absl::GetFlag(FLAGS_jpeg2000);
  options.plan.cases = absl::GetFlag(FLAGS_cases);
  options.plan.width = absl::GetFlag(FLAGS_width);
  options.plan.height = absl::GetFlag(FLAGS_height);
  options.plan.full_size = absl::GetFlag(FLAGS_full_size);
  options.plan.seed = absl::GetFlag(FLAGS_seed);
  options.plan.trap_rate = absl::GetFlag(FLAGS_trap_rate);
  if (absl::Status valid = sy::ValidateOptions(options); !valid.ok()) {
    return mammo::cli::UsageError(valid.message());
  }
  return mammo::cli::Finish(sy::Synthesize(options));
}
