#include "tools/score/heatmap_gallery.h"

#include <sys/stat.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/testing/files.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;

constexpr char kPng[] = "\x89PNG\r\n\x1a\n and the rest";

Prediction Case(const std::string& id, int label, double probability) {
  Prediction p;
  p.id = id;
  p.label = label;
  p.probability = probability;
  p.split = "test";
  return p;
}

TEST(HeatmapGalleryTest, WorstErrorsThatHaveAHeatmapFalsePositivesFirst) {
  const std::string dir = testing::TempPath("heatmaps");
  mkdir(dir.c_str(), 0755);
  const std::vector<Prediction> predictions = {
      Case("benign/sure", 0, 0.9), Case("benign_mild", 0, 0.6), Case("no_heatmap", 0, 0.95),
      Case("right", 1, 0.8),       Case("missed", 1, 0.1),      Case("benign_right", 0, 0.2)};
  for (const char* name : {"benign_sure", "benign_mild", "right", "missed", "benign_right"}) {
    testing::WriteWholeFile(absl::StrCat(dir, "/", name, ".png"), std::string(kPng, 20));
  }
  const std::vector<HtmlHeatmap> gallery = ReadHeatmapGallery(dir, predictions, 0.5).value();
  ASSERT_EQ(gallery.size(), 3u);
  EXPECT_EQ(gallery[0].caption, "false positive: benign/sure, p = 0.900 (test)");
  EXPECT_EQ(gallery[1].caption, "false positive: benign_mild, p = 0.600 (test)");
  EXPECT_EQ(gallery[2].caption, "false negative: missed, p = 0.100 (test)");
  EXPECT_EQ(gallery[0].png, std::string(kPng, 20));
}

TEST(HeatmapGalleryTest, BadFolderOrFileNamesIt) {
  const absl::StatusOr<std::vector<HtmlHeatmap>> missing =
      ReadHeatmapGallery(testing::TempPath("nowhere"), {}, 0.5);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("--heatmaps "));
  EXPECT_THAT(missing.status().message(), HasSubstr("nowhere: not a folder"));
  const std::string dir = testing::TempPath("not_png");
  mkdir(dir.c_str(), 0755);
  testing::WriteWholeFile(dir + "/x.png", "text");
  const absl::StatusOr<std::vector<HtmlHeatmap>> text =
      ReadHeatmapGallery(dir, {Case("x", 1, 0.1)}, 0.5);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("x.png: not a PNG file (--heatmaps)"));
}

}  // namespace
}  // namespace mammo::score
