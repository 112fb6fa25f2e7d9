#include "tools/score/subgroups.h"

#include <algorithm>

#include "absl/strings/numbers.h"

namespace mammo::score {
namespace {

// Numbers numerically (density 2 before 10), otherwise as text.
bool ValueBefore(const std::string& a, const std::string& b) {
  double x = 0, y = 0;
  if (absl::SimpleAtod(a, &x) && absl::SimpleAtod(b, &y) && x != y) return x < y;
  return a < b;
}

}  // namespace

std::vector<SubgroupScore> ScoreSubgroups(
    const std::vector<int>& labels, const std::vector<double>& probabilities,
    const std::vector<std::map<std::string, std::string>>& attributes) {
  std::vector<SubgroupScore> groups;
  for (const char* attribute : kSubgroupAttributes) {
    std::map<std::string, std::vector<size_t>> members;
    for (size_t i = 0; i < attributes.size(); ++i) {
      const auto found = attributes[i].find(attribute);
      if (found != attributes[i].end() && !found->second.empty()) {
        members[found->second].push_back(i);
      }
    }
    std::vector<std::string> values;
    for (const auto& entry : members) values.push_back(entry.first);
    std::sort(values.begin(), values.end(), ValueBefore);
    for (const std::string& value : values) {
      SubgroupScore group;
      group.attribute = attribute;
      group.value = value;
      std::vector<int> group_labels;
      std::vector<double> group_probabilities;
      for (size_t i : members[value]) {
        group_labels.push_back(labels[i]);
        group_probabilities.push_back(probabilities[i]);
      }
      group.cases = static_cast<int64_t>(group_labels.size());
      group.positives = std::count(group_labels.begin(), group_labels.end(), 1);
      const int64_t fewer = std::min(group.positives, group.cases - group.positives);
      group.small = fewer < kSmallGroupClassCases;
      if (fewer >= 2) {
        absl::StatusOr<metrics::DelongAuc> auc =
            metrics::DelongAucCi(group_labels, group_probabilities);
        if (auc.ok()) group.auc = *auc;
      }
      groups.push_back(std::move(group));
    }
  }
  return groups;
}

}  // namespace mammo::score
