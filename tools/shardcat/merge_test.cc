#include "tools/shardcat/merge.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"
#include "lib/testing/files.h"

namespace mammo::shardcat {
namespace {

using ::testing::HasSubstr;

constexpr int kRecords = 23;

Record Numbered(int i) {
  Record record;
  record.set_id(absl::StrCat("r", i));
  record.set_patient_id(absl::StrCat("P_", i % 5));
  record.set_label(i % 3 ? BENIGN : MALIGNANT);
  record.set_split(i % 4 ? TRAIN : VALID);
  record.mutable_image()->set_data(std::string(i, 'x'));
  return record;
}

StageInfo Stage(const std::string& size = "320") {
  return StageInfo{"roicrop", "roicrop", "1.0", {{"size", size}}};
}

// Task INDEX of COUNT over the kRecords records, as a record stage with --task writes it.
std::string WritePart(const std::string& name, int index, int count,
                      const StageInfo& stage = Stage()) {
  const std::string spec = testing::TempPath(absl::StrCat(name, ".part", index, "@1"));
  const auto [begin, end] = Task{index, count}.Slice(kRecords);
  auto writer = ShardWriter::Open(spec, stage, {index, count}).value();
  for (uint64_t i = begin; i < end; ++i) EXPECT_TRUE(writer->Write(Numbered(i)).ok());
  EXPECT_TRUE(writer->Close().ok());
  return spec;
}

// The shard files and manifest of DIR/PREFIX@3, with the prefix itself taken out of the
// manifest's file names.
std::string SetBytes(const std::string& prefix) {
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&bytes,
                    testing::ReadWholeFile(absl::StrCat(prefix, "-0000", i, "-of-00003.rec")), "|");
  }
  std::string manifest = testing::ReadWholeFile(prefix + ".manifest.json");
  const std::string name = prefix.substr(prefix.rfind('/') + 1);
  for (size_t at; (at = manifest.find(name)) != std::string::npos;)
    manifest.replace(at, name.size(), "P");
  return bytes + manifest;
}

TEST(MergeTest, PartsMergeIntoTheBytesOfOneProcess) {
  const std::string whole = testing::TempPath("merge_whole");
  auto writer = ShardWriter::Open(whole + "@3", Stage()).value();
  for (int i = 0; i < kRecords; ++i) ASSERT_TRUE(writer->Write(Numbered(i)).ok());
  ASSERT_TRUE(writer->Close().ok());
  for (int count : {2, 4, 7}) {
    std::vector<std::string> parts;
    // Given in reverse: merge orders them by task.
    for (int index = count - 1; index >= 0; --index) {
      parts.push_back(WritePart(absl::StrCat("merge", count), index, count));
    }
    const std::string merged = testing::TempPath(absl::StrCat("merge_merged", count));
    const absl::Status status = Merge(merged + "@3", parts);
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(SetBytes(merged), SetBytes(whole)) << count << " tasks";
  }
}

TEST(MergeTest, RefusesAnIncompleteOrMismatchedSetOfParts) {
  const std::string a = WritePart("bad", 0, 3), b = WritePart("bad", 1, 3),
                    c = WritePart("bad", 2, 3);
  const std::string out = testing::TempPath("bad_out@1");
  const auto message = [&](const std::vector<std::string>& parts) {
    const absl::Status status = Merge(out, parts);
    EXPECT_FALSE(status.ok());
    EXPECT_FALSE(testing::PathExists(testing::TempPath("bad_out.manifest.json")));
    return std::string(status.message());
  };
  EXPECT_THAT(message({a, c}), HasSubstr("1 of 3 tasks not given (1)"));
  EXPECT_THAT(message({a, b, b}), HasSubstr("task 1 is given twice"));
  EXPECT_THAT(message({a, b, WritePart("other", 2, 4)}), HasSubstr("parts of different jobs"));
  EXPECT_THAT(message({a, b, WritePart("flags", 2, 3, Stage("224"))}), HasSubstr("other flags"));
  EXPECT_THAT(message({a, b, testing::TempPath("never_written.part2@1")}),
              HasSubstr("missing or incomplete"));
  EXPECT_THAT(Merge(a, {a, b, c}).message(), HasSubstr("is the part"));

  // A part of a job of 2^31 - 1 tasks: refused at once, the first missing ones named.
  const std::string huge = testing::TempPath("huge.part0@1");
  auto huge_writer = ShardWriter::Open(huge, Stage(), {0, 2147483647}).value();
  ASSERT_TRUE(huge_writer->Close().ok());
  EXPECT_THAT(message({huge}), HasSubstr("2147483646 of 2147483647 tasks not given (1, 2, "));

  // A task killed before its Close left no manifest.
  ASSERT_EQ(std::remove(testing::TempPath("bad.part1.manifest.json").c_str()), 0);
  EXPECT_THAT(message({a, b, c}), HasSubstr("part " + b + " is missing or incomplete"));

  // A whole set is not a part.
  const std::string whole = testing::TempPath("not_a_part@1");
  auto writer = ShardWriter::Open(whole, Stage()).value();
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_THAT(message({a, whole, c}), HasSubstr("not written by a task"));
}

// A CSV part as `predict --task INDEX/COUNT` leaves it: the part, then its manifest.
std::string WriteCsvPart(const std::string& name, int index, int count,
                         const std::string& run = "runs/a") {
  const std::string path = testing::TempPath(absl::StrCat(name, ".part", index, ".csv"));
  std::string csv = "id,probability\n";
  for (int i = 0; i <= index; ++i) absl::StrAppend(&csv, "r", index, "_", i, ",0.5\n");
  testing::WriteWholeFile(path, csv);
  testing::WriteWholeFile(
      TaskFileManifestPath(path),
      absl::StrCat(R"({"stage": "predict", "run": ")", run, R"(", "task": {"index": )", index,
                   R"(, "count": )", count, R"(}, "rows": )", index + 1, "}"));
  return path;
}

TEST(MergeTest, CsvPartsJoinInTaskOrderWithOneHeader) {
  const std::vector<std::string> parts = {WriteCsvPart("p", 2, 3), WriteCsvPart("p", 0, 3),
                                          WriteCsvPart("p", 1, 3)};
  const std::string output = testing::TempPath("p.csv");
  const absl::Status status = Merge(output, parts);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(testing::ReadWholeFile(output),
            "id,probability\nr0_0,0.5\nr1_0,0.5\nr1_1,0.5\nr2_0,0.5\nr2_1,0.5\nr2_2,0.5\n");
}

TEST(MergeTest, RefusesIncompleteOrForeignCsvParts) {
  const std::string output = testing::TempPath("q.csv");
  const std::string zero = WriteCsvPart("q", 0, 3);
  const std::string one = WriteCsvPart("q", 1, 3);
  const std::string two = WriteCsvPart("q", 2, 3);
  EXPECT_THAT(std::string(Merge(output, {zero, two}).message()),
              HasSubstr("the parts lack task(s) 1 of 3"));
  EXPECT_THAT(std::string(Merge(output, {zero, one, one, two}).message()),
              HasSubstr("task 1 is given twice"));
  const std::string foreign = WriteCsvPart("other", 1, 3, "runs/b");
  EXPECT_THAT(std::string(Merge(output, {zero, foreign, two}).message()),
              HasSubstr("another job's part"));
  // Killed between the part and its manifest: no manifest.
  std::remove(TaskFileManifestPath(one).c_str());
  EXPECT_THAT(std::string(Merge(output, {zero, one, two}).message()),
              HasSubstr(absl::StrCat("part ", one, " is missing or incomplete")));
  // A part cut short: fewer rows than its manifest says.
  WriteCsvPart("q", 1, 3);
  testing::WriteWholeFile(one, "id,probability\nr1_0,0.5\n");
  EXPECT_THAT(std::string(Merge(output, {zero, one, two}).message()),
              HasSubstr("1 rows, its manifest says 2"));
  // A marker that is JSON but not a part's.
  testing::WriteWholeFile(TaskFileManifestPath(one), R"({"task": {"index": "one"}, "rows": 2})");
  EXPECT_THAT(std::string(Merge(output, {zero, one, two}).message()),
              HasSubstr("not a task's part manifest"));
  EXPECT_FALSE(std::ifstream(output).good()) << "a refused merge wrote " << output;
}

}  // namespace
}  // namespace mammo::shardcat
