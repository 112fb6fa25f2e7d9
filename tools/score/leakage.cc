#include "tools/score/leakage.h"

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "data_formats/record.pb.h"
#include "lib/records/shard_reader.h"
#include "lib/status/status_macros.h"
#include "tools/score/score_lib.h"

namespace mammo::score {
namespace {

std::string SplitName(Split split) {
  switch (split) {
    case TRAIN:
      return "train";
    case VALID:
      return "valid";
    case TEST:
      return "test";
    default:
      return "";
  }
}

absl::Status ReadRecords(const std::string& input, const std::string& forced_split,
                         std::vector<CaseKey>* cases) {
  ASSIGN_OR_RETURN(std::unique_ptr<ShardReader> reader, ShardReader::Open({input}));
  Record record;
  while (true) {
    ASSIGN_OR_RETURN(const bool got, reader->Next(&record));
    if (!got) return absl::OkStatus();
    CaseKey key{record.patient_id(), record.lesion_id(),
                forced_split.empty() ? SplitName(record.split()) : forced_split};
    if (key.split.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(reader->Position(), ": record '", record.id(),
                       "' has no split; name it as SPLIT=", input));
    }
    cases->push_back(std::move(key));
  }
}

absl::Status ReadCsv(const std::string& input, const std::string& forced_split,
                     std::vector<CaseKey>* cases) {
  ASSIGN_OR_RETURN(const std::vector<Prediction> predictions, ReadPredictions({input}));
  for (const Prediction& p : predictions) {
    // PredictionsFromCsv names a CSV without a split column's single split "all".
    if (forced_split.empty() && (p.split == "all" || p.split == "none")) {
      return absl::FailedPreconditionError(absl::StrCat(
          input, ": case '", p.id, "' has no train/valid/test split; name it as SPLIT=", input));
    }
    cases->push_back({p.patient_id, p.lesion_id, forced_split.empty() ? p.split : forced_split});
  }
  return absl::OkStatus();
}

// The ids of `ids` (id -> cases per split) found in more than one split.
std::vector<Overlap> Overlaps(const std::map<std::string, std::map<std::string, int64_t>>& ids) {
  std::vector<Overlap> out;
  for (const auto& [id, per_split] : ids) {
    if (per_split.size() > 1) out.push_back({id, per_split});
  }
  return out;
}

std::string Describe(const Overlap& overlap) {
  std::vector<std::string> parts;
  for (const auto& [split, count] : overlap.cases_per_split) {
    parts.push_back(absl::StrCat(split, " ", count));
  }
  return absl::StrCat(overlap.id, " (", absl::StrJoin(parts, ", "), ")");
}

nlohmann::ordered_json OverlapsToJson(const std::vector<Overlap>& overlaps) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Overlap& o : overlaps) {
    nlohmann::ordered_json per_split;
    for (const auto& [split, count] : o.cases_per_split) per_split[split] = count;
    out.push_back({{"id", o.id}, {"cases_per_split", per_split}});
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CaseKey>> ReadCaseKeys(const std::vector<std::string>& inputs) {
  std::vector<CaseKey> cases;
  for (const std::string& argument : inputs) {
    std::string input = argument;
    std::string forced_split;
    for (const char* split : {"train", "valid", "test"}) {
      if (absl::StartsWith(argument, absl::StrCat(split, "="))) {
        forced_split = split;
        input = argument.substr(forced_split.size() + 1);
      }
    }
    if (absl::EndsWithIgnoreCase(input, ".csv")) {
      RETURN_IF_ERROR(ReadCsv(input, forced_split, &cases));
    } else {
      RETURN_IF_ERROR(ReadRecords(input, forced_split, &cases));
    }
  }
  return cases;
}

LeakageReport FindLeakage(const std::vector<CaseKey>& cases) {
  LeakageReport report;
  std::map<std::string, std::map<std::string, int64_t>> patients, lesions;
  for (const CaseKey& c : cases) {
    ++report.cases;
    ++report.cases_per_split[c.split];
    if (!c.patient_id.empty()) ++patients[c.patient_id][c.split];
    if (!c.lesion_id.empty()) ++lesions[c.lesion_id][c.split];
  }
  report.patients = static_cast<int64_t>(patients.size());
  report.lesions = static_cast<int64_t>(lesions.size());
  report.leaking_patients = Overlaps(patients);
  report.leaking_lesions = Overlaps(lesions);
  return report;
}

std::string FormatLeakage(const LeakageReport& report) {
  std::vector<std::string> splits;
  for (const auto& [split, count] : report.cases_per_split) {
    splits.push_back(absl::StrCat(split, " ", count));
  }
  std::string out = absl::StrCat(report.cases, " cases (", absl::StrJoin(splits, ", "), "), ",
                                 report.patients, " patients, ", report.lesions, " lesions\n");
  absl::StrAppend(&out, report.leaking_patients.size(), " patients and ",
                  report.leaking_lesions.size(), " lesions appear in more than one split\n");
  return out;
}

std::string LeakageWarning(const LeakageReport& report) {
  if (!report.leaks()) return "";
  std::string out = absl::StrCat(
      "WARNING: LEAKAGE: ", report.leaking_patients.size(), " of ", report.patients,
      " patients and ", report.leaking_lesions.size(), " of ", report.lesions,
      " lesions appear in more than one split; metrics on these splits are optimistic\n");
  for (const Overlap& o : report.leaking_patients) {
    absl::StrAppend(&out, "WARNING: LEAKAGE: patient ", Describe(o), "\n");
  }
  for (const Overlap& o : report.leaking_lesions) {
    absl::StrAppend(&out, "WARNING: LEAKAGE: lesion ", Describe(o), "\n");
  }
  return out;
}

nlohmann::ordered_json LeakageToJson(const LeakageReport& report) {
  nlohmann::ordered_json out;
  out["cases"] = report.cases;
  nlohmann::ordered_json per_split;
  for (const auto& [split, count] : report.cases_per_split) per_split[split] = count;
  out["cases_per_split"] = per_split;
  out["patients"] = report.patients;
  out["lesions"] = report.lesions;
  out["leaks"] = report.leaks();
  out["leaking_patient_count"] = report.leaking_patients.size();
  out["leaking_lesion_count"] = report.leaking_lesions.size();
  out["leaking_patients"] = OverlapsToJson(report.leaking_patients);
  out["leaking_lesions"] = OverlapsToJson(report.leaking_lesions);
  return out;
}

}  // namespace mammo::score
