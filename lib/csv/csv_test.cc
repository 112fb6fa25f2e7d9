#include "lib/csv/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"

namespace mammo::csv {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CsvTest, QuotesEscapesAndLineBreaksInsideQuotes) {
  const absl::StatusOr<CsvTable> table = ParseCsv(
      "id,path,note\r\n"
      "a,\"x,y\",\"said \"\"hi\"\"\"\r\n"
      "b,\"two\nlines\",  padded  \r\n",
      "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_THAT(table->header, ElementsAre("id", "path", "note"));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_THAT(table->rows[0].cells, ElementsAre("a", "x,y", "said \"hi\""));
  EXPECT_THAT(table->rows[1].cells, ElementsAre("b", "two\nlines", "padded"));
  EXPECT_EQ(table->rows[0].line, 2);
  EXPECT_EQ(table->rows[1].line, 3);
  EXPECT_EQ(table->Where(table->rows[1]), "t.csv:3");
}

TEST(CsvTest, BlankLinesAreSkippedAndLinesStillCount) {
  const absl::StatusOr<CsvTable> table = ParseCsv("a,b\n\n1,2\n   \n3,4", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0].line, 3);
  EXPECT_EQ(table->rows[1].line, 5);  // the last line has no line break
  EXPECT_THAT(table->rows[1].cells, ElementsAre("3", "4"));
}

TEST(CsvTest, ColumnsAreFoundByLowerCaseName) {
  const absl::StatusOr<CsvTable> table = ParseCsv(" ID ,Label\n", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->FindColumn("id"), 0u);
  EXPECT_EQ(table->FindColumn("label"), 1u);
  EXPECT_EQ(table->FindColumn("split"), std::nullopt);
  EXPECT_EQ(table->RequireColumn("split").status().message(),
            "t.csv:1: the header lacks column 'split'");
  EXPECT_TRUE(table->rows.empty());
}

TEST(CsvTest, ErrorsNameTheFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a,b\n1,2\n3\n", "t.csv:3: 1 fields, but the header has 2"},
      {"a,b\n1,2,3\n", "t.csv:2: 3 fields, but the header has 2"},
      {"a,b,A\n", "t.csv:1: column 'A' appears twice"},
      {"a,b\n1,\"x\"y\n", "t.csv:2: "},       // text after a closing quote
      {"a,b\n1,\"open\n2,3\n", "t.csv:3: "},  // a quote never closed
      {"", "t.csv: empty file"},
      {"\n  \n", "t.csv: empty file"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<CsvTable> table = ParseCsv(text, "t.csv");
    EXPECT_TRUE(absl::IsDataLoss(table.status())) << text << ": " << table.status();
    EXPECT_THAT(table.status().message(), HasSubstr(message)) << text;
  }
}

// INbreast.csv: ';'-separated, and a short row rejected by the reader, not the whole file.
TEST(CsvTest, OtherDelimiterAndRaggedRowsKeptApart) {
  const absl::StatusOr<CsvTable> table =
      ParseCsv("File Name;Bi-Rads\n22678622;4a\n22678646\n\"1;2\";5;x\n24055274;2\n", "t.csv",
               {.delimiter = ';', .keep_ragged_rows = true});
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_THAT(table->rows[0].cells, ElementsAre("22678622", "4a"));
  EXPECT_THAT(table->rows[1].cells, ElementsAre("24055274", "2"));
  ASSERT_EQ(table->ragged_rows.size(), 2u);
  EXPECT_EQ(table->Where(table->ragged_rows[0]), "t.csv:3");
  EXPECT_THAT(table->ragged_rows[1].cells, ElementsAre("1;2", "5", "x"));
  const std::vector<const CsvRow*> all = table->RowsInFileOrder();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[1]->line, 3);
  EXPECT_EQ(all[3]->line, 5);
  EXPECT_FALSE(ParseCsv("a;b\n1\n", "t.csv", {.delimiter = ';'}).ok());
}

TEST(CsvTest, ReadsAFileAndNamesAMissingOne) {
  const std::string path = testing::TempPath("read.csv");
  testing::WriteWholeFile(path, "x\n1\n");
  const absl::StatusOr<CsvTable> table = ReadCsv(path);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->source, path);
  EXPECT_THAT(table->rows[0].cells, ElementsAre("1"));
  const absl::StatusOr<CsvTable> missing = ReadCsv(testing::TempPath("missing.csv"));
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr("missing.csv"));
}

}  // namespace
}  // namespace mammo::csv
