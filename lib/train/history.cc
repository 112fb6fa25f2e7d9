#include "lib/train/history.h"

#include <charconv>
#include <cstddef>
#include <fstream>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace mammo::train {
namespace {

// The shortest text that reads back as the same double ("0.4", "1e-05").
std::string ExactText(double value) {
  char text[32];
  const std::to_chars_result end = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, end.ptr);
}

}  // namespace

std::string HistoryCsv(const std::vector<EpochRecord>& history) {
  std::string csv = absl::StrCat(kHistoryHeader, "\n");
  for (const EpochRecord& r : history) {
    absl::StrAppend(&csv, r.epoch, ",", ExactText(r.train_loss), ",", ExactText(r.train_accuracy),
                    ",", ExactText(r.valid_loss), ",", ExactText(r.valid_accuracy), ",",
                    ExactText(r.beta()), ",", ExactText(r.learning_rate), ",",
                    absl::StrFormat("%.3f", r.seconds), "\n");
  }
  return csv;
}

absl::StatusOr<std::vector<EpochRecord>> ReadHistory(const std::string& path) {
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
  for (const char* name :
       {"epoch", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy"}) {
    if (column.count(name) == 0) {
      return absl::DataLossError(absl::StrCat(path, ":1: the header lacks column '", name, "'"));
    }
  }
  // Reads the optional column `name` into `value`; true when it is absent.
  const auto optional = [&](const std::vector<std::string>& fields, const char* name,
                            double* value) {
    const auto found = column.find(name);
    return found == column.end() || absl::SimpleAtod(fields[found->second], value);
  };
  std::vector<EpochRecord> history;
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::vector<std::string> f = absl::StrSplit(line, ',');
    EpochRecord e;
    const bool ok = f.size() == names.size() && absl::SimpleAtoi(f[column["epoch"]], &e.epoch) &&
                    absl::SimpleAtod(f[column["train_loss"]], &e.train_loss) &&
                    absl::SimpleAtod(f[column["train_accuracy"]], &e.train_accuracy) &&
                    absl::SimpleAtod(f[column["valid_loss"]], &e.valid_loss) &&
                    absl::SimpleAtod(f[column["valid_accuracy"]], &e.valid_accuracy) &&
                    optional(f, "learning_rate", &e.learning_rate) &&
                    optional(f, "seconds", &e.seconds);
    if (!ok) {
      return absl::DataLossError(
          absl::StrCat(path, ":", line_number, ": malformed line '", line, "'"));
    }
    history.push_back(e);
  }
  if (history.empty()) return absl::DataLossError(absl::StrCat(path, ": no epochs"));
  return history;
}

}  // namespace mammo::train
