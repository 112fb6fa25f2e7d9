// PNG figures of a scored model, drawn by PLplot's pngcairo device: the ROC curve with its
// operating point, the confusion matrix, the reliability diagram, and train/valid accuracy and loss
// against epochs (the paper's figures 4 to 8).
#ifndef MAMMO_TOOLS_SCORE_FIGURES_H_
#define MAMMO_TOOLS_SCORE_FIGURES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/score/history.h"
#include "tools/score/score_lib.h"

namespace mammo::score {

// Every figure is this many pixels.
inline constexpr int kFigureWidth = 800;
inline constexpr int kFigureHeight = 600;

// Writes into `dir` (created if missing), for each split of `report`: roc_SPLIT.png,
// confusion_SPLIT.png and reliability_SPLIT.png; and, with a non-empty `history`, accuracy.png and
// loss.png. Returns the names written (SPLIT through SafeFileName), relative to `dir`.
// `predictions` are those `report` was scored from. Errors name the file that could not be written.
absl::StatusOr<std::vector<std::string>> WriteFigures(
    const std::string& dir, const std::vector<Prediction>& predictions, const ScoreReport& report,
    const std::vector<train::EpochRecord>& history);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_FIGURES_H_
