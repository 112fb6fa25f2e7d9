// score --html: one self-contained HTML page. Every figure is embedded as a data: URI, the
// page has no script and refers to nothing outside itself (its Content-Security-Policy
// forbids loading anything else), so that it can be opened anywhere or sent as one file.
//
//   HtmlDocument doc;
//   doc.settings = {{"threshold", "0.5"}, {"inputs", "preds.csv"}};
//   doc.summary_markdown = RunsMarkdown(runs, {});  // tables as in the Markdown report
//   doc.sections.push_back({"vgg16-TL", run_json_text, &run.report, figures});
//   RETURN_IF_ERROR(WriteFileAtomically("report.html", HtmlReport(doc)));
#ifndef MAMMO_TOOLS_SCORE_HTML_REPORT_H_
#define MAMMO_TOOLS_SCORE_HTML_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

struct HtmlFigure {
  std::string name;  // the file name figures.h gives it, e.g. "roc_test.png"
  std::string png;   // its bytes
};

// A Grad-CAM heatmap of one of the worst errors (heatmap_gallery.h).
struct HtmlHeatmap {
  std::string caption;  // "false positive: ID, p = 0.930 (test)"
  std::string png;      // its bytes
};

// One scored model: a run folder, or the predictions files given.
struct HtmlSection {
  std::string title;
  std::string provenance;  // run.json's text; empty for predictions files
  const ScoreReport* report = nullptr;
  std::vector<HtmlFigure> figures;
  std::vector<HtmlHeatmap> heatmaps;  // none: no gallery
};

struct HtmlDocument {
  // How score was asked to score, as (name, value) rows: inputs, threshold, bootstrap, ...
  std::vector<std::pair<std::string, std::string>> settings;
  // Markdown as the --runs report writes it (headings, tables, paragraphs), shown before
  // the sections; empty for predictions files.
  std::string summary_markdown;
  std::vector<HtmlSection> sections;
};

// `text` with & < > " and ' replaced by their character references: safe as element content
// and as a quoted attribute value.
std::string HtmlEscape(absl::string_view text);

// The Markdown that score writes, as HTML: "#" to "###" headings, tables (a header row, an
// alignment row whose ":" on the right aligns a column right, body rows; "\|" is a '|' in a
// cell) and paragraphs. Everything else is text; all text is escaped.
std::string MarkdownToHtml(absl::string_view markdown);

// A report's numbers as Markdown tables, per split: the ROC AUC with its intervals and the
// calibration; the metrics at the threshold with their bootstrap CIs; the operating points;
// and the training summary when there is one.
std::string ReportMarkdown(const ScoreReport& report);

// The whole page.
std::string HtmlReport(const HtmlDocument& document);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_HTML_REPORT_H_
