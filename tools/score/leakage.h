// The leakage check: a patient or a lesion whose cases fall into more than one split lets a
// model be tested on what it was trained on (CBIS-DDSM has several images per patient and
// per lesion), so the split must be by patient.
//
//   ASSIGN_OR_RETURN(std::vector<CaseKey> cases, ReadCaseKeys({"out/aug_train", "test=t.csv"}));
//   const LeakageReport report = FindLeakage(cases);
//   if (report.leaks()) std::cerr << LeakageWarning(report);
#ifndef MAMMO_TOOLS_SCORE_LEAKAGE_H_
#define MAMMO_TOOLS_SCORE_LEAKAGE_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mammo::score {

struct CaseKey {
  std::string patient_id;  // empty when unknown: such a case is not checked for patients
  std::string lesion_id;   // empty when unknown: such a case is not checked for lesions
  std::string split;       // train, valid, test
};

// Reads the cases of each input: a predictions CSV (a name ending in .csv; columns split and
// patient_id, lesion_id optional) or anything ShardReader opens (a shard set "DIR/name@N", a
// record file). "SPLIT=INPUT" (SPLIT one of train, valid, test) puts every case of INPUT in
// SPLIT; otherwise each case's own split is used, and a case without one is an error naming
// its input.
absl::StatusOr<std::vector<CaseKey>> ReadCaseKeys(const std::vector<std::string>& inputs);

// A patient or lesion id found in several splits, with its number of cases in each.
struct Overlap {
  std::string id;
  std::map<std::string, int64_t> cases_per_split;
};

struct LeakageReport {
  int64_t cases = 0;
  std::map<std::string, int64_t> cases_per_split;
  int64_t patients = 0;  // distinct non-empty ids
  int64_t lesions = 0;
  std::vector<Overlap> leaking_patients;  // sorted by id
  std::vector<Overlap> leaking_lesions;
  bool leaks() const { return !leaking_patients.empty() || !leaking_lesions.empty(); }
};

LeakageReport FindLeakage(const std::vector<CaseKey>& cases);

// The summary for stdout: cases per split, then the verdict.
std::string FormatLeakage(const LeakageReport& report);

// Lines for stderr, loud and naming every leaking id; empty when nothing leaks.
std::string LeakageWarning(const LeakageReport& report);

nlohmann::ordered_json LeakageToJson(const LeakageReport& report);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_LEAKAGE_H_
