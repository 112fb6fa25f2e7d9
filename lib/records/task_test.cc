#include "lib/records/task.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/manifest.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_writer.h"
#include "lib/status/status_macros.h"
#include "lib/testing/files.h"

namespace mammo {
namespace {

using ::testing::HasSubstr;

TEST(TaskTest, ParsesIndexOfCount) {
  EXPECT_EQ(ParseTask("")->count, 1);
  const Task task = ParseTask("3/4").value();
  EXPECT_EQ(task.index, 3);
  EXPECT_EQ(task.count, 4);
  EXPECT_EQ(task.ToString(), "3/4");
  for (const char* bad : {"4/4", "-1/4", "0/0", "3", "3/4/5", "a/4", "3/b", "slurmy"}) {
    const absl::StatusOr<Task> refused = ParseTask(bad);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--task")) << bad;
  }
}

TEST(TaskTest, SlicesAreContiguousBalancedAndCoverEverything) {
  for (uint64_t total : {0ull, 1ull, 5ull, 12ull, 1000ull, 1ull << 62}) {
    for (int count : {1, 2, 3, 4, 7, 16}) {
      uint64_t next = 0, smallest = UINT64_MAX, largest = 0;
      for (int index = 0; index < count; ++index) {
        const auto [begin, end] = Task{index, count}.Slice(total);
        EXPECT_EQ(begin, next) << total << " " << index << "/" << count;
        EXPECT_LE(begin, end);
        smallest = std::min(smallest, end - begin);
        largest = std::max(largest, end - begin);
        next = end;
      }
      EXPECT_EQ(next, total) << total << " in " << count;
      EXPECT_LE(largest - smallest, 1u) << total << " in " << count;
    }
  }
  // By hand: 10 records in 4 tasks are 2, 3, 2, 3 (floor(10 * i / 4) = 0, 2, 5, 7, 10).
  EXPECT_EQ(Task({1, 4}).Slice(10), std::make_pair(uint64_t{2}, uint64_t{5}));
  EXPECT_EQ(Task({3, 4}).Slice(10), std::make_pair(uint64_t{7}, uint64_t{10}));
}

TEST(TaskTest, ReadsSlurmArrayVariables) {
  std::map<std::string, std::string> env;
  const GetEnv getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  EXPECT_THAT(std::string(ParseTask("slurm", getenv).status().message()),
              HasSubstr("SLURM_ARRAY_TASK_ID is not set"));
  env = {{"SLURM_ARRAY_TASK_ID", "5"},
         {"SLURM_ARRAY_TASK_MIN", "4"},
         {"SLURM_ARRAY_TASK_COUNT", "4"},
         {"SLURM_ARRAY_TASK_STEP", "1"}};
  const Task task = ParseTask("slurm", getenv).value();  // --array=4-7: the second task
  EXPECT_EQ(task.index, 1);
  EXPECT_EQ(task.count, 4);
  env["SLURM_ARRAY_TASK_STEP"] = "2";  // --array=0-6:2 has gaps a slice cannot follow
  EXPECT_THAT(std::string(ParseTask("slurm", getenv).status().message()), HasSubstr("consecutive"));
  env["SLURM_ARRAY_TASK_STEP"] = "1";
  env["SLURM_ARRAY_TASK_COUNT"] = "x";
  EXPECT_THAT(std::string(ParseTask("slurm", getenv).status().message()),
              HasSubstr("SLURM_ARRAY_TASK_COUNT='x' is not a number"));
  env = {{"SLURM_ARRAY_TASK_ID", "2"},  // sbatch --array=2: a rerun of one task
         {"SLURM_ARRAY_TASK_MIN", "2"},
         {"SLURM_ARRAY_TASK_COUNT", "1"}};
  EXPECT_THAT(std::string(ParseTask("slurm", getenv).status().message()),
              HasSubstr("to rerun task 2 of a larger array, give --task 2/COUNT"));
}

Record Numbered(int i) {
  Record record;
  record.set_id(absl::StrCat("r", i));
  record.set_label(i % 2 ? MALIGNANT : BENIGN);
  return record;
}

// Two inputs of 7 and 4 records over 3 shards: each task reads its slice of the 11, in order.
TEST(TaskTest, ReaderReturnsOnlyTheTasksSlice) {
  std::vector<std::string> specs, all;
  int next = 0;
  for (const auto& [name, n] : {std::pair{"task_a@3", 7}, std::pair{"task_b@2", 4}}) {
    specs.push_back(testing::TempPath(name));
    auto writer = ShardWriter::Open(specs.back(), StageInfo{"s", "t", "0", {}}).value();
    for (int i = 0; i < n; ++i, ++next) {
      ASSERT_TRUE(writer->Write(Numbered(next)).ok());
      all.push_back(absl::StrCat("r", next));
    }
    ASSERT_TRUE(writer->Close().ok());
  }
  for (int count : {1, 2, 3, 5, 11, 13}) {
    std::vector<std::string> joined;
    for (int index = 0; index < count; ++index) {
      std::unique_ptr<ShardReader> reader = ShardReader::Open(specs).value();
      ASSERT_TRUE(reader->SelectTask({index, count}).ok());
      const auto [begin, end] = Task{index, count}.Slice(11);
      EXPECT_EQ(reader->ExpectedRecords(), end - begin);
      Record record;
      while (reader->Next(&record).value()) joined.push_back(record.id());
    }
    EXPECT_EQ(joined, all) << count << " tasks";
  }
}

TEST(TaskTest, ReaderRefusesATaskWithoutManifests) {
  const std::string bare = testing::TempPath("task_bare.rec");
  testing::WriteWholeFile(bare, "");
  std::unique_ptr<ShardReader> reader = ShardReader::Open({bare}).value();
  const absl::Status status = reader->SelectTask({0, 2});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--task 0/2"));
  EXPECT_TRUE(reader->SelectTask({0, 1}).ok());  // the whole job needs no total
}

TEST(TaskTest, WriterMarksAPartInItsManifestAndOnlyAPart) {
  const std::string part = testing::TempPath("task_part@1");
  auto writer = ShardWriter::Open(part, StageInfo{"s", "t", "0", {}}, {2, 4}).value();
  ASSERT_TRUE(writer->Write(Numbered(0)).ok());
  ASSERT_TRUE(writer->Close().ok());
  const ShardManifest manifest =
      ReadManifest(part.substr(0, part.size() - 2) + ".manifest.json").value();
  EXPECT_TRUE(manifest.has_task());
  EXPECT_EQ(manifest.task().index(), 2u);
  EXPECT_EQ(manifest.task().count(), 4u);

  const std::string whole = testing::TempPath("task_whole@1");
  writer = ShardWriter::Open(whole, StageInfo{"s", "t", "0", {}}).value();
  ASSERT_TRUE(writer->Close().ok());
  const std::string json =
      testing::ReadWholeFile(whole.substr(0, whole.size() - 2) + ".manifest.json");
  EXPECT_THAT(json, ::testing::Not(HasSubstr("\"task\"")));  // whole sets' manifests are as before

  const auto to_stdout = ShardWriter::Open("-", StageInfo{"s", "t", "0", {}}, {0, 2});
  EXPECT_EQ(to_stdout.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo
