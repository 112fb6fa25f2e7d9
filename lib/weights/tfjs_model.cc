#include "lib/weights/tfjs_model.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/status/status_macros.h"
#include "lib/weights/half.h"

namespace mammo::weights {
namespace {

using Json = nlohmann::json;

// Refuses absurd manifests before any allocation (the largest Keras models are ~1 GB).
constexpr uint64_t kMaxGroupBytes = uint64_t{8} << 30;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const std::string message =
        absl::StrCat(path, ": cannot open ", what, ": ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(message) : absl::UnavailableError(message);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read error"));
  return buffer.str();
}

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

struct Shard {
  std::string path;
  uint64_t begin;  // offset of its first byte in the group's concatenation
  uint64_t size;
};

// "shard 'group1-shard2of6' byte 1234" for a group offset.
std::string Locate(const std::vector<Shard>& shards, uint64_t offset) {
  for (const Shard& shard : shards) {
    if (offset < shard.begin + shard.size) {
      return absl::StrCat("shard '", shard.path, "' byte ", offset - shard.begin);
    }
  }
  return absl::StrCat("group byte ", offset);
}

struct Spec {
  KerasWeight weight;
  uint64_t elements = 0;
  uint64_t bytes = 0;
};

absl::StatusOr<Spec> ParseWeightSpec(const std::string& path, int group, size_t index,
                                     const Json& entry) {
  const std::string where =
      absl::StrCat(path, ": weightsManifest[", group, "].weights[", index, "]");
  if (!entry.is_object()) return absl::InvalidArgumentError(where + " is not an object");
  if (!entry.contains("name") || !entry["name"].is_string()) {
    return absl::InvalidArgumentError(where + " has no name");
  }
  Spec spec;
  KerasWeight& w = spec.weight;
  w.name = entry["name"].get<std::string>();
  const std::string named = absl::StrCat(path, ": weight '", w.name, "'");
  SplitWeightName(w.name, &w.layer, &w.param);
  if (!entry.contains("shape") || !entry["shape"].is_array()) {
    return absl::InvalidArgumentError(named + " has no shape");
  }
  spec.elements = 1;
  for (const Json& dim : entry["shape"]) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0 ||
        dim.get<int64_t>() > (int64_t{1} << 40)) {
      return absl::InvalidArgumentError(absl::StrCat(named, " has a bad dimension ", dim.dump()));
    }
    w.shape.push_back(dim.get<int64_t>());
    spec.elements *= static_cast<uint64_t>(w.shape.back());
    if (spec.elements > kMaxGroupBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(named, " is too large: shape ", entry["shape"].dump()));
    }
  }
  if (!entry.contains("dtype") || !entry["dtype"].is_string()) {
    return absl::InvalidArgumentError(named + " has no dtype");
  }
  w.dtype = entry["dtype"].get<std::string>();
  if (w.dtype != "float32" && w.dtype != "int32") {
    return absl::InvalidArgumentError(
        absl::StrCat(named, " has dtype '", w.dtype, "' (float32 or int32 expected)"));
  }
  uint64_t element_size = 4;
  if (entry.contains("quantization") && !entry["quantization"].is_null()) {
    const Json& q = entry["quantization"];
    if (!q.is_object() || !q.contains("dtype") || !q["dtype"].is_string()) {
      return absl::InvalidArgumentError(named + ": quantization has no dtype");
    }
    w.quantization = q["dtype"].get<std::string>();
    if (w.quantization == "uint8" || w.quantization == "uint16") {
      element_size = w.quantization == "uint8" ? 1 : 2;
      for (const char* field : {"min", "scale"}) {
        if (!q.contains(field) || !q[field].is_number() || !std::isfinite(q[field].get<double>())) {
          return absl::InvalidArgumentError(absl::StrCat(
              named, ": ", w.quantization, " quantization has no finite '", field, "'"));
        }
      }
      w.quant_min = q["min"].get<double>();
      w.quant_scale = q["scale"].get<double>();
    } else if (w.quantization == "float16") {
      element_size = 2;
      if (w.dtype != "float32") {
        return absl::InvalidArgumentError(named + ": float16 quantization of an int32 weight");
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(named, ": quantization dtype '",
                                                     w.quantization,
                                                     "' (uint8, uint16 or float16 expected)"));
    }
  }
  spec.bytes = spec.elements * element_size;
  return spec;
}

// Decodes one weight's bytes; DataLoss naming the weight and the byte of a NaN or infinity.
absl::Status Decode(const std::string& path, const std::vector<Shard>& shards, const char* data,
                    uint64_t group_offset, Spec& spec) {
  KerasWeight& w = spec.weight;
  w.values.resize(spec.elements);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(data);
  uint64_t element_size = 4;
  for (uint64_t i = 0; i < spec.elements; ++i) {
    float value;
    if (w.quantization == "uint8") {
      element_size = 1;
      value = static_cast<float>(w.quant_min + w.quant_scale * p[i]);
    } else if (w.quantization == "uint16") {
      element_size = 2;
      const uint16_t q = static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
      value = static_cast<float>(w.quant_min + w.quant_scale * q);
    } else if (w.quantization == "float16") {
      element_size = 2;
      value = HalfToFloat(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
    } else {
      uint32_t bits = 0;
      for (int b = 0; b < 4; ++b) bits |= static_cast<uint32_t>(p[4 * i + b]) << (8 * b);
      if (w.dtype == "int32") {
        value = static_cast<float>(static_cast<int32_t>(bits));
      } else {
        std::memcpy(&value, &bits, 4);
      }
    }
    if (!std::isfinite(value)) {
      return absl::DataLossError(absl::StrCat(path, ": weight '", w.name, "' element ", i, " is ",
                                              std::isnan(value) ? "NaN" : "infinite", " (",
                                              Locate(shards, group_offset + i * element_size),
                                              ")"));
    }
    w.values[i] = value;
  }
  return absl::OkStatus();
}

// weightsManifest[g]: its shards read and concatenated, and each of its weights decoded into
// `model`. `names` holds the weight names seen so far, which must not repeat.
absl::Status ReadWeightGroup(const std::string& path, size_t g, const Json& group,
                             std::set<std::string>& names, KerasModel& model) {
  const std::string dir = Dirname(path);
  const std::string where = absl::StrCat(path, ": weightsManifest[", g, "]");
  if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
      !group.contains("weights") || !group["weights"].is_array()) {
    return absl::InvalidArgumentError(where + " needs a 'paths' and a 'weights' list");
  }
  std::vector<Spec> specs;
  uint64_t needed = 0;
  for (size_t i = 0; i < group["weights"].size(); ++i) {
    ASSIGN_OR_RETURN(Spec spec, ParseWeightSpec(path, static_cast<int>(g), i, group["weights"][i]));
    if (!names.insert(spec.weight.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": weight '", spec.weight.name, "' is listed twice"));
    }
    needed += spec.bytes;
    if (needed > kMaxGroupBytes) return absl::InvalidArgumentError(where + " is too large");
    specs.push_back(std::move(spec));
  }
  std::vector<Shard> shards;
  std::string data;
  for (const Json& shard_name : group["paths"]) {
    if (!shard_name.is_string() || shard_name.get<std::string>().empty()) {
      return absl::InvalidArgumentError(where + ": a path is not a file name");
    }
    const std::string shard_path = dir + shard_name.get<std::string>();
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(shard_path, "weight shard"));
    shards.push_back({shard_name.get<std::string>(), data.size(), bytes.size()});
    data += bytes;
    if (data.size() > kMaxGroupBytes) return absl::DataLossError(where + ": shards too large");
  }
  if (data.size() != needed) {
    // Name the first weight that the shards cut short, or say how much is left over.
    uint64_t offset = 0;
    for (const Spec& spec : specs) {
      if (offset + spec.bytes > data.size()) {
        return absl::DataLossError(absl::StrCat(
            path, ": shards ",
            absl::StrJoin(shards, ",",
                          [](std::string* out, const Shard& s) { out->append(s.path); }),
            " hold ", data.size(), " bytes but the manifest's weights need ", needed, ": weight '",
            spec.weight.name, "' (", spec.bytes, " bytes at group byte ", offset,
            ") is cut short (truncated or missing shard?)"));
      }
      offset += spec.bytes;
    }
    return absl::DataLossError(absl::StrCat(path, ": shards of weightsManifest[", g, "] hold ",
                                            data.size(), " bytes but the manifest's weights need ",
                                            needed, ": ", data.size() - needed,
                                            " bytes left over from ", Locate(shards, needed)));
  }
  uint64_t offset = 0;
  for (Spec& spec : specs) {
    RETURN_IF_ERROR(Decode(path, shards, data.data() + offset, offset, spec));
    offset += spec.bytes;
    model.weights.push_back(std::move(spec.weight));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KerasModel> ReadTfjsModel(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadWholeFile(path, "model.json"));
  Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::DataLossError(path + ": not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError(path + ": not a JSON object");
  if (root.contains("format") && root["format"].is_string() &&
      root["format"].get<std::string>() != "layers-model") {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": format '", root["format"].get<std::string>(),
                     "' is not a TF.js layers model (graph models hold no Keras layers)"));
  }
  KerasModel model;
  model.path = path;
  model.format = "tfjs";
  if (!root.contains("modelTopology") || !root["modelTopology"].is_object()) {
    return absl::InvalidArgumentError(path + ": no modelTopology object");
  }
  const Json& topology = root["modelTopology"];
  if (topology.contains("keras_version") && topology["keras_version"].is_string()) {
    model.keras_version = topology["keras_version"].get<std::string>();
  }
  const Json& model_config =
      topology.contains("model_config") ? topology["model_config"] : topology;
  ASSIGN_OR_RETURN(model.layers, ParseKerasModelConfig(path, model_config));
  model.has_config = true;

  if (!root.contains("weightsManifest") || !root["weightsManifest"].is_array()) {
    return absl::InvalidArgumentError(path + ": no weightsManifest list");
  }
  std::set<std::string> names;
  const Json& manifest = root["weightsManifest"];
  for (size_t g = 0; g < manifest.size(); ++g) {
    RETURN_IF_ERROR(ReadWeightGroup(path, g, manifest[g], names, model));
  }
  return model;
}

}  // namespace mammo::weights
