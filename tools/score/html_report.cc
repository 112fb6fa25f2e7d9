#include "tools/score/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/score/figures.h"
#include "tools/score/runs.h"

namespace mammo::score {
namespace {

constexpr char kNone[] = "—";

// Nothing but the page itself and its data: images may load; no script, font, frame or
// connection anywhere.
constexpr char kHead[] = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>score report</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.5em; }
th { background: #eee; }
td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
section { border-top: 2px solid #888; margin-top: 2em; }
pre { background: #f6f6f6; padding: 0.5em; overflow-x: auto; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; }
img { width: 480px; max-width: 100%; height: auto; border: 1px solid #ddd; }
img.heatmap { width: 240px; }
figcaption { font-size: 0.85em; max-width: 240px; }
</style>
</head>
<body>
<h1>score report</h1>
)";

// The cells of a Markdown table row; "\|" is a '|' inside a cell.
std::vector<std::string> Cells(absl::string_view row) {
  row = absl::StripAsciiWhitespace(row);
  if (absl::StartsWith(row, "|")) row.remove_prefix(1);
  if (absl::EndsWith(row, "|") && !absl::EndsWith(row, "\\|")) row.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
  return cells;
}

// "---", ":--", "--:": the row under a table's header.
bool IsAlignmentRow(const std::vector<std::string>& cells) {
  for (const std::string& cell : cells) {
    if (cell.empty() || cell.find_first_not_of(":-") != std::string::npos) return false;
  }
  return true;
}

std::string Table(const std::vector<absl::string_view>& lines) {
  std::vector<std::vector<std::string>> rows;
  for (absl::string_view line : lines) rows.push_back(Cells(line));
  std::vector<bool> right;
  size_t body = 1;
  if (rows.size() > 1 && IsAlignmentRow(rows[1])) {
    for (const std::string& cell : rows[1]) right.push_back(absl::EndsWith(cell, ":"));
    body = 2;
  }
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& cell : rows[0]) absl::StrAppend(&out, "<th>", HtmlEscape(cell), "</th>");
  absl::StrAppend(&out, "</tr></thead>\n<tbody>\n");
  for (size_t r = body; r < rows.size(); ++r) {
    absl::StrAppend(&out, "<tr>");
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const bool number = c < right.size() && right[c];
      absl::StrAppend(&out, number ? "<td class=\"number\">" : "<td>", HtmlEscape(rows[r][c]),
                      "</td>");
    }
    absl::StrAppend(&out, "</tr>\n");
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n");
  return out;
}

std::string Interval(double lower, double upper) {
  return absl::StrFormat("[%.3f, %.3f]", lower, upper);
}

std::string Optional(const std::optional<metrics::BootstrapCi>& ci) {
  return ci.has_value() ? Interval(ci->ci_lower, ci->ci_upper) : kNone;
}

std::string Threshold(double threshold) {
  // +infinity: nothing is called malignant.
  return std::isfinite(threshold) ? absl::StrFormat("%.4g", threshold) : "+inf";
}

std::string AucTable(const ScoreReport& report) {
  std::string out =
      "| split | cases | malignant | benign | patients | ROC AUC | DeLong 95% CI | bootstrap "
      "95% CI | patient bootstrap 95% CI | Brier | ECE |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const SplitScore& s : report.splits) {
    absl::StrAppendFormat(&out, "| %s | %d | %d | %d | %d | %.3f | %s | %s | %s | %.4f | %.4f |\n",
                          s.split, s.cases, s.positives, s.negatives, s.patients, s.auc.auc,
                          Interval(s.auc.ci_lower, s.auc.ci_upper), Optional(s.bootstrap),
                          Optional(s.patient_bootstrap), s.calibration.brier, s.calibration.ece);
  }
  return out;
}

std::string ThresholdTable(const ScoreReport& report) {
  std::string out = absl::StrFormat(
      "Predicted malignant when the probability is at least %s%s.", Threshold(report.threshold),
      report.threshold_note.empty() ? "" : absl::StrCat(" (", report.threshold_note, ")"));
  if (report.bootstrap_resamples > 0) {
    absl::StrAppend(&out, " Rates are value [95% CI], a percentile bootstrap of ",
                    report.bootstrap_resamples, " resamples (the last column says of what), seed ",
                    report.seed, ".");
  }
  absl::StrAppend(&out,
                  "\n\n| split | TP | FP | TN | FN | paper_auc | ACC | F1 | sensitivity | "
                  "specificity | precision | CIs resample |\n"
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const SplitScore& s : report.splits) {
    const metrics::ThresholdMetrics& m = s.at_threshold;
    const metrics::ThresholdMetricsCis* cis =
        s.threshold_cis.has_value() ? &*s.threshold_cis : nullptr;
    const auto rate = [cis](double value, metrics::BootstrapCi metrics::ThresholdMetricsCis::*ci) {
      return ValueWithCi(value, cis != nullptr ? &(cis->*ci) : nullptr);
    };
    using C = metrics::ThresholdMetricsCis;
    absl::StrAppend(
        &out, "| ", s.split, " | ", m.confusion.true_positives, " | ", m.confusion.false_positives,
        " | ", m.confusion.true_negatives, " | ", m.confusion.false_negatives, " | ",
        rate(m.paper_auc, &C::paper_auc), " | ", rate(m.accuracy, &C::accuracy), " | ",
        rate(m.f1, &C::f1), " | ", rate(m.sensitivity, &C::sensitivity), " | ",
        rate(m.specificity, &C::specificity), " | ", rate(m.precision, &C::precision), " | ",
        cis == nullptr ? kNone : (cis->by_cluster ? "patients" : "cases"), " |\n");
  }
  return out;
}

std::string OperatingPointTable(const ScoreReport& report) {
  std::string out =
      "Each split's own operating points (thresholds read off its ROC curve), with stratified "
      "case bootstrap 95% CIs when bootstrapping.\n\n"
      "| split | operating point | value [95% CI] | threshold | sensitivity | specificity |\n"
      "|---|---|---:|---:|---:|---:|\n";
  for (const SplitScore& s : report.splits) {
    for (const OperatingPointScore& o : s.operating_points) {
      const double value = o.measure == "sensitivity" ? o.point.sensitivity : o.point.specificity;
      const metrics::BootstrapCi* ci = o.bootstrap.has_value() ? &*o.bootstrap : nullptr;
      absl::StrAppendFormat(&out, "| %s | %s at %s >= %.2f | %s | %s | %.3f | %.3f |\n", s.split,
                            o.measure, o.given, o.required, ValueWithCi(value, ci),
                            Threshold(o.point.threshold), o.point.sensitivity, o.point.specificity);
    }
  }
  return out;
}

// AUC by attribute value, each split; small groups are marked, not left out.
std::string SubgroupTable(const ScoreReport& report) {
  std::vector<SubgroupRows> rows;
  for (const SplitScore& s : report.splits) rows.push_back({"", s.split, &s.subgroups});
  return SubgroupsMarkdown(rows);
}

}  // namespace

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownToHtml(absl::string_view markdown) {
  const std::vector<absl::string_view> lines = absl::StrSplit(markdown, '\n');
  std::string out;
  std::string paragraph;
  const auto end_paragraph = [&] {
    if (paragraph.empty()) return;
    absl::StrAppend(&out, "<p>", HtmlEscape(paragraph), "</p>\n");
    paragraph.clear();
  };
  for (size_t i = 0; i < lines.size();) {
    const absl::string_view line = absl::StripTrailingAsciiWhitespace(lines[i]);
    if (absl::StartsWith(line, "|")) {
      end_paragraph();
      std::vector<absl::string_view> table;
      while (i < lines.size() && absl::StartsWith(lines[i], "|")) table.push_back(lines[i++]);
      out += Table(table);
      continue;
    }
    ++i;
    const size_t level = line.find_first_not_of('#');
    if (level >= 1 && level <= 3 && level < line.size() && line[level] == ' ') {
      end_paragraph();
      absl::StrAppend(&out, "<h", level, ">", HtmlEscape(line.substr(level + 1)), "</h", level,
                      ">\n");
    } else if (line.empty()) {
      end_paragraph();
    } else {
      absl::StrAppend(&paragraph, paragraph.empty() ? "" : " ", line);
    }
  }
  end_paragraph();
  return out;
}

std::string ReportMarkdown(const ScoreReport& report) {
  std::string out = absl::StrCat("### ROC AUC and calibration\n\n", AucTable(report),
                                 report.recalibration.empty()
                                     ? ""
                                     : absl::StrCat("\nNote: ", RecalibrationNote(report), ".\n"),
                                 "\n### At the threshold\n\n", ThresholdTable(report),
                                 "\n### Operating points\n\n", OperatingPointTable(report));
  const bool any_subgroups = std::any_of(report.splits.begin(), report.splits.end(),
                                         [](const SplitScore& s) { return !s.subgroups.empty(); });
  if (any_subgroups) absl::StrAppend(&out, "\n### Subgroups\n\n", SubgroupTable(report));
  if (report.training.has_value()) {
    const TrainingSummary& t = *report.training;
    absl::StrAppendFormat(&out,
                          "\n### Training\n\nEpoch %d of %d (%s): train_acc %.4f, valid_acc "
                          "%.4f, beta = train_acc / valid_acc %.4f.\n",
                          t.best_epoch, t.epochs, t.best_epoch_source, t.train_accuracy,
                          t.valid_accuracy, t.beta);
  }
  return out;
}

std::string HtmlReport(const HtmlDocument& document) {
  std::string out = kHead;
  absl::StrAppend(&out, "<h2>Provenance</h2>\n<table>\n<tbody>\n");
  for (const auto& [name, value] : document.settings) {
    absl::StrAppend(&out, "<tr><th>", HtmlEscape(name), "</th><td>", HtmlEscape(value),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody>\n</table>\n", MarkdownToHtml(document.summary_markdown));
  for (const HtmlSection& section : document.sections) {
    absl::StrAppend(&out, "<section>\n<h2>", HtmlEscape(section.title), "</h2>\n");
    if (!section.provenance.empty()) {
      absl::StrAppend(&out, "<details open><summary>run.json</summary><pre>",
                      HtmlEscape(section.provenance), "</pre></details>\n");
    }
    absl::StrAppend(&out, MarkdownToHtml(ReportMarkdown(*section.report)),
                    "<h3>Figures</h3>\n<div class=\"figures\">\n");
    for (const HtmlFigure& figure : section.figures) {
      absl::StrAppend(&out, "<figure><img src=\"data:image/png;base64,",
                      absl::Base64Escape(figure.png), "\" alt=\"", HtmlEscape(figure.name),
                      "\" width=\"", kFigureWidth, "\" height=\"", kFigureHeight, "\"><figcaption>",
                      HtmlEscape(figure.name), "</figcaption></figure>\n");
    }
    absl::StrAppend(&out, "</div>\n");
    if (!section.heatmaps.empty()) {
      absl::StrAppend(&out,
                      "<h3>Worst errors: Grad-CAM heatmaps</h3>\n<p>Where the model found "
                      "evidence of malignancy (red), for the false positives it was surest of and "
                      "the false negatives it was surest of, at the threshold.</p>\n"
                      "<div class=\"figures\">\n");
      for (const HtmlHeatmap& heatmap : section.heatmaps) {
        absl::StrAppend(&out, "<figure><img class=\"heatmap\" src=\"data:image/png;base64,",
                        absl::Base64Escape(heatmap.png), "\" alt=\"", HtmlEscape(heatmap.caption),
                        "\"><figcaption>", HtmlEscape(heatmap.caption), "</figcaption></figure>\n");
      }
      absl::StrAppend(&out, "</div>\n");
    }
    absl::StrAppend(&out, "</section>\n");
  }
  absl::StrAppend(&out, "</body>\n</html>\n");
  return out;
}

}  // namespace mammo::score
