#include "lib/metrics/validation.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::HasSubstr;

TEST(ValidateBinaryScoresTest, AcceptsBothClassesWithFiniteScores) {
  EXPECT_TRUE(ValidateBinaryScores({0, 1}, {0.2, 0.2}).ok());
}

TEST(ValidateBinaryScoresTest, RejectsBadInputWithAReason) {
  struct Case {
    std::vector<int> labels;
    std::vector<double> scores;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {{}, {}, "empty"},
      {{0, 1}, {0.5}, "lengths must match"},
      {{0, 2}, {0.1, 0.9}, "labels must be 0 or 1"},
      {{0, -1}, {0.1, 0.9}, "labels must be 0 or 1"},
      {{0, 1}, {0.1, NAN}, "scores must be finite"},
      {{0, 1}, {INFINITY, 0.5}, "scores must be finite"},
      {{1, 1, 1}, {0.1, 0.2, 0.3}, "only one class"},
      {{0}, {0.1}, "only one class"},
  };
  for (const Case& c : cases) {
    const absl::Status status = ValidateBinaryScores(c.labels, c.scores);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.reason;
    EXPECT_THAT(status.message(), HasSubstr(c.reason));
  }
}

TEST(ValidateBinaryScoresTest, RejectsMoreThanMaxCases) {
  // Spans that claim kMaxCases + 1 elements: the size is checked before any element is read.
  const std::vector<int> labels = {0, 1};
  const std::vector<double> scores = {0.1, 0.9};
  const absl::Status status =
      ValidateBinaryScores(absl::Span<const int>(labels.data(), kMaxCases + 1),
                           absl::Span<const double>(scores.data(), kMaxCases + 1));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("at most 2147483647"));
}

TEST(CountClassesTest, CountsEachClass) {
  const ClassCounts counts = CountClasses(std::vector<int>{1, 0, 1, 1});
  EXPECT_EQ(counts.positives, 3);
  EXPECT_EQ(counts.negatives, 1);
}

}  // namespace
}  // namespace mammo::metrics
