#include "tools/score/figures.h"

#include <plstream.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/io/safe_file_name.h"
#include "lib/metrics/roc_curve.h"
#include "lib/status/status_macros.h"

// LeakSanitizer's built-in suppressions for programs that draw figures: PLplot loads its
// pngcairo driver through libltdl, which keeps its bookkeeping (under 1 KB), and the driver
// leaves fontconfig's font cache (about 68 KB) allocated until exit. Read only by builds
// with LeakSanitizer (bazel --config=asan); an unused symbol elsewhere.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libltdl\nleak:libfontconfig\n";
}

namespace mammo::score {
namespace {

// Colour map 0 indices, set by OpenPlot: PLplot's default palette has a black background and
// yellow-on-black colours meant for screens, not for papers.
constexpr int kWhite = 0;
constexpr int kBlack = 1;
constexpr int kRed = 2;
constexpr int kGrey = 3;
constexpr int kBlue = 4;
constexpr int kLightBlue = 5;  // the ROC curve's confidence band

// The operating point's marker; cairo draws it from a system font.
constexpr char kDot[] = "●";

// PLplot aborts the process on a file it cannot open, so the path is tried here first, where
// failing is an error that names it.
absl::Status CheckWritable(const std::string& path) {
  std::ofstream probe(path, std::ios::binary | std::ios::trunc);
  if (!probe) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

void OpenPlot(plstream& pls, const std::string& path) {
  pls.sdev("pngcairo");
  pls.sfnam(path.c_str());
  pls.spage(0, 0, kFigureWidth, kFigureHeight, 0, 0);
  pls.scol0(kWhite, 255, 255, 255);
  pls.scol0(kBlack, 0, 0, 0);
  pls.scol0(kRed, 200, 30, 30);
  pls.scol0(kGrey, 150, 150, 150);
  pls.scol0(kBlue, 30, 80, 200);
  pls.scol0(kLightBlue, 190, 210, 245);
  pls.init();
  pls.col0(kBlack);
}

// The file only holds the figure once its stream has ended (plstream's destructor); an empty
// file means the device drew nothing.
absl::Status CheckWritten(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error || size == 0) return absl::DataLossError(absl::StrCat(path, ": PLplot wrote nothing"));
  return absl::OkStatus();
}

struct LegendEntry {
  std::string text;
  PLINT colour;
  PLINT style = 1;               // line style, for a line entry
  const char* symbol = nullptr;  // a symbol entry instead of a line
};

// A legend in the plot's lower right corner.
void Legend(plstream& pls, const std::vector<LegendEntry>& entries) {
  const PLINT n = static_cast<PLINT>(entries.size());
  std::vector<const char*> text, symbols;
  std::vector<PLINT> options, colours, styles;
  for (const LegendEntry& e : entries) {
    text.push_back(e.text.c_str());
    symbols.push_back(e.symbol == nullptr ? "" : e.symbol);
    options.push_back(e.symbol == nullptr ? PL_LEGEND_LINE : PL_LEGEND_SYMBOL);
    colours.push_back(e.colour);
    styles.push_back(e.style);
  }
  const std::vector<PLINT> text_colours(n, kBlack);
  const std::vector<PLFLT> widths(n, 2.0);
  const std::vector<PLFLT> symbol_scales(n, 1.5);
  const std::vector<PLINT> symbol_numbers(n, 1);
  PLFLT legend_width, legend_height;
  pls.legend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_BOTTOM | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.08, kWhite,
             kBlack, 1, n, 1, n, options.data(), 1.0, 0.9, 2.0, 0.0, text_colours.data(),
             text.data(), nullptr, nullptr, nullptr, nullptr, colours.data(), styles.data(),
             widths.data(), colours.data(), symbol_scales.data(), symbol_numbers.data(),
             symbols.data());
}

void Line(plstream& pls, const std::vector<PLFLT>& x, const std::vector<PLFLT>& y, int colour,
          int style) {
  pls.col0(colour);
  pls.lsty(style);
  pls.width(2.0);
  pls.line(static_cast<PLINT>(x.size()), x.data(), y.data());
  pls.lsty(1);
  pls.width(1.0);
  pls.col0(kBlack);
}

absl::Status DrawRoc(const std::string& path, const SplitScore& score,
                     const std::vector<int>& labels, const std::vector<double>& probabilities) {
  ASSIGN_OR_RETURN(const std::vector<metrics::RocPoint> curve,
                   metrics::RocCurve(labels, probabilities));
  RETURN_IF_ERROR(CheckWritable(path));
  std::vector<PLFLT> fpr, tpr;
  for (const metrics::RocPoint& p : curve) {
    fpr.push_back(p.fpr);
    tpr.push_back(p.tpr);
  }
  const metrics::ThresholdMetrics& m = score.at_threshold;
  PLFLT op_x = 1 - m.specificity;
  PLFLT op_y = m.sensitivity;
  {
    plstream pls;
    OpenPlot(pls, path);
    pls.env(0, 1, 0, 1, 1, 0);
    pls.lab("false positive rate (1 - specificity)", "true positive rate (sensitivity)",
            absl::StrFormat("ROC, %s split: AUC %.3f [%.3f, %.3f] (DeLong 95%% CI)", score.split,
                            score.auc.auc, score.auc.ci_lower, score.auc.ci_upper)
                .c_str());
    if (score.roc_band.has_value()) {
      // The band as one polygon: along the upper bounds, back along the lower ones.
      const RocBand& band = *score.roc_band;
      std::vector<PLFLT> x(band.fpr.begin(), band.fpr.end());
      std::vector<PLFLT> y(band.tpr_upper.begin(), band.tpr_upper.end());
      x.insert(x.end(), band.fpr.rbegin(), band.fpr.rend());
      y.insert(y.end(), band.tpr_lower.rbegin(), band.tpr_lower.rend());
      pls.col0(kLightBlue);
      pls.fill(static_cast<PLINT>(x.size()), x.data(), y.data());
      pls.col0(kBlack);
    }
    Line(pls, {0, 1}, {0, 1}, kGrey, 2);
    Line(pls, fpr, tpr, kBlue, 1);
    pls.col0(kRed);
    pls.schr(0, 2.0);
    pls.string(1, &op_x, &op_y, kDot);
    pls.schr(0, 1.0);
    std::vector<LegendEntry> legend = {
        {absl::StrFormat("ROC, AUC %.3f", score.auc.auc), kBlue},
        {"chance", kGrey, 2},
        {absl::StrFormat("threshold %.3g: TPR %.2f, FPR %.2f", m.threshold, m.sensitivity,
                         1 - m.specificity),
         kRed, 1, kDot}};
    if (score.roc_band.has_value()) {
      legend.push_back({absl::StrCat("pointwise 95% band, bootstrap of ",
                                     score.roc_band->by_patient ? "patients" : "cases"),
                        kLightBlue});
    }
    Legend(pls, legend);
  }
  return CheckWritten(path);
}

absl::Status DrawConfusion(const std::string& path, const SplitScore& score) {
  RETURN_IF_ERROR(CheckWritable(path));
  const metrics::ConfusionMatrix& c = score.at_threshold.confusion;
  // Rows are the actual class (benign on top), columns the predicted one, as scikit-learn's
  // ConfusionMatrixDisplay and the paper's figure 8.
  struct Cell {
    double x, y;  // lower left corner in a [0, 2] x [0, 2] window
    int64_t count;
    const char* name;
  };
  const Cell cells[] = {{0, 1, c.true_negatives, "TN"},
                        {1, 1, c.false_positives, "FP"},
                        {0, 0, c.false_negatives, "FN"},
                        {1, 0, c.true_positives, "TP"}};
  const int64_t most =
      std::max({c.true_negatives, c.false_positives, c.false_negatives, c.true_positives});
  {
    plstream pls;
    OpenPlot(pls, path);
    // White to blue, stopping short of dark blue so that black counts stay readable.
    const PLFLT intensity[] = {0, 1};
    const PLFLT red[] = {1, 0.45}, green[] = {1, 0.62}, blue[] = {1, 0.9};
    pls.scmap1l(true, 2, intensity, red, green, blue);
    pls.adv(0);
    pls.vpas(0.15, 0.85, 0.12, 0.85, 1.0);
    pls.wind(0, 2, 0, 2);
    for (const Cell& cell : cells) {
      PLFLT x[] = {cell.x, cell.x + 1, cell.x + 1, cell.x};
      PLFLT y[] = {cell.y, cell.y, cell.y + 1, cell.y + 1};
      pls.col1(most > 0 ? static_cast<PLFLT>(cell.count) / most : 0);
      pls.fill(4, x, y);
      pls.col0(kBlack);
      pls.schr(0, 2.0);
      pls.ptex(cell.x + 0.5, cell.y + 0.45, 1, 0, 0.5, absl::StrCat(cell.count).c_str());
      pls.schr(0, 1.0);
      pls.ptex(cell.x + 0.5, cell.y + 0.25, 1, 0, 0.5, cell.name);
    }
    Line(pls, {0, 2}, {1, 1}, kBlack, 1);
    Line(pls, {1, 1}, {0, 2}, kBlack, 1);
    pls.box("bc", 0, 0, "bc", 0, 0);
    pls.mtex("b", 1.5, 0.25, 0.5, "benign");
    pls.mtex("b", 1.5, 0.75, 0.5, "malignant");
    pls.mtex("b", 3.5, 0.5, 0.5, "predicted");
    pls.mtex("l", 1.5, 0.75, 0.5, "benign");
    pls.mtex("l", 1.5, 0.25, 0.5, "malignant");
    pls.mtex("l", 3.5, 0.5, 0.5, "actual");
    pls.mtex("t", 2.0, 0.5, 0.5,
             absl::StrFormat("confusion matrix, %s split, threshold %.3g", score.split,
                             score.at_threshold.threshold)
                 .c_str());
  }
  return CheckWritten(path);
}

// The reliability diagram: each non-empty bin's mean predicted probability against the
// fraction of its cases that are malignant, beside the diagonal of perfect calibration.
absl::Status DrawReliability(const std::string& path, const SplitScore& score) {
  RETURN_IF_ERROR(CheckWritable(path));
  std::vector<PLFLT> predicted, observed;
  for (const metrics::ReliabilityBin& bin : score.calibration.bins) {
    predicted.push_back(bin.mean_predicted);
    observed.push_back(bin.fraction_positive);
  }
  {
    plstream pls;
    OpenPlot(pls, path);
    pls.env(0, 1, 0, 1, 1, 0);
    pls.lab("mean predicted probability", "fraction malignant",
            absl::StrFormat("reliability, %s split: Brier %.3f, ECE %.3f (%d non-empty bins)",
                            score.split, score.calibration.brier, score.calibration.ece,
                            static_cast<int>(score.calibration.bins.size()))
                .c_str());
    Line(pls, {0, 1}, {0, 1}, kGrey, 2);
    Line(pls, predicted, observed, kBlue, 1);
    pls.col0(kBlue);
    pls.schr(0, 1.5);
    pls.string(static_cast<PLINT>(predicted.size()), predicted.data(), observed.data(), kDot);
    pls.schr(0, 1.0);
    Legend(pls, {{"model", kBlue, 1, kDot}, {"perfectly calibrated", kGrey, 2}});
  }
  return CheckWritten(path);
}

// One curve per set against epochs, in the style of the paper's figures 4 to 6.
absl::Status DrawHistory(const std::string& path, const std::vector<train::EpochRecord>& history,
                         bool loss) {
  RETURN_IF_ERROR(CheckWritable(path));
  std::vector<PLFLT> epochs, train, valid;
  for (const train::EpochRecord& e : history) {
    epochs.push_back(e.epoch);
    train.push_back(loss ? e.train_loss : e.train_accuracy);
    valid.push_back(loss ? e.valid_loss : e.valid_accuracy);
  }
  // Accuracy keeps its natural [0, 1] scale; loss has none, so it spans the data.
  PLFLT low = 0, high = 1;
  if (loss) {
    low = std::min(*std::min_element(train.begin(), train.end()),
                   *std::min_element(valid.begin(), valid.end()));
    high = std::max(*std::max_element(train.begin(), train.end()),
                    *std::max_element(valid.begin(), valid.end()));
    const PLFLT margin = high > low ? 0.05 * (high - low) : 0.5;
    low = std::max<PLFLT>(0, low - margin);
    high += margin;
  }
  // A one-epoch history still needs an x range.
  const PLFLT first = epochs.front();
  const PLFLT last = epochs.back() > first ? epochs.back() : first + 1;
  {
    plstream pls;
    OpenPlot(pls, path);
    pls.env(first, last, low, high, 0, 0);
    const char* name = loss ? "loss" : "accuracy";
    pls.lab("epoch", name, absl::StrCat("train and valid ", name, " against epochs").c_str());
    Line(pls, epochs, train, kBlue, 1);
    Line(pls, epochs, valid, kRed, 1);
    Legend(pls, {{absl::StrCat("train ", name), kBlue}, {absl::StrCat("valid ", name), kRed}});
  }
  return CheckWritten(path);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> WriteFigures(
    const std::string& dir, const std::vector<Prediction>& predictions, const ScoreReport& report,
    const std::vector<train::EpochRecord>& history) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat(dir, ": cannot create the figures folder: ", error.message()));
  }
  std::map<std::string, std::pair<std::vector<int>, std::vector<double>>> by_split;
  for (const Prediction& p : predictions) {
    by_split[p.split].first.push_back(p.label);
    by_split[p.split].second.push_back(p.probability);
  }
  std::vector<std::string> written;
  for (const SplitScore& s : report.splits) {
    const std::string roc = absl::StrCat("roc_", SafeFileName(s.split), ".png");
    RETURN_IF_ERROR(
        DrawRoc(absl::StrCat(dir, "/", roc), s, by_split[s.split].first, by_split[s.split].second));
    written.push_back(roc);
    const std::string confusion = absl::StrCat("confusion_", SafeFileName(s.split), ".png");
    RETURN_IF_ERROR(DrawConfusion(absl::StrCat(dir, "/", confusion), s));
    written.push_back(confusion);
    const std::string reliability = absl::StrCat("reliability_", SafeFileName(s.split), ".png");
    RETURN_IF_ERROR(DrawReliability(absl::StrCat(dir, "/", reliability), s));
    written.push_back(reliability);
  }
  if (!history.empty()) {
    RETURN_IF_ERROR(DrawHistory(absl::StrCat(dir, "/accuracy.png"), history, false));
    written.push_back("accuracy.png");
    RETURN_IF_ERROR(DrawHistory(absl::StrCat(dir, "/loss.png"), history, true));
    written.push_back("loss.png");
  }
  return written;
}

}  // namespace mammo::score
