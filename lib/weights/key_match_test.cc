#include "lib/weights/key_match.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/weights/safetensors_writer.h"

namespace mammo::weights {
namespace {

using ::testing::ElementsAre;

// A file whose tensors are empty F32 tensors of the given shapes: only names and shapes
// matter to key matching, and a zero dimension keeps the file tiny.
std::unique_ptr<SafetensorsFile> FileWith(const std::vector<ExpectedTensor>& tensors) {
  std::vector<TensorToWrite> to_write;
  for (const ExpectedTensor& t : tensors) {
    const std::optional<uint64_t> bytes = TensorByteSize(DType::kF32, t.shape);
    to_write.push_back({t.name, DType::kF32, t.shape, std::string(*bytes, '\0')});
  }
  const std::string path = ::testing::TempDir() + "/weights.safetensors";
  EXPECT_TRUE(WriteSafetensors(path, to_write, {}).ok());
  auto file = SafetensorsFile::Open(path);
  EXPECT_TRUE(file.ok()) << file.status();
  return std::move(file).value();
}

const std::vector<ExpectedTensor> kModel = {
    {"features.0.weight", {4, 3, 3, 3}},
    {"features.0.bias", {4}},
    {"head.fc.weight", {2, 4}},
    {"head.fc.bias", {2}},
};

TEST(MatchKeys, IdenticalKeysGiveTheModelOrder) {
  auto file = FileWith(kModel);
  auto to_copy = MatchKeys(*file, "tinynet", kModel, {});
  ASSERT_TRUE(to_copy.ok()) << to_copy.status();
  EXPECT_THAT(*to_copy, ElementsAre("features.0.weight", "features.0.bias", "head.fc.weight",
                                    "head.fc.bias"));
}

TEST(MatchKeys, MissingKey) {
  auto file = FileWith({kModel[0], kModel[2], kModel[3]});
  auto result = MatchKeys(*file, "tinynet", kModel, {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), file->path() +
                                           ": key 'features.0.bias' of tinynet is missing from "
                                           "the file");
}

TEST(MatchKeys, UnexpectedKey) {
  std::vector<ExpectedTensor> in_file = kModel;
  in_file.push_back({"features.0.running_mean", {4}});
  auto file = FileWith(in_file);
  auto result = MatchKeys(*file, "tinynet", kModel, {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            file->path() + ": key 'features.0.running_mean' in the file is not in tinynet");
}

TEST(MatchKeys, ShapeMismatch) {
  std::vector<ExpectedTensor> in_file = kModel;
  in_file[0].shape = {4, 1, 3, 3};
  auto file = FileWith(in_file);
  auto result = MatchKeys(*file, "tinynet", kModel, {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            file->path() +
                ": key 'features.0.weight': shape [4,1,3,3] in the file, [4,3,3,3] in tinynet");
}

TEST(MatchKeys, ScalarShapePrintsAsEmptyBrackets) {
  auto file = FileWith({{"step", {}}});
  auto result = MatchKeys(*file, "tinynet", {{"step", {1}}}, {});
  EXPECT_EQ(result.status().message(),
            file->path() + ": key 'step': shape [] in the file, [1] in tinynet");
}

// An ImageNet file (1000 classes) against a model with a new 2-class head.
TEST(MatchKeys, ClassifierKeysAreSkippedOnlyWhenAsked) {
  std::vector<ExpectedTensor> imagenet = {kModel[0],
                                          kModel[1],
                                          {"head.fc.weight", {1000, 4}},
                                          {"head.fc.bias", {1000}},
                                          {"head.extra", {1}}};
  auto file = FileWith(imagenet);

  auto strict = MatchKeys(*file, "tinynet", kModel, {});
  EXPECT_EQ(strict.status().message(),
            file->path() + ": key 'head.fc.weight': shape [1000,4] in the file, [2,4] in tinynet");

  KeyMatchOptions skip_head;
  skip_head.skip_prefixes = {"head."};
  auto to_copy = MatchKeys(*file, "tinynet", kModel, skip_head);
  ASSERT_TRUE(to_copy.ok()) << to_copy.status();
  EXPECT_THAT(*to_copy, ElementsAre("features.0.weight", "features.0.bias"));

  // A prefix that does not cover the head leaves the mismatch an error.
  KeyMatchOptions skip_other;
  skip_other.skip_prefixes = {"classifier."};
  EXPECT_EQ(MatchKeys(*file, "tinynet", kModel, skip_other).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MatchKeys, SkippingDoesNotHideOtherProblems) {
  auto file = FileWith({kModel[0], kModel[2], kModel[3]});
  KeyMatchOptions skip_head;
  skip_head.skip_prefixes = {"head."};
  auto result = MatchKeys(*file, "tinynet", kModel, skip_head);
  EXPECT_EQ(result.status().message(),
            file->path() + ": key 'features.0.bias' of tinynet is missing from the file");
}

}  // namespace
}  // namespace mammo::weights
