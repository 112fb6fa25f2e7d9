#include "tools/shardcat/shardcat_lib.h"

#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "lib/cli/cli.h"
#include "lib/cli/progress.h"
#include "lib/image/codec.h"
#include "lib/io/byte_io.h"
#include "lib/io/safe_file_name.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_spec.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"

namespace mammo::shardcat {
namespace {

using json = nlohmann::ordered_json;

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

void SummariseImage(const Image& image, json* j) {
  if (!j->is_object()) return;
  j->erase("data");
  (*j)["data_size"] = image.data().size();
  (*j)["data_sha256"] = Sha256Hex(image.data());
}

// Runs `visit` on every record of `inputs`, with progress.
template <typename Visit>
absl::Status ForEachRecord(const std::vector<std::string>& inputs, Visit visit) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  cli::Progress progress("records", reader->ExpectedRecords());
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->Next(&record));
    if (!got) break;
    RETURN_IF_ERROR(visit(record, *reader));
    progress.Add();
  }
  progress.Finish();
  return absl::OkStatus();
}

std::string Stem(const std::string& path) {
  std::string name = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0) name.erase(dot);
  return name;
}

// The channels a PNG decodes to without conversion (grey 1, RGB or palette 3), from its
// IHDR colour type; 0 for other PNG kinds (with alpha) and for non-PNG data.
int PngChannels(const std::string& bytes) {
  constexpr size_t kColourTypeOffset = 25;  // 8 signature + 8 chunk header + 9 into IHDR
  if (bytes.size() <= kColourTypeOffset || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) {
    return 0;
  }
  switch (bytes[kColourTypeOffset]) {
    case 0:
      return 1;
    case 2:
    case 3:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

std::string RecordToJson(const Record& record, bool full_features) {
  Record stripped = record;
  stripped.mutable_image()->clear_data();
  for (Image& mask : *stripped.mutable_masks()) mask.clear_data();
  stripped.clear_features();
  stripped.mutable_attributes();  // printed even when unknown, so every line has the same keys
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(stripped, &text, options);
  json j = json::parse(text);
  SummariseImage(record.image(), &j["image"]);
  for (int i = 0; i < record.masks_size(); ++i) SummariseImage(record.masks(i), &j["masks"][i]);
  if (full_features) {
    j["features"] = std::vector<float>(record.features().begin(), record.features().end());
  } else {
    j.erase("features");
    j["num_features"] = record.features_size();
  }
  return j.dump();
}

absl::Status PrintRecords(const std::vector<std::string>& inputs, bool full_features,
                          std::ostream& out) {
  return ForEachRecord(inputs, [&](const Record& record, const ShardReader&) {
    out << RecordToJson(record, full_features) << '\n';
    if (!out) return absl::UnavailableError("stdout: write failed");
    return absl::OkStatus();
  });
}

absl::StatusOr<uint64_t> CountRecords(const std::vector<std::string>& inputs) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open(inputs));
  // Framing and CRCs are checked; payloads are not parsed.
  std::string payload;
  uint64_t count = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool got, reader->NextPayload(&payload));
    if (!got) return count;
    ++count;
  }
}

absl::StatusOr<std::string> Stats(const std::vector<std::string>& inputs) {
  uint64_t total = 0;
  std::map<std::string, uint64_t> labels, splits, label_splits, patients;
  std::map<std::string, uint64_t> lesions;
  RETURN_IF_ERROR(ForEachRecord(inputs, [&](const Record& r, const ShardReader&) {
    ++total;
    ++labels[Label_Name(r.label())];
    ++splits[Split_Name(r.split())];
    ++label_splits[absl::StrCat(Label_Name(r.label()), "/", Split_Name(r.split()))];
    ++patients[r.patient_id()];
    ++lesions[r.lesion_id()];
    return absl::OkStatus();
  }));
  json j;
  j["records"] = total;
  j["labels"] = labels;
  j["splits"] = splits;
  j["label_splits"] = label_splits;
  j["num_patients"] = patients.size();
  j["num_lesions"] = lesions.size();
  j["records_per_patient"] = patients;
  return j.dump(2);
}

absl::Status Verify(const std::vector<std::string>& inputs, std::ostream& report) {
  absl::Status first_error;
  uint64_t total = 0;
  for (const std::string& input : inputs) {
    absl::flat_hash_map<std::string, std::string> seen;  // id -> position
    uint64_t count = 0;
    const absl::Status status =
        ForEachRecord({input}, [&](const Record& r, const ShardReader& reader) {
          ++count;
          auto [it, inserted] = seen.emplace(r.id(), reader.Position());
          if (!inserted) {
            return absl::DataLossError(absl::StrCat(reader.Position(), ": duplicate record id '",
                                                    r.id(), "' (first at ", it->second, ")"));
          }
          return absl::OkStatus();
        });
    if (status.ok()) {
      report << "OK " << input << ": " << count << " records\n";
      total += count;
    } else {
      report << "DAMAGED " << input << ": " << status.message() << "\n";
      if (first_error.ok()) first_error = status;
    }
  }
  if (!first_error.ok()) return first_error;
  report << "verified " << total << " records in " << inputs.size() << " inputs\n";
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Extract(const std::vector<std::string>& inputs, const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(dir, ": cannot create the folder"));
  }
  uint64_t count = 0;
  RETURN_IF_ERROR(
      ForEachRecord(inputs, [&](const Record& r, const ShardReader& reader) -> absl::Status {
        const std::string base = absl::StrCat(dir, "/", SafeFileName(r.id()));
        const auto write_png = [&](const Image& image, const std::string& path) -> absl::Status {
          absl::StatusOr<std::string> png = ImageToPngBytes(image);
          if (!png.ok()) {
            return absl::DataLossError(absl::StrCat(reader.Position(), ": record '", r.id(),
                                                    "': ", png.status().message()));
          }
          return WriteFileAtomically(path, *png);
        };
        if (r.image().data().empty()) return absl::OkStatus();  // e.g. feature records
        RETURN_IF_ERROR(write_png(r.image(), base + ".png"));
        for (int i = 0; i < r.masks_size(); ++i) {
          RETURN_IF_ERROR(write_png(r.masks(i), absl::StrCat(base, ".mask", i, ".png")));
        }
        ++count;
        return absl::OkStatus();
      }));
  return count;
}

absl::Status Pack(const std::vector<std::string>& image_files, const PackOptions& options) {
  if (image_files.empty()) return absl::InvalidArgumentError("pack: no image files given");
  if (options.label == LABEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("pack: --label benign|malignant is required");
  }
  absl::flat_hash_map<std::string, std::string> ids;  // id -> file
  for (const std::string& file : image_files) {
    auto [it, inserted] = ids.emplace(Stem(file), file);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat("pack: ", file, " and ", it->second,
                                                     " give the same record id '", it->first, "'"));
    }
  }
  const StageInfo stage{"pack",
                        "shardcat",
                        std::string(cli::kVersion),
                        {{"label", Label_Name(options.label)},
                         {"patient_id", options.patient_id},
                         {"split", Split_Name(options.split)},
                         {"grey", options.grey ? "true" : "false"}}};
  ASSIGN_OR_RETURN(std::unique_ptr<ShardWriter> writer, ShardWriter::Open(options.output, stage));
  cli::Progress progress("images", image_files.size());
  for (const std::string& file : image_files) {
    ASSIGN_OR_RETURN(std::string bytes, ReadFile(file));
    ASSIGN_OR_RETURN(cv::Mat pixels, DecodeImageFile(bytes, file));
    Record record;
    record.set_id(Stem(file));
    record.set_image_id(Stem(file));
    record.set_patient_id(options.patient_id);
    record.set_label(options.label);
    record.set_pathology(options.label == MALIGNANT ? "MALIGNANT" : "BENIGN");
    record.set_split(options.split);
    bool converted = false;
    if (options.grey && pixels.channels() == 3) {
      cv::cvtColor(pixels, pixels, cv::COLOR_RGB2GRAY);
      converted = true;
    }
    if (!converted && PngChannels(bytes) == pixels.channels()) {
      // The file's own bytes are kept: no re-encoding, and its sha256 stays the file's.
      Image* image = record.mutable_image();
      image->set_encoding(Image::PNG);
      image->set_width(pixels.cols);
      image->set_height(pixels.rows);
      image->set_channels(pixels.channels());
      image->set_bit_depth(pixels.depth() == CV_16U ? 16 : 8);
      image->set_data(std::move(bytes));
    } else {
      ASSIGN_OR_RETURN(*record.mutable_image(), EncodeImage(pixels, Image::PNG));
    }
    Provenance* provenance = record.add_provenance();
    provenance->set_stage("pack");
    provenance->set_tool("shardcat");
    provenance->set_tool_version(std::string(cli::kVersion));
    Parameter* source = provenance->add_parameters();
    source->set_name("source_file");
    source->set_value(file.substr(file.rfind('/') == std::string::npos ? 0 : file.rfind('/') + 1));
    RETURN_IF_ERROR(writer->Write(record));
    progress.Add();
  }
  RETURN_IF_ERROR(writer->Close());
  progress.Finish();
  return absl::OkStatus();
}

absl::StatusOr<Label> ParseLabel(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "benign") return BENIGN;
  if (lower == "malignant") return MALIGNANT;
  return absl::InvalidArgumentError(
      absl::StrCat("--label '", text, "': expected benign or malignant"));
}

absl::StatusOr<Split> ParseSplit(const std::string& text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "none" || lower.empty()) return SPLIT_NONE;
  if (lower == "train") return TRAIN;
  if (lower == "valid") return VALID;
  if (lower == "test") return TEST;
  return absl::InvalidArgumentError(
      absl::StrCat("--split '", text, "': expected none, train, valid or test"));
}

}  // namespace mammo::shardcat
