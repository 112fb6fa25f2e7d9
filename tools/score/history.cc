#include "tools/score/history.h"

#include <cstddef>
#include <fstream>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mammo::score {

absl::StatusOr<std::vector<HistoryEpoch>> ReadHistory(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::string line;
  if (!std::getline(in, line)) return absl::DataLossError(absl::StrCat(path, ": empty file"));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::map<std::string, size_t> column;
  const std::vector<std::string> names = absl::StrSplit(line, ',');
  for (size_t i = 0; i < names.size(); ++i) {
    column[absl::AsciiStrToLower(absl::StripAsciiWhitespace(names[i]))] = i;
  }
  const char* const kRequired[] = {"epoch", "train_loss", "train_accuracy", "valid_loss",
                                   "valid_accuracy"};
  for (const char* name : kRequired) {
    if (column.count(name) == 0) {
      return absl::DataLossError(absl::StrCat(path, ":1: the header lacks column '", name, "'"));
    }
  }
  std::vector<HistoryEpoch> history;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::vector<std::string> f = absl::StrSplit(line, ',');
    HistoryEpoch e;
    const bool ok = f.size() == names.size() && absl::SimpleAtoi(f[column["epoch"]], &e.epoch) &&
                    absl::SimpleAtod(f[column["train_loss"]], &e.train_loss) &&
                    absl::SimpleAtod(f[column["train_accuracy"]], &e.train_accuracy) &&
                    absl::SimpleAtod(f[column["valid_loss"]], &e.valid_loss) &&
                    absl::SimpleAtod(f[column["valid_accuracy"]], &e.valid_accuracy);
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat(path, ":", line_number, ": malformed line '", line, "'"));
    }
    history.push_back(e);
  }
  if (history.empty()) return absl::DataLossError(absl::StrCat(path, ": no epochs"));
  return history;
}

absl::StatusOr<TrainingSummary> SummarizeHistory(const std::vector<HistoryEpoch>& history,
                                                 std::optional<int> best_epoch) {
  if (history.empty()) return absl::FailedPreconditionError("the history has no epochs");
  const HistoryEpoch* best = nullptr;
  TrainingSummary s;
  if (best_epoch.has_value()) {
    for (const HistoryEpoch& e : history) {
      if (e.epoch == *best_epoch) best = &e;
    }
    if (best == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("best epoch ", *best_epoch, " is not in the history"));
    }
    s.best_epoch_source = "run.json";
  } else {
    best = &history.front();
    for (const HistoryEpoch& e : history) {
      if (e.valid_loss < best->valid_loss) best = &e;
    }
    s.best_epoch_source = "min valid_loss";
  }
  s.epochs = static_cast<int>(history.size());
  s.best_epoch = best->epoch;
  s.train_accuracy = best->train_accuracy;
  s.valid_accuracy = best->valid_accuracy;
  s.beta = s.valid_accuracy > 0 ? s.train_accuracy / s.valid_accuracy : 0.0;
  return s;
}

}  // namespace mammo::score
