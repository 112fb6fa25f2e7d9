// Our runs beside the paper's: the report's section that puts each row of Falconi et al.
// 2020's Tables 7-10 (tools/score/paper_tables.h) next to our run of the same name, in the
// tables' order, and says why a row has no run.
//
//   ASSIGN_OR_RETURN(const std::vector<PaperRow> paper, PaperRows());
//   ASSIGN_OR_RETURN(const std::vector<NotRun> not_run, ReadNotRun("out/paper/not_run.csv"));
//   report += PaperComparisonMarkdown(runs, paper, not_run);
#ifndef MAMMO_TOOLS_SCORE_PAPER_COMPARISON_H_
#define MAMMO_TOOLS_SCORE_PAPER_COMPARISON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/score/paper_tables.h"
#include "tools/score/runs.h"

namespace mammo::score {

// A backbone whose runs a pipeline left out, and why (e.g. "no weights/vgg16.safetensors").
struct NotRun {
  std::string model;  // any spelling lib/models knows ("resnet50", "resnet-50")
  std::string reason;
};

// A CSV with the columns model and reason (pipelines/paper.mk writes one); DataLoss naming the
// file and line of a row whose model lib/models does not know.
absl::StatusOr<std::vector<NotRun>> ReadNotRun(const std::string& path);

// Markdown: a table for Tables 7 and 8 (transfer learning) and one for Tables 9 and 10 (fine
// tuning), a row per paper row with our value and the paper's side by side (AUC by eq. 13, F1,
// ACC, train_acc, test_acc, beta = train_acc / test_acc as the tables compute it) and our
// beta by eq. 7 and ROC AUC; a fine-tuning run's note says how its frozen BatchNorm layers
// normalised (the paper's ResNet rows collapsed under Keras 2.2's batch statistics), a run
// kept at its last epoch says so, and "not run" rows say the NotRun reason of their backbone.
// Runs the paper has no row for are named at the end.
std::string PaperComparisonMarkdown(const std::vector<Run>& runs,
                                    const std::vector<PaperRow>& paper,
                                    const std::vector<NotRun>& not_run);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_PAPER_COMPARISON_H_
