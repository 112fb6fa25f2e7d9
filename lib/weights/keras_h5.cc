#include "lib/weights/keras_h5.h"

#include <hdf5.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/status/status_macros.h"

namespace mammo::weights {
namespace {

using Json = nlohmann::json;

// Datasets larger than this are refused before allocation (VGG19's largest is 103M).
constexpr hsize_t kMaxElements = hsize_t{1} << 31;

// An HDF5 handle closed by its closer on scope exit.
class Handle {
 public:
  Handle(hid_t id, herr_t (*closer)(hid_t)) : id_(id), closer_(closer) {}
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*closer_)(hid_t);
};

void SilenceHdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// A string attribute, scalar or 1-D, fixed or variable length; nullopt when absent.
absl::StatusOr<std::optional<std::vector<std::string>>> ReadStrings(const std::string& path,
                                                                    hid_t object,
                                                                    const std::string& object_name,
                                                                    const char* name) {
  const htri_t exists = H5Aexists(object, name);
  if (exists < 0) {
    return absl::DataLossError(absl::StrCat(path, ": ", object_name, ": cannot read attributes"));
  }
  if (exists == 0) return std::optional<std::vector<std::string>>();
  const std::string where = absl::StrCat(path, ": ", object_name, " attribute '", name, "'");
  Handle attr(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  if (!attr.ok()) return absl::DataLossError(where + ": cannot open");
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!type.ok() || !space.ok()) return absl::DataLossError(where + ": cannot read its type");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0 || n > 1'000'000) return absl::DataLossError(where + ": bad size");
  std::vector<std::string> out;
  if (n == 0) return std::optional<std::vector<std::string>>(out);  // h5py's empty list
  if (H5Tget_class(type.get()) != H5T_STRING) {
    return absl::InvalidArgumentError(where + " is not a string");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    std::vector<char*> buffer(n, nullptr);
    Handle memory(H5Tcopy(type.get()), H5Tclose);
    if (H5Aread(attr.get(), memory.get(), buffer.data()) < 0) {
      return absl::DataLossError(where + ": cannot read");
    }
    for (char* s : buffer) {
      out.emplace_back(s == nullptr ? "" : s);
      if (s != nullptr) H5free_memory(s);
    }
  } else {
    const size_t size = H5Tget_size(type.get());
    if (size == 0 || size > (size_t{1} << 30) / static_cast<size_t>(n)) {
      return absl::DataLossError(where + ": bad string size");
    }
    std::vector<char> buffer(size * n);
    Handle memory(H5Tcopy(type.get()), H5Tclose);
    if (H5Aread(attr.get(), memory.get(), buffer.data()) < 0) {
      return absl::DataLossError(where + ": cannot read");
    }
    for (hssize_t i = 0; i < n; ++i) {
      const char* s = buffer.data() + i * size;
      out.emplace_back(s, strnlen(s, size));
    }
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

std::string OffsetText(hid_t dataset) {
  const haddr_t offset = H5Dget_offset(dataset);
  return offset == HADDR_UNDEF ? "" : absl::StrCat(" (data at file byte ", offset, ")");
}

absl::StatusOr<KerasWeight> ReadDataset(const std::string& path, hid_t group,
                                        const std::string& group_path, const std::string& layer,
                                        const std::string& weight_name) {
  const std::string where = absl::StrCat(path, ": layer '", layer, "' weight '", weight_name,
                                         "' (dataset ", group_path, "/", weight_name, ")");
  if (H5Lexists(group, weight_name.c_str(), H5P_DEFAULT) <= 0) {
    // H5Lexists does not follow intermediate groups that are missing: check each level.
    return absl::DataLossError(where + " is missing");
  }
  Handle dataset(H5Dopen2(group, weight_name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.ok()) return absl::DataLossError(where + " is not a readable dataset");
  Handle type(H5Dget_type(dataset.get()), H5Tclose);
  Handle space(H5Dget_space(dataset.get()), H5Sclose);
  if (!type.ok() || !space.ok()) return absl::DataLossError(where + ": cannot read its type");
  KerasWeight weight;
  weight.name = weight_name;
  SplitWeightName(weight_name, &weight.layer, &weight.param);
  if (weight.layer.empty()) weight.layer = layer;
  const size_t type_size = H5Tget_size(type.get());
  if (H5Tget_class(type.get()) != H5T_FLOAT ||
      (type_size != 2 && type_size != 4 && type_size != 8)) {
    return absl::InvalidArgumentError(where + " is not float16, float32 or float64");
  }
  weight.dtype = absl::StrCat("float", type_size * 8);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) return absl::DataLossError(where + ": bad rank");
  std::vector<hsize_t> dims(rank);
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
    return absl::DataLossError(where + ": bad dimensions");
  }
  hsize_t elements = 1;
  for (hsize_t d : dims) {
    if (d > kMaxElements || (d > 0 && elements > kMaxElements / d)) {
      return absl::InvalidArgumentError(where + " is too large");
    }
    elements *= d;
    weight.shape.push_back(static_cast<int64_t>(d));
  }
  weight.values.resize(elements);
  if (elements > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                              weight.values.data()) < 0) {
    return absl::DataLossError(absl::StrCat(where, ": cannot read its data",
                                            OffsetText(dataset.get()),
                                            " (truncated or corrupt file?)"));
  }
  for (size_t i = 0; i < weight.values.size(); ++i) {
    if (!std::isfinite(weight.values[i])) {
      return absl::DataLossError(absl::StrCat(
          where, " element ", i, " is ", std::isnan(weight.values[i]) ? "NaN" : "infinite",
          weight.dtype == "float64" ? " (or past float32's range)" : "",
          OffsetText(dataset.get())));
    }
  }
  return weight;
}

// The weights of layer `layer` (the group WEIGHTS_PATH/LAYER, its 'weight_names' datasets),
// appended to model.weights in the file's order.
absl::Status ReadLayerWeights(const std::string& path, hid_t weights_group,
                              const std::string& weights_path, const std::string& layer,
                              KerasModel& model) {
  const std::string group_path = weights_path + "/" + layer;
  if (layer.empty() || H5Lexists(weights_group, layer.c_str(), H5P_DEFAULT) <= 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": layer '", layer, "' is listed but has no group ", group_path));
  }
  Handle group(H5Gopen2(weights_group, layer.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": layer '", layer, "': ", group_path, " is not a group"));
  }
  ASSIGN_OR_RETURN(
      auto weight_names,
      ReadStrings(path, group.get(), absl::StrCat("layer '", layer, "'"), "weight_names"));
  if (!weight_names) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": layer '", layer, "' (", group_path,
                                                   ") has no 'weight_names' attribute"));
  }
  for (const std::string& weight_name : *weight_names) {
    // Each level of the path must exist before H5Lexists may look at the next one.
    std::string prefix;
    for (size_t slash = weight_name.find('/'); slash != std::string::npos;
         slash = weight_name.find('/', slash + 1)) {
      prefix = weight_name.substr(0, slash);
      if (H5Lexists(group.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
        return absl::DataLossError(absl::StrCat(path, ": layer '", layer, "' weight '", weight_name,
                                                "' (dataset ", group_path, "/", weight_name,
                                                ") is missing"));
      }
    }
    ASSIGN_OR_RETURN(KerasWeight weight,
                     ReadDataset(path, group.get(), group_path, layer, weight_name));
    model.weights.push_back(std::move(weight));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KerasModel> ReadKerasH5(const std::string& path) {
  SilenceHdf5();
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    const std::string message = absl::StrCat(path, ": ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(message) : absl::UnavailableError(message);
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return absl::DataLossError(path + ": not an HDF5 file (a Keras .h5 file was expected)");
  }
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok())
    return absl::DataLossError(path + ": HDF5 cannot open it (truncated or corrupt?)");
  KerasModel model;
  model.path = path;
  model.format = "keras_h5";

  const bool full_model = H5Lexists(file.get(), "model_weights", H5P_DEFAULT) > 0;
  const std::string weights_path = full_model ? "/model_weights" : "";
  Handle weights_group(H5Gopen2(file.get(), full_model ? "model_weights" : "/", H5P_DEFAULT),
                       H5Gclose);
  if (!weights_group.ok()) return absl::DataLossError(path + ": cannot open " + weights_path);

  for (hid_t object : {file.get(), weights_group.get()}) {
    ASSIGN_OR_RETURN(auto version, ReadStrings(path, object, "root", "keras_version"));
    if (version && !version->empty() && model.keras_version.empty()) {
      model.keras_version = (*version)[0];
    }
  }
  ASSIGN_OR_RETURN(auto config, ReadStrings(path, file.get(), "root", "model_config"));
  if (config && !config->empty()) {
    Json json = Json::parse((*config)[0], nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return absl::InvalidArgumentError(path + ": root attribute 'model_config' is not valid JSON");
    }
    ASSIGN_OR_RETURN(model.layers, ParseKerasModelConfig(path, json));
    model.has_config = true;
  }

  ASSIGN_OR_RETURN(auto layer_names,
                   ReadStrings(path, weights_group.get(), full_model ? "/model_weights" : "root",
                               "layer_names"));
  if (!layer_names) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", full_model ? "/model_weights" : "the root group",
                     " has no 'layer_names' attribute: not a Keras weights file"));
  }
  if (!model.has_config) {
    for (const std::string& name : *layer_names) model.layers.push_back({name, "", nullptr, {}});
  }
  for (const std::string& layer : *layer_names) {
    RETURN_IF_ERROR(ReadLayerWeights(path, weights_group.get(), weights_path, layer, model));
  }
  return model;
}

}  // namespace mammo::weights
