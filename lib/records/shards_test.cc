#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/records/manifest.h"
#include "lib/records/shard_reader.h"
#include "lib/records/shard_spec.h"
#include "lib/records/shard_writer.h"
#include "lib/testing/files.h"

namespace mammo {
namespace {

using ::testing::HasSubstr;

using testing::PathExists;
using testing::ReadWholeFile;
using testing::WriteWholeFile;

Record MakeRecord(int i) {
  Record r;
  r.set_id(absl::StrCat("rec", i));
  r.set_patient_id(absl::StrCat("P_", i % 7));
  r.set_lesion_id(absl::StrCat("L_", i % 11));
  r.set_label(i % 3 == 0 ? MALIGNANT : BENIGN);
  r.set_split(i % 5 == 0 ? TEST : TRAIN);
  r.mutable_image()->set_data(std::string(i, 'x'));
  return r;
}

class ShardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ::mkdir(dir_.c_str(), 0755);
  }

  // Writes records 0..n-1 to DIR/PREFIX@shards.
  std::string WriteSet(const std::string& prefix, int shards, int n) {
    const std::string spec = absl::StrCat(dir_, "/", prefix, "@", shards);
    auto writer = ShardWriter::Open(spec, StageInfo{"test", "shards_test", "1", {{"k", "v"}}});
    EXPECT_TRUE(writer.ok()) << writer.status();
    for (int i = 0; i < n; ++i) EXPECT_TRUE((*writer)->Write(MakeRecord(i)).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    return spec;
  }

  absl::StatusOr<std::vector<std::string>> ReadIds(const std::vector<std::string>& inputs) {
    auto reader = ShardReader::Open(inputs);
    if (!reader.ok()) return reader.status();
    std::vector<std::string> ids;
    Record r;
    while (true) {
      absl::StatusOr<bool> got = (*reader)->Next(&r);
      if (!got.ok()) return got.status();
      if (!*got) return ids;
      ids.push_back(r.id());
    }
  }

  std::string dir_;
};

std::vector<std::string> ExpectedIds(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(absl::StrCat("rec", i));
  return ids;
}

TEST(ShardSpecTest, ParsesAndNames) {
  auto spec = ParseShardSetSpec("out/rois@8");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->ShardPath(3), "out/rois-00003-of-00008.rec");
  EXPECT_EQ(spec->ShardFileName(3), "rois-00003-of-00008.rec");
  EXPECT_EQ(spec->ManifestPath(), "out/rois.manifest.json");
  EXPECT_EQ(ParseShardSetSpec("rois")->num_shards, 1);
  for (const char* bad :
       {"out/rois@0", "out/rois@x", "out/rois@-2", "@4", "out/@4", "a*@2", "out/rois@100000"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseShardSetSpec(bad).status())) << bad;
  }
}

TEST(ShardSpecTest, ARecFileNameIsThatFile) {
  for (const char* name : {"out/rois.rec", "out/rois.tfrecord"}) {
    auto spec = ParseShardSetSpec(name);
    ASSERT_TRUE(spec.ok());
    EXPECT_TRUE(spec->single_file);
    EXPECT_EQ(spec->ShardPath(0), name);
    EXPECT_EQ(spec->ShardFileName(0), std::string(name).substr(4));
    EXPECT_EQ(spec->ManifestPath(), absl::StrCat(name, ".manifest.json"));
    EXPECT_EQ(spec->ToString(), name);
  }
  auto sharded = ParseShardSetSpec("out/rois.rec@2");  // @N keeps the shard names
  ASSERT_TRUE(sharded.ok());
  EXPECT_FALSE(sharded->single_file);
  EXPECT_EQ(sharded->ShardPath(1), "out/rois.rec-00001-of-00002.rec");
  EXPECT_FALSE(ParseShardSetSpec("out/rois")->single_file);
}

TEST_F(ShardsTest, ARecFileIsWrittenAsNamedAndReadWithItsManifest) {
  const std::string path = dir_ + "/one.rec";
  auto writer = ShardWriter::Open(path, StageInfo{"test", "shards_test", "1", {}});
  ASSERT_TRUE(writer.ok()) << writer.status();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*writer)->Write(MakeRecord(i)).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_TRUE(PathExists(path));
  EXPECT_FALSE(PathExists(dir_ + "/one.rec-00000-of-00001.rec"));
  auto manifest = ReadManifest(path + ".manifest.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->shards(0).file(), "one.rec");

  auto sources = ResolveInputs({path});
  ASSERT_TRUE(sources.ok()) << sources.status();
  ASSERT_EQ(sources->size(), 1u);
  EXPECT_EQ((*sources)[0].kind, InputSource::Kind::kShardSet);  // checked against its manifest
  auto ids = ReadIds({path});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, ExpectedIds(5));

  // A file that no longer matches its manifest is refused, not read short.
  WriteWholeFile(path, ReadWholeFile(path).substr(0, 40));
  const absl::Status truncated = ReadIds({path}).status();
  EXPECT_THAT(truncated.message(), HasSubstr("one.rec: incomplete or mismatched shard set"));
}

TEST_F(ShardsTest, WriterCreatesAMissingFolder) {
  const std::string spec = testing::TempPath("new_folder/deeper/set@2");
  auto writer = ShardWriter::Open(spec, StageInfo{"s", "t", "0", {}});
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->Write(MakeRecord(1)).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  EXPECT_TRUE(PathExists(testing::TempPath("new_folder/deeper/set.manifest.json")));
  // A file where the folder should be: one line naming the spec and the folder.
  WriteWholeFile(testing::TempPath("a_file"), "x");
  const auto refused = ShardWriter::Open(testing::TempPath("a_file/set@1"), StageInfo{});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("cannot create the folder"));
}

TEST_F(ShardsTest, RoundTripKeepsWriteOrderForAnyShardCount) {
  for (int shards : {1, 3, 8}) {
    const std::string spec = WriteSet(absl::StrCat("set", shards), shards, 20);
    auto ids = ReadIds({spec});
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, ExpectedIds(20));
  }
}

TEST_F(ShardsTest, ManifestReadAcrossChunksAndRefusedAbove64MiB) {
  WriteSet("big", 1, 3);
  const std::string path = dir_ + "/big.manifest.json";
  // Leading whitespace pushes the JSON across the reader's 64 KiB chunks.
  const std::string json = std::string(200000, ' ') + ReadWholeFile(path);
  std::ofstream(path, std::ios::trunc) << json;
  auto manifest = ReadManifest(path);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->total_records(), 3u);
  std::ofstream(path, std::ios::trunc) << std::string((64 << 20) + 1, ' ');
  EXPECT_THAT(std::string(ReadManifest(path).status().message()),
              ::testing::HasSubstr("manifest larger than 64 MiB"));
}

TEST_F(ShardsTest, ManifestCountsAndShards) {
  const std::string spec = WriteSet("m", 3, 10);
  auto manifest = ReadManifest(dir_ + "/m.manifest.json");
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ(manifest->num_shards(), 3u);
  EXPECT_EQ(manifest->total_records(), 10u);
  ASSERT_EQ(manifest->shards_size(), 3);
  EXPECT_EQ(manifest->shards(0).records(), 4u);
  EXPECT_EQ(manifest->shards(2).records(), 3u);
  EXPECT_EQ(manifest->shards(1).file(), "m-00001-of-00003.rec");
  EXPECT_EQ(manifest->shards(1).bytes(), ReadWholeFile(dir_ + "/m-00001-of-00003.rec").size());
  // Records 0, 3, 6, 9 are malignant; 0 and 5 are test.
  ASSERT_EQ(manifest->label_counts_size(), 2);
  EXPECT_EQ(manifest->label_counts(0).key(), "BENIGN");
  EXPECT_EQ(manifest->label_counts(0).count(), 6u);
  EXPECT_EQ(manifest->label_counts(1).count(), 4u);
  ASSERT_EQ(manifest->split_counts_size(), 2);  // sorted by key: TEST, TRAIN
  EXPECT_EQ(manifest->split_counts(0).key(), "TEST");
  EXPECT_EQ(manifest->split_counts(0).count(), 2u);
  EXPECT_EQ(manifest->split_counts(1).count(), 8u);
  EXPECT_EQ(manifest->num_patients(), 7u);
  EXPECT_EQ(manifest->num_lesions(), 10u);
  EXPECT_EQ(manifest->parameters(0).name(), "k");
  EXPECT_EQ(manifest->stage(), "test");
}

TEST_F(ShardsTest, BarePrefixAndGlobInputs) {
  WriteSet("bare", 2, 6);
  auto ids = ReadIds({dir_ + "/bare"});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, ExpectedIds(6));
  // A glob reads files in sorted order: shard 0 then shard 1, no manifest involved.
  ids = ReadIds({dir_ + "/bare-*.rec"});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<std::string>{"rec0", "rec2", "rec4", "rec1", "rec3", "rec5"}));
  ids = ReadIds({dir_ + "/bare-00001-of-00002.rec", dir_ + "/bare@2"});
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 9u);
}

TEST_F(ShardsTest, MissingInputsAreNotFound) {
  EXPECT_TRUE(absl::IsNotFound(ReadIds({dir_ + "/nothing"}).status()));
  EXPECT_TRUE(absl::IsNotFound(ReadIds({dir_ + "/nothing-*.rec"}).status()));
  auto status = ReadIds({dir_ + "/nothing@4"}).status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("nothing.manifest.json"));
}

TEST_F(ShardsTest, MissingShardIsRefusedBeforeAnyRecord) {
  const std::string spec = WriteSet("missing", 3, 9);
  ASSERT_EQ(::unlink((dir_ + "/missing-00001-of-00003.rec").c_str()), 0);
  auto status = ReadIds({spec}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("missing-00001-of-00003.rec is missing"));
}

TEST_F(ShardsTest, TruncatedShardIsRefused) {
  const std::string spec = WriteSet("trunc", 2, 6);
  const std::string shard = dir_ + "/trunc-00000-of-00002.rec";
  const std::string bytes = ReadWholeFile(shard);
  WriteWholeFile(shard, bytes.substr(0, bytes.size() - 3));
  auto status = ReadIds({spec}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("bytes, the manifest says"));
  // Read as a plain file, the same truncation is data loss at the last record's offset.
  status = ReadIds({shard}).status();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("truncated"));
}

TEST_F(ShardsTest, ManifestCountMismatchIsRefused) {
  const std::string spec = WriteSet("count", 2, 6);
  const std::string path = dir_ + "/count.manifest.json";
  std::string json = ReadWholeFile(path);
  // Shard 1 holds 3 records; claim 4 there and 7 in total, keeping the sizes.
  json = absl::StrReplaceAll(json, {{"\"total_records\": \"6\"", "\"total_records\": \"7\""}});
  const size_t shard1 = json.find("count-00001-of-00002.rec");
  const size_t records = json.find("\"records\": \"3\"", shard1);
  ASSERT_NE(records, std::string::npos);
  json.replace(records, 14, "\"records\": \"4\"");
  WriteWholeFile(path, json);
  auto status = ReadIds({spec}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("holds 3 records, its manifest lists 4"));
}

TEST_F(ShardsTest, CorruptManifestIsDataLoss) {
  const std::string spec = WriteSet("badjson", 1, 2);
  WriteWholeFile(dir_ + "/badjson.manifest.json", "{\"num_shards\": ");
  auto status = ReadIds({spec}).status();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("badjson.manifest.json: not a valid manifest"));
}

TEST_F(ShardsTest, CorruptRecordNamesShardAndOffset) {
  const std::string spec = WriteSet("crc", 1, 3);
  const std::string shard = dir_ + "/crc-00000-of-00001.rec";
  std::string bytes = ReadWholeFile(shard);
  bytes[bytes.size() - 6] ^= 1;  // inside the last record's data
  WriteWholeFile(shard, bytes);
  auto status = ReadIds({spec}).status();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(shard + ": byte offset "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("data CRC mismatch"));
}

TEST_F(ShardsTest, AbandonedRerunLeavesASetThatReadersRefuse) {
  const std::string spec = WriteSet("rerun", 2, 4);
  {
    auto writer = ShardWriter::Open(spec, StageInfo{"test", "shards_test", "1", {}});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write(MakeRecord(0)).ok());
    // Destroyed without Close, as when a stage fails halfway.
  }
  EXPECT_FALSE(PathExists(dir_ + "/rerun.manifest.json"));
  EXPECT_FALSE(PathExists(dir_ + "/rerun-00000-of-00002.rec"));
  EXPECT_FALSE(PathExists(dir_ + "/rerun-00000-of-00002.rec.tmp"));
  EXPECT_FALSE(ReadIds({spec}).ok());
}

TEST_F(ShardsTest, RewritingWithFewerShardsRemovesTheOldOnes) {
  WriteSet("shrink", 4, 8);
  WriteSet("shrink", 2, 8);
  EXPECT_FALSE(PathExists(dir_ + "/shrink-00003-of-00004.rec"));
  auto ids = ReadIds({dir_ + "/shrink-*.rec"});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 8u);
}

TEST_F(ShardsTest, GarbagePayloadIsDataLossNamingThePosition) {
  const std::string path = dir_ + "/garbage.rec";
  {
    auto out = ByteWriter::Create(path);
    ASSERT_TRUE(out.ok());
    RecordWriter writer(out->get());
    ASSERT_TRUE(writer.Write("\xff\xff\xff").ok());
    ASSERT_TRUE((*out)->Close().ok());
  }
  auto status = ReadIds({path}).status();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(path + ": byte offset 0: "));
}

}  // namespace
}  // namespace mammo
