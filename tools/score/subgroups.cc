#include "tools/score/subgroups.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

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

std::string SubgroupsMarkdown(const std::vector<SubgroupRows>& rows) {
  const bool with_model =
      std::any_of(rows.begin(), rows.end(), [](const SubgroupRows& r) { return !r.model.empty(); });
  std::string out = absl::StrFormat(
      "ROC AUC with DeLong's 95%% CI within each value of an attribute; *small*: fewer than %d "
      "cases of a class, so the interval is wide and one case moves it.\n\n"
      "| %ssplit | attribute | value | cases | malignant | AUC [95%% CI] | note |\n"
      "|%s---|---|---|---:|---:|---:|---|\n",
      kSmallGroupClassCases, with_model ? "model | " : "", with_model ? "---|" : "");
  for (const SubgroupRows& r : rows) {
    for (const SubgroupScore& g : *r.groups) {
      const std::string auc = g.auc.has_value() ? absl::StrFormat("%.3f [%.3f, %.3f]", g.auc->auc,
                                                                  g.auc->ci_lower, g.auc->ci_upper)
                                                : std::string("— (a class has under 2 cases)");
      absl::StrAppendFormat(&out, "| %s%s | %s | %s | %d | %d | %s | %s |\n",
                            with_model ? absl::StrCat(r.model, " | ") : "", r.split, g.attribute,
                            g.value, g.cases, g.positives, auc, g.small ? "*small*" : "");
    }
  }
  return out;
}

}  // namespace mammo::score
