#include "tools/ft_train/prefix_cache_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::ft_train {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

// Rows 0..n-1 of [n, 2, 3, 3] with distinct values, written in two appends.
torch::Tensor WriteRows(const std::string& path, const std::string& key, int64_t n,
                        torch::ScalarType dtype) {
  const torch::Tensor rows = torch::arange(n * 18, torch::kFloat32).reshape({n, 2, 3, 3}) / 7;
  auto writer = PrefixCacheWriter::Create(path, key, {n, 2, 3, 3}, dtype);
  EXPECT_TRUE(writer.ok()) << writer.status();
  EXPECT_TRUE((*writer)->Append(rows.narrow(0, 0, 2)).ok());
  EXPECT_TRUE((*writer)->Append(rows.narrow(0, 2, n - 2)).ok());
  EXPECT_TRUE((*writer)->Close().ok());
  return rows;
}

TEST(PrefixCacheFileTest, RowsComeBackExactlyUnderTheirKey) {
  const std::string path = TempPath("exact.prefix");
  const torch::Tensor rows = WriteRows(path, "model=vgg16\ngamma=10\n", 5, torch::kFloat32);
  auto found = OpenPrefixCacheFile(path, "model=vgg16\ngamma=10\n");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->rows.defined()) << found->why_not;
  EXPECT_TRUE(torch::equal(found->rows, rows));
  const torch::Tensor picked = found->rows.index_select(0, torch::tensor({4, 0, 4}));
  EXPECT_TRUE(torch::equal(picked, rows.index_select(0, torch::tensor({4, 0, 4}))));
  // The mapping outlives the file.
  std::filesystem::remove(path);
  EXPECT_TRUE(torch::equal(picked, found->rows.index_select(0, torch::tensor({4, 0, 4}))));
}

TEST(PrefixCacheFileTest, Bfloat16RowsAreTheRoundedValues) {
  const std::string path = TempPath("bf16.prefix");
  const torch::Tensor rows = WriteRows(path, "k=1", 3, torch::kBFloat16);
  auto found = OpenPrefixCacheFile(path, "k=1");
  ASSERT_TRUE(found.ok() && found->rows.defined());
  EXPECT_EQ(found->rows.scalar_type(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(found->rows, rows.to(torch::kBFloat16)));
  EXPECT_EQ(std::filesystem::file_size(path), kPrefixCacheHeaderBytes + 3 * 18 * 2);
}

TEST(PrefixCacheFileTest, AnotherKeyAnAbsentOrIncompleteFileIsNotUsed) {
  const std::string path = TempPath("keys.prefix");
  auto absent = OpenPrefixCacheFile(path, "gamma=10\n");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->rows.defined());
  EXPECT_EQ(absent->why_not, "absent");

  WriteRows(path, "model=vgg16\ngamma=8\n", 4, torch::kFloat32);
  auto other = OpenPrefixCacheFile(path, "model=vgg16\ngamma=10\n");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->rows.defined());
  EXPECT_EQ(other->why_not, "built for other inputs (its gamma=8, this run's gamma=10)");
  // A key that is a prefix of the file's is another key too.
  EXPECT_FALSE(OpenPrefixCacheFile(path, "model=vgg16\n")->rows.defined());

  // Cut short, as a copy interrupted halfway would leave it.
  std::filesystem::resize_file(path, kPrefixCacheHeaderBytes + 100);
  auto cut = OpenPrefixCacheFile(path, "model=vgg16\ngamma=8\n");
  ASSERT_TRUE(cut.ok());
  EXPECT_FALSE(cut->rows.defined());
  EXPECT_THAT(cut->why_not, HasSubstr("incomplete (4196 bytes, its header asks for 4384)"));
}

TEST(PrefixCacheFileTest, AnUnclosedWriterLeavesNoFile) {
  const std::string path = TempPath("unclosed.prefix");
  {
    auto writer = PrefixCacheWriter::Create(path, "k=1", {4, 2}, torch::kFloat32);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(torch::ones({3, 2})).ok());
    // Three rows of four: Close refuses, and nothing takes the final name.
    EXPECT_THAT(std::string((*writer)->Close().message()), HasSubstr("3 rows written of 4"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(OpenPrefixCacheFile(path, "k=1")->why_not, "absent");
}

TEST(PrefixCacheFileTest, RowsOfAnotherShapeAreRefused) {
  auto writer = PrefixCacheWriter::Create(TempPath("shape.prefix"), "k=1", {4, 2}, torch::kFloat32);
  ASSERT_TRUE(writer.ok());
  EXPECT_THAT(std::string((*writer)->Append(torch::ones({1, 3})).message()),
              HasSubstr("rows of shape [1,3] do not continue a cache of shape [4,2] at row 0"));
  EXPECT_THAT(std::string((*writer)->Append(torch::ones({5, 2})).message()),
              HasSubstr("do not continue"));
  EXPECT_FALSE(PrefixCacheWriter::Create(TempPath("int.prefix"), "k", {4, 2}, torch::kInt64).ok());
  EXPECT_FALSE(PrefixCacheWriter::Create(TempPath("long.prefix"), std::string(5000, 'k'), {4, 2},
                                         torch::kFloat32)
                   .ok());
}

}  // namespace
}  // namespace mammo::ft_train
