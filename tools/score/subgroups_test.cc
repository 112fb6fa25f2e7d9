#include "tools/score/subgroups.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/roc_auc.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;

// 40 cases: densities 1, 2 and 10 (10 sorts after 2: numbers numerically), a view on all but
// the last four, and no other attribute. Density 10 has a single malignant case.
struct Cases {
  std::vector<int> labels;
  std::vector<double> probabilities;
  std::vector<std::map<std::string, std::string>> attributes;
};

Cases MakeCases() {
  Cases c;
  for (int i = 0; i < 40; ++i) {
    const std::string density = i < 16 ? "2" : i < 32 ? "1" : "10";
    const int label = i < 32 ? i % 2 : (i == 32 ? 1 : 0);
    c.labels.push_back(label);
    c.probabilities.push_back(0.3 + 0.4 * label + 0.01 * (i % 7) - (density == "1" ? 0.35 : 0));
    std::map<std::string, std::string> a = {{"breast_density", density}};
    if (i < 36) a["view"] = i % 3 == 0 ? "MLO" : "CC";
    c.attributes.push_back(a);
  }
  return c;
}

TEST(SubgroupsTest, GroupsInOrderWithCountsAucsAndSmallMarks) {
  const Cases c = MakeCases();
  const std::vector<SubgroupScore> groups = ScoreSubgroups(c.labels, c.probabilities, c.attributes);
  // breast_density 1, 2, 10, then view CC, MLO; nothing for the attributes no case has.
  ASSERT_EQ(groups.size(), 5u);
  EXPECT_EQ(groups[0].value, "1");
  EXPECT_EQ(groups[1].value, "2");
  EXPECT_EQ(groups[2].value, "10");
  EXPECT_EQ(groups[3].attribute, "view");
  EXPECT_EQ(groups[3].value, "CC");
  EXPECT_EQ(groups[4].value, "MLO");

  // Each group's AUC is the AUC of its own cases.
  for (const SubgroupScore& g : groups) {
    std::vector<int> labels;
    std::vector<double> probabilities;
    for (size_t i = 0; i < c.labels.size(); ++i) {
      const auto found = c.attributes[i].find(g.attribute);
      if (found == c.attributes[i].end() || found->second != g.value) continue;
      labels.push_back(c.labels[i]);
      probabilities.push_back(c.probabilities[i]);
    }
    EXPECT_EQ(g.cases, static_cast<int64_t>(labels.size())) << g.value;
    if (g.value == "10") {
      EXPECT_EQ(g.positives, 1);
      EXPECT_FALSE(g.auc.has_value());  // one malignant case: no DeLong interval
      continue;
    }
    ASSERT_TRUE(g.auc.has_value()) << g.value;
    EXPECT_DOUBLE_EQ(g.auc->auc, *metrics::RocAuc(labels, probabilities)) << g.value;
    EXPECT_LE(g.auc->ci_lower, g.auc->auc);
    EXPECT_GE(g.auc->ci_upper, g.auc->auc);
  }
  // Density 1 and 2: 8 of each class, under 10: small; the view groups are too, but CC's 24
  // cases hold 12 malignant.
  EXPECT_TRUE(groups[0].small);
  EXPECT_TRUE(groups[2].small);
  EXPECT_FALSE(groups[3].small);
  EXPECT_EQ(groups[3].cases, 24);
}

TEST(SubgroupsMarkdownTest, OneRowPerGroupAndAModelColumnAcrossRuns) {
  SubgroupScore cc{"view", "CC", 24, 12, metrics::DelongAuc{}, false};
  cc.auc->auc = 0.75;
  cc.auc->ci_lower = 0.5;
  cc.auc->ci_upper = 1.0;
  const SubgroupScore tiny{"breast_density", "4", 3, 1, std::nullopt, true};
  const std::vector<SubgroupScore> groups = {cc, tiny};
  const std::string one = SubgroupsMarkdown({{"", "test", &groups}});
  EXPECT_THAT(one, HasSubstr("| split | attribute | value | cases | malignant | AUC [95% CI] | "
                             "note |\n"));
  EXPECT_THAT(one, HasSubstr("| test | view | CC | 24 | 12 | 0.750 [0.500, 1.000] |  |\n"));
  EXPECT_THAT(one, HasSubstr("| test | breast_density | 4 | 3 | 1 | — (a class has under 2 "
                             "cases) | *small* |\n"));
  const std::string runs = SubgroupsMarkdown({{"vgg16-TL", "test", &groups}});
  EXPECT_THAT(runs, HasSubstr("| model | split | attribute |"));
  EXPECT_THAT(runs, HasSubstr("| vgg16-TL | test | view | CC | 24 |"));
}

TEST(SubgroupsTest, NoAttributesNoGroups) {
  EXPECT_TRUE(ScoreSubgroups({0, 1}, {0.2, 0.8}, {{}, {}}).empty());
}

}  // namespace
}  // namespace mammo::score
