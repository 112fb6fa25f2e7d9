// shardcat: look inside record shards, check them, and pack image files into records.
#ifndef MAMMO_TOOLS_SHARDCAT_SHARDCAT_LIB_H_
#define MAMMO_TOOLS_SHARDCAT_SHARDCAT_LIB_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "data_formats/record.pb.h"

namespace mammo::shardcat {

// One JSON object (one line) with every field of the record. Image and mask bytes become
// {"data_size", "data_sha256"}; the feature vector is printed in full only when
// `full_features`, else as "num_features".
std::string RecordToJson(const Record& record, bool full_features);

// Prints RecordToJson for every record of `inputs`, one per line.
absl::Status PrintRecords(const std::vector<std::string>& inputs, bool full_features,
                          std::ostream& out);

absl::StatusOr<uint64_t> CountRecords(const std::vector<std::string>& inputs);

// Counts per label, split, label and split, and patient, as one indented JSON object.
absl::StatusOr<std::string> Stats(const std::vector<std::string>& inputs);

// Reads every record of every input (CRCs, manifests, payloads) and reports, per input
// argument, "OK" with its record count or the first damage found. Returns DataLoss (or the
// first error's code) when any input is damaged. Duplicate record ids are damage too.
absl::Status Verify(const std::vector<std::string>& inputs, std::ostream& report);

// Writes each record's image as DIR/ID.png and its masks as DIR/ID.maskK.png (characters
// other than letters, digits, '.', '-' and '_' in ids become '_'). Returns the count.
absl::StatusOr<uint64_t> Extract(const std::vector<std::string>& inputs, const std::string& dir);

struct PackOptions {
  Label label = LABEL_UNSPECIFIED;
  std::string patient_id;
  Split split = SPLIT_NONE;
  bool grey = false;   // convert colour images to one grey channel
  std::string output;  // shard spec or "-"
};

// Turns PNG/JPEG/TIFF files into records: id = file name without extension (unique), the
// image stored as PNG (PNG files byte for byte), 8 or 16 bits as in the file.
absl::Status Pack(const std::vector<std::string>& image_files, const PackOptions& options);

absl::StatusOr<Label> ParseLabel(const std::string& text);
absl::StatusOr<Split> ParseSplit(const std::string& text);

}  // namespace mammo::shardcat

#endif  // MAMMO_TOOLS_SHARDCAT_SHARDCAT_LIB_H_
