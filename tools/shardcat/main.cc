// shardcat: print, count, verify and extract record shards; pack image files into records.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "tools/shardcat/merge.h"
#include "tools/shardcat/shardcat_lib.h"

ABSL_FLAG(bool, count, false, "Print the number of records and nothing else.");
ABSL_FLAG(bool, stats, false,
          "Print counts per label, split, label and split, and patient as one JSON object.");
ABSL_FLAG(bool, verify, false,
          "Read everything, check every CRC, the manifests and the payloads, and report per "
          "input; exit 2 on any damage.");
ABSL_FLAG(bool, features, false, "Print feature vectors in full (default: their length).");
ABSL_FLAG(std::string, extract, "",
          "Write every image as DIR/ID.png (masks as DIR/ID.maskK.png) into this folder.");
ABSL_FLAG(std::string, output, "", "pack: where to write, a shard spec DIR/PREFIX@N or '-'.");
ABSL_FLAG(std::string, label, "", "pack: benign or malignant (required).");
ABSL_FLAG(std::string, patient, "", "pack: the patient id given to every record.");
ABSL_FLAG(std::string, split, "none", "pack: none, train, valid or test.");
ABSL_FLAG(bool, grey, false, "pack: store colour images as one grey channel.");

namespace {

constexpr char kUsage[] = R"(Usage: shardcat [OPTION]... SPEC...
       shardcat pack --label benign|malignant --output SPEC [OPTION]... IMAGE...
       shardcat merge OUTPUT PART...

Prints records as JSON lines (one object per record, every field; image and mask
bytes as size and sha256), or counts, checks or extracts them.

SPEC is a shard set DIR/PREFIX@N (checked against its manifest), DIR/PREFIX when
DIR/PREFIX.manifest.json exists, a shard file, a quoted glob, or - for stdin.

'pack' turns PNG, JPEG or TIFF files (for example the Kaggle JPEG export of
CBIS-DDSM) into records: id = file name without extension.

'merge' joins an array job's task parts (--task INDEX/COUNT; predict's CSVs when
OUTPUT ends in .csv) into OUTPUT, what one process would have written, byte for
byte; it refuses, writing nothing, when a part is missing or incomplete.

Examples:
  shardcat out/rois@8 | head -n 2        first two records as JSON
  shardcat --stats out/rois              counts per label, split and patient
  shardcat --verify out/rois@8           exit 2 if any shard is damaged
  shardcat --extract /tmp/rois out/rois  the images as PNG files
  shardcat pack --label malignant --patient P_00001 a.png b.jpg --output - \
    | shardcat --count -
  shardcat merge out/rois@8 out/rois.part0@1 out/rois.part1@1)";

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args = mammo::cli::ParseCommandLine(argc, argv, kUsage);
  namespace sc = mammo::shardcat;

  const bool pack_flags_given = !absl::GetFlag(FLAGS_output).empty() ||
                                !absl::GetFlag(FLAGS_label).empty() ||
                                !absl::GetFlag(FLAGS_patient).empty() ||
                                absl::GetFlag(FLAGS_split) != "none" || absl::GetFlag(FLAGS_grey);
  if (!args.empty() && args[0] == "pack") {
    args.erase(args.begin());
    if (args.empty()) return mammo::cli::UsageError("pack: no image files given");
    if (absl::GetFlag(FLAGS_output).empty())
      return mammo::cli::UsageError("pack: --output is required");
    sc::PackOptions options;
    absl::StatusOr<mammo::Label> label = sc::ParseLabel(absl::GetFlag(FLAGS_label));
    if (!label.ok()) return mammo::cli::UsageError(label.status().message());
    absl::StatusOr<mammo::Split> split = sc::ParseSplit(absl::GetFlag(FLAGS_split));
    if (!split.ok()) return mammo::cli::UsageError(split.status().message());
    options.label = *label;
    options.split = *split;
    options.patient_id = absl::GetFlag(FLAGS_patient);
    options.grey = absl::GetFlag(FLAGS_grey);
    options.output = absl::GetFlag(FLAGS_output);
    return mammo::cli::Finish(sc::Pack(args, options));
  }
  if (!args.empty() && args[0] == "merge") {
    if (args.size() < 3) return mammo::cli::UsageError("merge: give OUTPUT and the PARTs");
    return mammo::cli::Finish(
        sc::Merge(args[1], std::vector<std::string>(args.begin() + 2, args.end())));
  }
  if (pack_flags_given) {
    return mammo::cli::UsageError(
        "--output, --label, --patient, --split and --grey belong to 'pack'");
  }
  if (args.empty()) return mammo::cli::UsageError("no input given (a shard spec, file, glob or -)");
  const int modes = absl::GetFlag(FLAGS_count) + absl::GetFlag(FLAGS_stats) +
                    absl::GetFlag(FLAGS_verify) + !absl::GetFlag(FLAGS_extract).empty();
  if (modes > 1)
    return mammo::cli::UsageError("choose one of --count, --stats, --verify, --extract");

  if (absl::GetFlag(FLAGS_count)) {
    absl::StatusOr<uint64_t> count = sc::CountRecords(args);
    if (count.ok()) std::cout << *count << "\n";
    return mammo::cli::Finish(count.status());
  }
  if (absl::GetFlag(FLAGS_stats)) {
    absl::StatusOr<std::string> stats = sc::Stats(args);
    if (stats.ok()) std::cout << *stats << "\n";
    return mammo::cli::Finish(stats.status());
  }
  if (absl::GetFlag(FLAGS_verify)) return mammo::cli::Finish(sc::Verify(args, std::cout));
  if (!absl::GetFlag(FLAGS_extract).empty()) {
    absl::StatusOr<uint64_t> count = sc::Extract(args, absl::GetFlag(FLAGS_extract));
    if (count.ok())
      std::cerr << "shardcat: wrote " << *count << " images to " << absl::GetFlag(FLAGS_extract)
                << "\n";
    return mammo::cli::Finish(count.status());
  }
  absl::Status status = sc::PrintRecords(args, absl::GetFlag(FLAGS_features), std::cout);
  std::cout.flush();
  return mammo::cli::Finish(status);
}
