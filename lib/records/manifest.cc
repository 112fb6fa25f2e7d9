#include "lib/records/manifest.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"

namespace mammo {
namespace {

void SetCounts(const std::map<std::string, uint64_t>& counts,
               google::protobuf::RepeatedPtrField<Count>* out) {
  out->Clear();
  for (const auto& [key, count] : counts) {
    Count* c = out->Add();
    c->set_key(key);
    c->set_count(count);
  }
}

}  // namespace

absl::StatusOr<ShardManifest> ReadManifest(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteReader> in, ByteReader::Open(path));
  // Read in chunks: a buffer of the largest size allowed, zero-filled on every read, made each
  // manifest cost ~80 ms (found by tests/fuzz/manifest_fuzzer, which ran at 11 inputs/s).
  constexpr size_t kMaxManifestBytes = 64 << 20;
  std::string text;
  char chunk[1 << 16];
  while (true) {
    ASSIGN_OR_RETURN(size_t got, in->Read(chunk, sizeof(chunk)));
    text.append(chunk, got);
    if (text.size() > kMaxManifestBytes) {
      return absl::DataLossError(absl::StrCat(path, ": manifest larger than 64 MiB"));
    }
    if (got < sizeof(chunk)) break;  // fewer bytes than asked only at the end of the input
  }
  ShardManifest manifest;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(text, &manifest, options);
  if (!status.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a valid manifest: ", status.message().as_string()));
  }
  if (manifest.format_version() != kManifestFormatVersion) {
    return absl::DataLossError(absl::StrCat(path, ": manifest format version ",
                                            manifest.format_version(), ", expected ",
                                            kManifestFormatVersion));
  }
  return manifest;
}

std::string ManifestToJson(const ShardManifest& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(manifest, &json, options);
  return json;
}

absl::Status WriteManifest(const std::string& path, const ShardManifest& manifest) {
  return WriteFileAtomically(path, ManifestToJson(manifest));
}

void ManifestTally::Add(const Record& record) {
  ++total_;
  const std::string label = Label_Name(record.label());
  const std::string split = Split_Name(record.split());
  ++labels_[label];
  ++splits_[split];
  ++label_splits_[absl::StrCat(label, "/", split)];
  if (!record.patient_id().empty()) patients_.insert(record.patient_id());
  if (!record.lesion_id().empty()) lesions_.insert(record.lesion_id());
}

void ManifestTally::FillCounts(ShardManifest* manifest) const {
  manifest->set_total_records(total_);
  SetCounts(labels_, manifest->mutable_label_counts());
  SetCounts(splits_, manifest->mutable_split_counts());
  SetCounts(label_splits_, manifest->mutable_label_split_counts());
  manifest->set_num_patients(patients_.size());
  manifest->set_num_lesions(lesions_.size());
}

}  // namespace mammo
