#include "lib/weights/tfjs_model.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace mammo::weights {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

std::string Dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name;
  std::string command = "mkdir -p '" + dir + "'";
  EXPECT_EQ(std::system(command.c_str()), 0);
  return dir;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// A small functional model: input, a Conv2D, a BatchNormalization, a Dense.
Json Topology() {
  return Json::parse(R"({"keras_version": "2.2.4", "backend": "tensorflow", "model_config": {
    "class_name": "Model", "config": {"name": "m", "layers": [
      {"name": "input_1", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 3]}, "inbound_nodes": []},
      {"name": "conv2d_1", "class_name": "Conv2D", "config": {"name": "conv2d_1", "use_bias": false}, "inbound_nodes": [[["input_1", 0, 0, {}]]]},
      {"name": "batch_normalization_1", "class_name": "BatchNormalization", "config": {"epsilon": 0.001}, "inbound_nodes": [[["conv2d_1", 0, 0, {}]]]},
      {"name": "dense_1", "class_name": "Dense", "config": {"activation": "softmax"}, "inbound_nodes": [[["batch_normalization_1", 0, 0, {}]]]}
    ]}}})");
}

// Every dtype and quantisation: float32, float16, uint8, uint16 and int32, in two shards.
struct Fixture {
  std::string dir, model_json;
  Json manifest;
  std::string shard1, shard2;
};

Fixture Make(const std::string& name) {
  Fixture f;
  f.dir = Dir(name);
  f.model_json = f.dir + "/model.json";
  const std::vector<float> kernel = {0.5f, -1.25f, 2.0f, 3.5f, -0.0f, 1e-3f};
  const std::vector<uint16_t> half = {0x3C00, 0xC000, 0x0001};  // 1, -2, 2^-24
  const std::vector<uint8_t> u8 = {0, 1, 255};
  const std::vector<uint16_t> u16 = {0, 2, 65535};
  const std::vector<int32_t> i32 = {-7, 0, 123456};
  const std::string all = Bytes(kernel) + Bytes(half) + Bytes(u8) + Bytes(u16) + Bytes(i32);
  f.shard1 = all.substr(0, 20);
  f.shard2 = all.substr(20);
  f.manifest = Json::parse(R"([{"paths": ["group1-shard1of2", "group1-shard2of2"], "weights": [
      {"name": "conv2d_1/kernel", "shape": [1, 1, 2, 3], "dtype": "float32"},
      {"name": "batch_normalization_1/gamma", "shape": [3], "dtype": "float32", "quantization": {"dtype": "float16"}},
      {"name": "batch_normalization_1/beta", "shape": [3], "dtype": "float32", "quantization": {"dtype": "uint8", "min": -1.0, "scale": 0.5}},
      {"name": "dense_1/kernel", "shape": [3], "dtype": "float32", "quantization": {"dtype": "uint16", "min": 10.0, "scale": 0.25}},
      {"name": "dense_1/bias", "shape": [3], "dtype": "int32"}
    ]}])");
  return f;
}

absl::StatusOr<KerasModel> Write(const Fixture& f) {
  Json root = {{"format", "layers-model"},
               {"generatedBy", "keras v2.2.4"},
               {"convertedBy", "test"},
               {"modelTopology", Topology()},
               {"weightsManifest", f.manifest}};
  WriteFile(f.model_json, root.dump());
  WriteFile(f.dir + "/group1-shard1of2", f.shard1);
  WriteFile(f.dir + "/group1-shard2of2", f.shard2);
  return ReadTfjsModel(f.model_json);
}

TEST(TfjsModelTest, ReadsEveryDtypeAndQuantisation) {
  Fixture f = Make("every_dtype");
  absl::StatusOr<KerasModel> model = Write(f);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->keras_version, "2.2.4");
  EXPECT_EQ(model->format, "tfjs");
  ASSERT_EQ(model->layers.size(), 4u);
  EXPECT_EQ(model->layers[2].name, "batch_normalization_1");
  EXPECT_EQ(model->layers[2].class_name, "BatchNormalization");
  EXPECT_EQ(model->layers[2].config["epsilon"], 0.001);
  EXPECT_THAT(model->layers[2].inbound, ElementsAre("conv2d_1"));
  ASSERT_EQ(model->weights.size(), 5u);
  const KerasWeight& kernel = model->weights[0];
  EXPECT_EQ(kernel.layer, "conv2d_1");
  EXPECT_EQ(kernel.param, "kernel");
  EXPECT_THAT(kernel.shape, ElementsAre(1, 1, 2, 3));
  EXPECT_THAT(kernel.values, ElementsAre(0.5f, -1.25f, 2.0f, 3.5f, -0.0f, 1e-3f));
  EXPECT_EQ(model->weights[1].quantization, "float16");
  EXPECT_THAT(model->weights[1].values, ElementsAre(1.0f, -2.0f, std::ldexp(1.0f, -24)));
  EXPECT_EQ(model->weights[2].quantization, "uint8");
  EXPECT_THAT(model->weights[2].values, ElementsAre(-1.0f, -0.5f, 126.5f));
  EXPECT_EQ(model->weights[3].quantization, "uint16");
  EXPECT_THAT(model->weights[3].values, ElementsAre(10.0f, 10.5f, 10.0f + 0.25f * 65535));
  EXPECT_EQ(model->weights[4].dtype, "int32");
  EXPECT_THAT(model->weights[4].values, ElementsAre(-7.0f, 0.0f, 123456.0f));
}

TEST(TfjsModelTest, MissingShardIsNotFoundNamingIt) {
  Fixture f = Make("missing_shard");
  ASSERT_TRUE(Write(f).ok());
  std::remove((f.dir + "/group1-shard2of2").c_str());
  absl::StatusOr<KerasModel> model = ReadTfjsModel(f.model_json);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(model.status().message(), HasSubstr("group1-shard2of2"));
}

TEST(TfjsModelTest, TruncatedShardNamesTheWeightCutShort) {
  Fixture f = Make("truncated");
  f.shard2.resize(f.shard2.size() - 1);
  absl::StatusOr<KerasModel> model = Write(f);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(), HasSubstr("model.json"));
  EXPECT_THAT(model.status().message(), HasSubstr("'dense_1/bias'"));
  EXPECT_THAT(model.status().message(), HasSubstr("cut short"));
}

TEST(TfjsModelTest, OversizedShardsAreRefused) {
  Fixture f = Make("oversized");
  f.shard2 += "xy";
  absl::StatusOr<KerasModel> model = Write(f);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(), HasSubstr("2 bytes left over"));
}

TEST(TfjsModelTest, ManifestShapeDisagreeingWithShards) {
  Fixture f = Make("shape_mismatch");
  f.manifest[0]["weights"][0]["shape"] = {1, 1, 2, 4};  // 8 floats where 6 are stored
  absl::StatusOr<KerasModel> model = Write(f);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(), HasSubstr("need"));
}

TEST(TfjsModelTest, ShardCountDisagreeingWithManifest) {
  Fixture f = Make("shard_count");
  f.manifest[0]["paths"] = {"group1-shard1of2"};
  absl::StatusOr<KerasModel> model = Write(f);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(), HasSubstr("group1-shard1of2"));
}

TEST(TfjsModelTest, NaNAndInfinityNameTheWeightAndByte) {
  Fixture f = Make("nan");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&f.shard1[4], &nan, 4);  // conv2d_1/kernel element 1
  absl::StatusOr<KerasModel> model = Write(f);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(), HasSubstr("'conv2d_1/kernel' element 1 is NaN"));
  EXPECT_THAT(model.status().message(), HasSubstr("shard 'group1-shard1of2' byte 4"));

  Fixture g = Make("inf16");
  // float16 gamma element 0 (bytes 24..25 of the group, in shard 2 at byte 4): +infinity.
  g.shard2[4] = 0x00;
  g.shard2[5] = 0x7C;
  model = Write(g);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(model.status().message(),
              HasSubstr("'batch_normalization_1/gamma' element 0 is infinite"));
  EXPECT_THAT(model.status().message(), HasSubstr("shard 'group1-shard2of2' byte 4"));
}

TEST(TfjsModelTest, CorruptFieldsAreInvalidArgumentNamingTheWeight) {
  struct Case {
    const char* what;
    std::function<void(Json&)> corrupt;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"dtype", [](Json& w) { w["dtype"] = "float64"; }, "dtype 'float64'"},
      {"no dtype", [](Json& w) { w.erase("dtype"); }, "no dtype"},
      {"shape",
       [](Json& w) {
         w["shape"] = {1, -1, 2, 3};
       },
       "bad dimension -1"},
      {"no shape", [](Json& w) { w.erase("shape"); }, "no shape"},
      {"quant dtype",
       [](Json& w) {
         w["quantization"] = {{"dtype", "int4"}};
       },
       "'int4'"},
      {"quant min",
       [](Json& w) {
         w["quantization"] = {{"dtype", "uint8"}, {"scale", 1}};
       },
       "'min'"},
      {"quant scale",
       [](Json& w) {
         w["quantization"] = {{"dtype", "uint16"}, {"min", 0}, {"scale", "x"}};
       },
       "'scale'"},
  };
  for (const Case& c : cases) {
    Fixture f = Make(std::string("corrupt_") + std::to_string(&c - cases.data()));
    c.corrupt(f.manifest[0]["weights"][0]);
    absl::StatusOr<KerasModel> model = Write(f);
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument) << c.what;
    EXPECT_THAT(model.status().message(), HasSubstr("conv2d_1/kernel")) << c.what;
    EXPECT_THAT(model.status().message(), HasSubstr(c.message)) << c.what;
  }
  Fixture f = Make("no_name");
  f.manifest[0]["weights"][0].erase("name");
  EXPECT_EQ(Write(f).status().code(), absl::StatusCode::kInvalidArgument);
  Fixture d = Make("duplicate");
  d.manifest[0]["weights"][1]["name"] = "conv2d_1/kernel";
  EXPECT_THAT(Write(d).status().message(), HasSubstr("listed twice"));
}

TEST(TfjsModelTest, UnparseableOrWrongJson) {
  const std::string dir = Dir("bad_json");
  WriteFile(dir + "/model.json", "{\"modelTopology\": ");
  EXPECT_EQ(ReadTfjsModel(dir + "/model.json").status().code(), absl::StatusCode::kDataLoss);
  WriteFile(dir + "/model.json", R"({"format": "graph-model", "modelTopology": {}})");
  EXPECT_THAT(ReadTfjsModel(dir + "/model.json").status().message(), HasSubstr("graph-model"));
  WriteFile(dir + "/model.json", R"({"weightsManifest": []})");
  EXPECT_THAT(ReadTfjsModel(dir + "/model.json").status().message(), HasSubstr("modelTopology"));
  EXPECT_EQ(ReadTfjsModel(dir + "/absent.json").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mammo::weights
