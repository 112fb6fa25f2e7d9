// The results Falconi et al. 2020 published in Tables 7-10, as data: the rows of
// data_formats/falconi2020_tables.csv, compiled into the binary, so that the report can put
// the paper's value beside each of our runs of the same name.
//
//   ASSIGN_OR_RETURN(const std::vector<PaperRow> rows, PaperRows());
//   const PaperRow* row = FindPaperRow(rows, "vgg16-8-FT");  // row->auc_eq13 == 0.844
//
// Table 7 (transfer learning) and Table 9 (fine tuning) give every row's AUC by the paper's
// eq. 13, F1 and ACC; Table 8 gives every transfer-learning row's train and test accuracy and
// beta = train_acc / test_acc, Table 10 the same for three fine-tuning rows only.
#ifndef MAMMO_TOOLS_SCORE_PAPER_TABLES_H_
#define MAMMO_TOOLS_SCORE_PAPER_TABLES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mammo::score {

struct PaperRow {
  std::string run;    // the paper's run name, e.g. "resnet-50-TL", "vgg16-8-FT"
  std::string model;  // the paper's spelling of the backbone, e.g. "resnet-50"
  int gamma = 0;      // the Keras layer fine tuning began at; 0 for transfer learning
  double auc_eq13 = 0;
  double f1 = 0;
  double accuracy = 0;
  std::optional<double> train_accuracy;  // Tables 8 and 10, where the paper has a row
  std::optional<double> test_accuracy;
  std::optional<double> beta;  // the tables' train_acc / test_acc
  std::string source;          // the tables (and notes) the values come from

  bool fine_tuning() const { return gamma > 0; }
};

// Rows of a CSV with the columns run, model, gamma, auc_eq13, f1, acc, train_acc, test_acc,
// beta and source; DataLoss "SOURCE:LINE: ..." naming the column of a bad value.
absl::StatusOr<std::vector<PaperRow>> ParsePaperRows(absl::string_view csv,
                                                     const std::string& source);

// The paper's 34 rows (20 of Table 7, 14 of Table 9), in the tables' order.
absl::StatusOr<std::vector<PaperRow>> PaperRows();

// The row named `run` (exactly, as the tables spell it), or nullptr.
const PaperRow* FindPaperRow(const std::vector<PaperRow>& rows, absl::string_view run);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_PAPER_TABLES_H_
