#include "lib/train/history.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"

namespace mammo::train {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = testing::TempPath(name);
  testing::WriteWholeFile(path, text);
  return path;
}

TEST(HistoryTest, ReadsBackWhatHistoryCsvWroteToTheLastBit) {
  std::vector<EpochRecord> history(2);
  history[0] = {1, 0.1 + 0.2, 2.0 / 3, 1e-300, 0.7, 1e-5, 1.25};
  history[1] = {2, 0.6931471805599453, 1.0 / 7, 3.0, 0.0, 2e-7, 0.5};
  const std::string csv = HistoryCsv(history);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), kHistoryHeader);
  // beta is written (train / valid accuracy; 0 for a zero valid accuracy), never read.
  EXPECT_THAT(csv, HasSubstr(",0.7,0.9523809523809524,1e-05,1.250\n"));  // (2/3) / 0.7
  EXPECT_THAT(csv, HasSubstr(",3,0,0,2e-07,0.500\n"));
  const absl::StatusOr<std::vector<EpochRecord>> read = ReadHistory(Write("h.csv", csv));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const EpochRecord& a = history[i];
    const EpochRecord& b = (*read)[i];
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.train_loss, b.train_loss);  // exact: the shortest round-trip text
    EXPECT_EQ(a.train_accuracy, b.train_accuracy);
    EXPECT_EQ(a.valid_loss, b.valid_loss);
    EXPECT_EQ(a.valid_accuracy, b.valid_accuracy);
    EXPECT_EQ(a.learning_rate, b.learning_rate);
    EXPECT_EQ(a.seconds, b.seconds);  // 3 decimals, exact for these
  }
}

TEST(HistoryTest, ColumnsByNameInAnyOrderOthersIgnored) {
  const absl::StatusOr<std::vector<EpochRecord>> read =
      ReadHistory(Write("reordered.csv",
                        "valid_accuracy,Epoch ,train_loss,note,valid_loss,train_accuracy\r\n"
                        "0.5,1,0.7,hello,0.69,0.6\r\n\n"));
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].epoch, 1);
  EXPECT_EQ((*read)[0].valid_loss, 0.69);
  EXPECT_EQ((*read)[0].learning_rate, 0);  // absent
}

TEST(HistoryTest, BadHistoriesNameTheFileAndLine) {
  EXPECT_EQ(ReadHistory("/no/such/history.csv").status().code(), absl::StatusCode::kNotFound);
  absl::Status status = ReadHistory(Write("short.csv", "epoch,train_loss\n1,0.5\n")).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("short.csv:1: the header lacks column 'train_accuracy'"));
  const std::string header = std::string(kHistoryHeader) + "\n";
  status = ReadHistory(Write("bad.csv", header + "1,1,1,1,1,1,1,1\n2,x,1,1,1,1,1,1\n")).status();
  EXPECT_THAT(status.message(), HasSubstr("bad.csv:3: malformed row '2,x,1,1,1,1,1,1'"));
  status = ReadHistory(Write("lr.csv", header + "1,1,1,1,1,1,fast,1\n")).status();
  EXPECT_THAT(status.message(), HasSubstr("lr.csv:2: malformed row"));
  status = ReadHistory(Write("ragged.csv", header + "1,1,1,1,1,1,1\n")).status();
  EXPECT_THAT(status.message(), HasSubstr("ragged.csv:2: 7 fields, but the header has 8"));
  EXPECT_THAT(ReadHistory(Write("none.csv", header)).status().message(), HasSubstr("no epochs"));
}

}  // namespace
}  // namespace mammo::train
