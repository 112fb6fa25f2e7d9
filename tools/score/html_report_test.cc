#include "tools/score/html_report.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/score/score_lib.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlEscapeTest, EscapesEveryCharacterThatMeansSomethingInHtml) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">&'b)"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;b");
  EXPECT_EQ(HtmlEscape("plain é"), "plain é");
}

TEST(MarkdownToHtmlTest, HeadingsTablesAndParagraphs) {
  const std::string html = MarkdownToHtml(
      "## Runs\n\n| model | AUC |\n|---|---:|\n| a\\|b <i> | 0.5 [0.1, 0.9] |\n\nOne "
      "paragraph\nin two lines.\n");
  EXPECT_THAT(html, HasSubstr("<h2>Runs</h2>"));
  EXPECT_THAT(html, HasSubstr("<th>model</th><th>AUC</th>"));
  // The escaped pipe stays in its cell; the cell's markup is text; numbers align right.
  EXPECT_THAT(html, HasSubstr("<td>a|b &lt;i&gt;</td><td class=\"number\">0.5 [0.1, 0.9]</td>"));
  EXPECT_THAT(html, HasSubstr("<p>One paragraph in two lines.</p>"));
  EXPECT_THAT(html, Not(HasSubstr("<i>")));
  EXPECT_THAT(html, Not(HasSubstr("---")));
}

ScoreReport ScoredTestData(int resamples) {
  ScoreOptions options;
  options.bootstrap_resamples = resamples;
  options.seed = 2;
  return Score(ReadPredictions({"tools/score/testdata/predictions.csv"}).value(), options).value();
}

TEST(ReportMarkdownTest, EverySplitWithItsIntervals) {
  const ScoreReport report = ScoredTestData(100);
  const std::string markdown = ReportMarkdown(report);
  const SplitScore& test = report.splits[1];
  ASSERT_EQ(test.split, "test");
  // The test split's row: counts at 0.5, then F1 with its patient bootstrap interval.
  EXPECT_THAT(markdown, HasSubstr(absl::StrFormat("| test | 1 | 1 | 2 | 2 | 0.500 [%.3f, %.3f] |",
                                                  test.threshold_cis->paper_auc.ci_lower,
                                                  test.threshold_cis->paper_auc.ci_upper)));
  EXPECT_THAT(markdown, HasSubstr("| patients |\n"));
  EXPECT_THAT(markdown, HasSubstr("| test | sensitivity at specificity >= 0.80 | 0.333 ["));
  // Without bootstrapping there are no intervals to show. At 0.5 by hand: TP 1, FP 1, TN 2,
  // FN 2; F1 = 2 / (2 + 1 + 2).
  const std::string plain = ReportMarkdown(ScoredTestData(0));
  EXPECT_THAT(
      plain,
      HasSubstr("| test | 1 | 1 | 2 | 2 | 0.500 | 0.500 | 0.400 | 0.333 | 0.667 | 0.500 | — |"));
  EXPECT_THAT(plain, HasSubstr("| test | 6 | 3 | 3 | 3 | 0.667 | [0.133, 1.000] | — | — |"));
  EXPECT_THAT(plain, Not(HasSubstr("recalibrated")));
  // Probabilities that predict --calibrate fitted on valid: the report says so under the table.
  ScoreReport recalibrated = ScoredTestData(0);
  recalibrated.recalibration = "isotonic";
  EXPECT_THAT(ReportMarkdown(recalibrated),
              HasSubstr("\nNote: probabilities recalibrated (isotonic) on the valid split: its "
                        "calibration (Brier, ECE, reliability) is in-sample; judge calibration on "
                        "test.\n"));
}

TEST(HtmlReportTest, SelfContainedAndEscaped) {
  const ScoreReport report = ScoredTestData(50);
  HtmlDocument document;
  document.settings = {{"inputs", "a<b>.csv"}};
  document.summary_markdown = "## Summary\n\n| x |\n|---|\n| 1 |\n";
  const std::string png = "\x89PNG\r\n\x1a\n fake bytes";
  document.sections.push_back({"run <1>",
                               "{\"run_name\": \"<script>\"}",
                               &report,
                               {{"roc_test.png", png}},
                               {{"false positive: <b>, p = 0.900 (test)", png}}});
  const std::string html = HtmlReport(document);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<td>a&lt;b&gt;.csv</td>"));
  EXPECT_THAT(html, HasSubstr("<h2>run &lt;1&gt;</h2>"));
  EXPECT_THAT(html, HasSubstr("{&quot;run_name&quot;: &quot;&lt;script&gt;&quot;}"));
  EXPECT_THAT(html, HasSubstr("<img src=\"data:image/png;base64," + absl::Base64Escape(png) +
                              "\" alt=\"roc_test.png\""));
  EXPECT_THAT(html, HasSubstr("<h3>Worst errors: Grad-CAM heatmaps</h3>"));
  EXPECT_THAT(html, HasSubstr("<img class=\"heatmap\" src=\"data:image/png;base64," +
                              absl::Base64Escape(png) +
                              "\" alt=\"false positive: &lt;b&gt;, p = 0.900 (test)\">"));
  EXPECT_THAT(html, HasSubstr("<h2>Summary</h2>"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("http:")));
  EXPECT_THAT(html, Not(HasSubstr("https:")));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
}

}  // namespace
}  // namespace mammo::score
