// Subgroups: a split's ROC AUC within each value of a clinical attribute, the first thing a
// reviewer asks about. The attributes are the columns predict writes: breast density, BI-RADS
// assessment, view, subtlety, mass shape and mass margins. Small groups are kept and marked,
// not hidden.
//
//   std::vector<SubgroupScore> groups = ScoreSubgroups(labels, probabilities, attributes);
//   for (const SubgroupScore& g : groups) print(g.attribute, g.value, g.cases, g.auc);
#ifndef MAMMO_TOOLS_SCORE_SUBGROUPS_H_
#define MAMMO_TOOLS_SCORE_SUBGROUPS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lib/metrics/delong.h"

namespace mammo::score {

// The prediction CSV columns that subgroups are formed from, in the report's order.
inline constexpr const char* kSubgroupAttributes[] = {
    "breast_density", "assessment", "view", "subtlety", "mass_shape", "mass_margins"};

// A group with fewer cases than this of either class is marked small: its CI is wide and its
// AUC moves with a single case.
inline constexpr int64_t kSmallGroupClassCases = 10;

struct SubgroupScore {
  std::string attribute;
  std::string value;
  int64_t cases = 0;
  int64_t positives = 0;
  // With DeLong's CI, when each class has at least two cases (DeLong needs them).
  std::optional<metrics::DelongAuc> auc;
  bool small = false;
};

// One split's cases: their labels (1 malignant), probabilities and attributes (column ->
// value; empty or missing values join no group). Groups in kSubgroupAttributes order, then
// by value (numbers numerically); attributes no case has are left out.
std::vector<SubgroupScore> ScoreSubgroups(
    const std::vector<int>& labels, const std::vector<double>& probabilities,
    const std::vector<std::map<std::string, std::string>>& attributes);

// The subgroups of one split of one model, for SubgroupsMarkdown.
struct SubgroupRows {
  std::string model;  // the run's name; empty when the report scores one model
  std::string split;
  const std::vector<SubgroupScore>* groups = nullptr;
};

// A Markdown table of subgroups with a line that explains *small*: one row per group, in the
// order given; a model column first when any `rows` names its model (score --runs).
std::string SubgroupsMarkdown(const std::vector<SubgroupRows>& rows);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_SUBGROUPS_H_
