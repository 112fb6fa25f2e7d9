#include "lib/weights/keras_convert.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"
#include "lib/status/status_macros.h"

namespace mammo::weights {
namespace {

using Json = nlohmann::json;
using Shape = std::vector<int64_t>;

// Classes that Keras names automatically (snake case + _N) in the applications' models.
const char* const kAutoPrefixes[] = {
    "conv2d",
    "batch_normalization",
    "activation",
    "average_pooling2d",
    "max_pooling2d",
    "concatenate",
    "add",
    "zero_padding2d",
    "depthwise_conv2d",
    "separable_conv2d",
    "dense",
    "dropout",
    "flatten",
    "global_average_pooling2d",
    "re_lu",
    "multiply",
};

// An automatic name's class prefix and number (-1 for the bare prefix), or nullopt.
std::optional<std::pair<std::string, int>> AutoName(const std::string& name) {
  for (const char* prefix : kAutoPrefixes) {
    const size_t n = std::strlen(prefix);
    if (name.compare(0, n, prefix) != 0) continue;
    if (name.size() == n) return std::pair<std::string, int>(prefix, -1);
    int number;
    if (name[n] == '_' && absl::SimpleAtoi(name.substr(n + 1), &number) && number >= 0 &&
        name.substr(n + 1) == std::to_string(number)) {
      return std::pair<std::string, int>(prefix, number);
    }
  }
  return std::nullopt;
}

// How a list numbers automatic names: tf.keras from the bare name ("conv2d", "conv2d_1"),
// Keras 2.2 from _1; unknown without automatic names.
enum class Numbering { kUnknown, kFromBare, kFromOne };

template <typename Names>
Numbering DetectNumbering(const Names& names) {
  bool bare = false, suffixed = false;
  for (const std::string& name : names) {
    if (const auto a = AutoName(name)) (a->second < 0 ? bare : suffixed) = true;
  }
  return bare ? Numbering::kFromBare : suffixed ? Numbering::kFromOne : Numbering::kUnknown;
}

std::string Renumber(const std::string& name, Numbering from, Numbering to) {
  if (from == to || from == Numbering::kUnknown || to == Numbering::kUnknown) return name;
  const auto a = AutoName(name);
  if (!a) return name;
  // Position from 0 in creation order.
  // bare = 0, _1 = 1, ... (tf.keras); _1 = 0, _2 = 1, ... (Keras 2.2).
  const int position = from == Numbering::kFromBare ? std::max(a->second, 0) : a->second - 1;
  if (from == Numbering::kFromOne && a->second < 0) return name;
  if (position < 0) return name;  // "conv2d_0" in a from-one file: leave it unmatched
  if (to == Numbering::kFromBare) {
    return position == 0 ? a->first : absl::StrCat(a->first, "_", position);
  }
  return absl::StrCat(a->first, "_", position + 1);
}

std::string ShapeText(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

std::string Basename(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct Produced {
  Shape shape;
  std::vector<float> values;
  std::string keras_layer;  // for error messages
};

class Converter {
 public:
  Converter(const KerasModel& file, const models::ModelInfo& info) : file_(file), info_(info) {}

  absl::StatusOr<KerasConversion> Run();

 private:
  absl::Status Fail(const std::string& message) const {
    return absl::InvalidArgumentError(absl::StrCat(file_.path, ": ", message));
  }
  absl::Status Emit(const std::string& layer, const KerasWeight& w, const std::string& key,
                    Shape shape, std::vector<float> values);
  absl::Status MapBackboneLayer(const KerasLayerInfo& layer, const std::string& module,
                                const std::vector<const KerasWeight*>& weights);
  absl::Status MapBatchNorm(const KerasLayerInfo& layer, const std::string& module,
                            std::map<std::string, const KerasWeight*>& params);
  absl::Status FoldBiases();
  absl::Status MapTop(const std::vector<const KerasLayerInfo*>& top);
  double KerasEpsilon(const KerasLayerInfo& layer) const;
  // The steps of Run, in order.
  absl::Status CollectOurKeys();
  void MatchNumbering(const std::vector<models::KerasLayer>& keras_layers);
  std::string Ours(const std::string& file_name) const {
    return Renumber(file_name, file_numbering_, our_numbering_);
  }
  absl::StatusOr<std::map<std::string, std::vector<const KerasWeight*>>> WeightsByLayer() const;
  absl::StatusOr<int> BackboneEnd(
      const std::vector<models::KerasLayer>& keras_layers,
      const std::map<std::string, std::vector<const KerasWeight*>>& weights_of) const;
  absl::Status MapBackbone(
      const std::vector<models::KerasLayer>& keras_layers, int end,
      const std::map<std::string, std::vector<const KerasWeight*>>& weights_of);
  void WriteMetadata();

  const KerasModel& file_;
  const models::ModelInfo& info_;
  std::map<std::string, Shape> expected_;
  std::map<std::string, double> bn_eps_;  // our BatchNorm modules
  std::map<std::string, Produced> produced_;
  std::string first_conv_;  // the Keras layer whose input channels 'caffe' reverses
  struct PendingBias {
    std::string layer, module;
    std::vector<float> bias;
  };
  std::vector<PendingBias> pending_;
  std::map<std::string, std::string> module_of_;  // our-numbering Keras name -> module
  Numbering file_numbering_ = Numbering::kUnknown, our_numbering_ = Numbering::kUnknown;
  KerasConversion result_;
};

absl::Status Converter::Emit(const std::string& layer, const KerasWeight& w, const std::string& key,
                             Shape shape, std::vector<float> values) {
  const auto it = expected_.find(key);
  if (it == expected_.end()) {
    return Fail(absl::StrCat("layer '", layer, "' weight '", w.param, "' ", ShapeText(w.shape),
                             " has no place in ", info_.name, ": it has no '", key, "'"));
  }
  if (it->second != shape) {
    return Fail(absl::StrCat("layer '", layer, "' weight '", w.param, "' ", ShapeText(w.shape),
                             " does not fit '", key, "' ", ShapeText(it->second)));
  }
  if (produced_.count(key) > 0) {
    return Fail(absl::StrCat("layer '", layer, "' weight '", w.param, "' would fill '", key,
                             "', which layer '", produced_[key].keras_layer, "' already filled"));
  }
  produced_[key] = {std::move(shape), std::move(values), layer};
  return absl::OkStatus();
}

// [kh,kw,in,out] -> [out,in,kh,kw], optionally reversing `in` (BGR -> RGB).
std::vector<float> ConvKernel(const KerasWeight& w, bool reverse_in) {
  const int64_t kh = w.shape[0], kw = w.shape[1], in = w.shape[2], out = w.shape[3];
  std::vector<float> v(w.values.size());
  for (int64_t y = 0; y < kh; ++y)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t i = 0; i < in; ++i)
        for (int64_t o = 0; o < out; ++o) {
          const int64_t ti = reverse_in ? in - 1 - i : i;
          v[((o * in + ti) * kh + y) * kw + x] = w.values[((y * kw + x) * in + i) * out + o];
        }
  return v;
}

// [kh,kw,in,m] -> [in*m,1,kh,kw]: output channel i*m + j.
std::vector<float> DepthwiseKernel(const KerasWeight& w) {
  const int64_t kh = w.shape[0], kw = w.shape[1], in = w.shape[2], m = w.shape[3];
  std::vector<float> v(w.values.size());
  for (int64_t y = 0; y < kh; ++y)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t i = 0; i < in; ++i)
        for (int64_t j = 0; j < m; ++j) {
          v[((i * m + j) * kh + y) * kw + x] = w.values[((y * kw + x) * in + i) * m + j];
        }
  return v;
}

// Dense [in,out] -> [out,in].
std::vector<float> Transpose2(const KerasWeight& w) {
  const int64_t in = w.shape[0], out = w.shape[1];
  std::vector<float> v(w.values.size());
  for (int64_t i = 0; i < in; ++i)
    for (int64_t o = 0; o < out; ++o) v[o * in + i] = w.values[i * out + o];
  return v;
}

double Converter::KerasEpsilon(const KerasLayerInfo& layer) const {
  if (layer.config.is_object() && layer.config.contains("epsilon") &&
      layer.config["epsilon"].is_number()) {
    return layer.config["epsilon"].get<double>();
  }
  // Keras's defaults in keras.applications: ResNet (v1, v2) 1.001e-5, every other model 1e-3.
  if (absl::StartsWith(info_.name, "resnet")) return 1.001e-5;  // ResNetV2 as well
  return 1e-3;
}

absl::Status Converter::MapBatchNorm(const KerasLayerInfo& layer, const std::string& module,
                                     std::map<std::string, const KerasWeight*>& params) {
  const auto eps_it = bn_eps_.find(module);
  if (eps_it == bn_eps_.end()) {
    return Fail(absl::StrCat("layer '", layer.name, "' is a BatchNormalization but our '", module,
                             "' is not a BatchNorm2d"));
  }
  for (const char* required : {"moving_mean", "moving_variance"}) {
    if (params.count(required) == 0) {
      return Fail(absl::StrCat("layer '", layer.name, "' (BatchNormalization) has no weight '",
                               required, "' for our '", module, ".running_",
                               std::string(required) == "moving_mean" ? "mean" : "var", "'"));
    }
  }
  const KerasWeight& mean = *params["moving_mean"];
  const KerasWeight& var = *params["moving_variance"];
  const size_t channels = mean.values.size();
  const double eps_keras = KerasEpsilon(layer), eps_ours = eps_it->second;
  std::vector<float> running_var = var.values;
  for (size_t c = 0; c < running_var.size(); ++c) {
    const double v = static_cast<double>(running_var[c]) + eps_keras - eps_ours;
    if (!(v > 0)) {
      return Fail(absl::StrCat("layer '", layer.name, "' moving_variance[", c,
                               "] = ", running_var[c], " leaves no positive variance with epsilon ",
                               eps_keras, " (ours ", eps_ours, ")"));
    }
    running_var[c] = static_cast<float>(v);
  }
  KerasWeight ones = mean, zeros = mean;
  ones.param = "gamma";
  ones.values.assign(channels, 1.0f);
  zeros.param = "beta";
  zeros.values.assign(channels, 0.0f);
  const KerasWeight& gamma = params.count("gamma") ? *params["gamma"] : ones;
  const KerasWeight& beta = params.count("beta") ? *params["beta"] : zeros;
  RETURN_IF_ERROR(Emit(layer.name, gamma, module + ".weight", gamma.shape, gamma.values));
  RETURN_IF_ERROR(Emit(layer.name, beta, module + ".bias", beta.shape, beta.values));
  RETURN_IF_ERROR(Emit(layer.name, mean, module + ".running_mean", mean.shape, mean.values));
  RETURN_IF_ERROR(
      Emit(layer.name, var, module + ".running_var", var.shape, std::move(running_var)));
  for (const char* p : {"gamma", "beta", "moving_mean", "moving_variance"}) params.erase(p);
  return absl::OkStatus();
}

absl::Status Converter::MapBackboneLayer(const KerasLayerInfo& layer, const std::string& module,
                                         const std::vector<const KerasWeight*>& weights) {
  std::map<std::string, const KerasWeight*> params;
  for (const KerasWeight* w : weights) {
    if (!params.emplace(w->param, w).second) {
      return Fail(absl::StrCat("layer '", layer.name, "' has weight '", w->param, "' twice"));
    }
  }
  const auto shape_is = [&](const char* param, size_t rank) {
    return params.count(param) > 0 && params[param]->shape.size() == rank;
  };
  const auto bias = [&](const std::string& key_prefix) -> absl::Status {
    if (params.count("bias") == 0) return absl::OkStatus();
    const KerasWeight& b = *params["bias"];
    params.erase("bias");
    if (expected_.count(key_prefix + ".bias") > 0 || b.shape.size() != 1) {
      return Emit(layer.name, b, key_prefix + ".bias", b.shape, b.values);
    }
    pending_.push_back({layer.name, key_prefix, b.values});
    return absl::OkStatus();
  };
  if (shape_is("depthwise_kernel", 4) && shape_is("pointwise_kernel", 4)) {  // SeparableConv2D
    const KerasWeight& dw = *params["depthwise_kernel"];
    const KerasWeight& pw = *params["pointwise_kernel"];
    RETURN_IF_ERROR(Emit(layer.name, dw, module + ".conv1.weight",
                         {dw.shape[2] * dw.shape[3], 1, dw.shape[0], dw.shape[1]},
                         DepthwiseKernel(dw)));
    RETURN_IF_ERROR(Emit(layer.name, pw, module + ".pointwise.weight",
                         {pw.shape[3], pw.shape[2], pw.shape[0], pw.shape[1]},
                         ConvKernel(pw, false)));
    params.erase("depthwise_kernel");
    params.erase("pointwise_kernel");
    RETURN_IF_ERROR(bias(module + ".pointwise"));
  } else if (shape_is("depthwise_kernel", 4)) {  // DepthwiseConv2D
    const KerasWeight& dw = *params["depthwise_kernel"];
    RETURN_IF_ERROR(Emit(layer.name, dw, module + ".weight",
                         {dw.shape[2] * dw.shape[3], 1, dw.shape[0], dw.shape[1]},
                         DepthwiseKernel(dw)));
    params.erase("depthwise_kernel");
    RETURN_IF_ERROR(bias(module));
  } else if (shape_is("kernel", 4)) {  // Conv2D
    const KerasWeight& k = *params["kernel"];
    const bool reverse =
        layer.name == first_conv_ && KerasPreprocessing(info_.name) == "caffe" && k.shape[2] == 3;
    RETURN_IF_ERROR(Emit(layer.name, k, module + ".weight",
                         {k.shape[3], k.shape[2], k.shape[0], k.shape[1]}, ConvKernel(k, reverse)));
    params.erase("kernel");
    RETURN_IF_ERROR(bias(module));
  } else if (params.count("moving_mean") > 0 || params.count("moving_variance") > 0 ||
             params.count("gamma") > 0) {
    RETURN_IF_ERROR(MapBatchNorm(layer, module, params));
  } else {
    const KerasWeight& w = *weights.front();
    return Fail(absl::StrCat("layer '", layer.name, "' weight '", w.param, "' ", ShapeText(w.shape),
                             " is not a convolution or BatchNorm weight for our '", module, "'"));
  }
  if (!params.empty()) {
    const KerasWeight& w = *params.begin()->second;
    return Fail(absl::StrCat("layer '", layer.name, "' weight '", w.param, "' ", ShapeText(w.shape),
                             " has no counterpart in our '", module, "'"));
  }
  ++result_.mapped_layers;
  return absl::OkStatus();
}

absl::Status Converter::FoldBiases() {
  for (const PendingBias& p : pending_) {
    // The BatchNorm that takes the convolution's output.
    std::string consumer;
    if (file_.has_config) {
      for (const KerasLayerInfo& layer : file_.layers) {
        if (layer.inbound.size() == 1 && layer.inbound[0] == p.layer &&
            layer.class_name == "BatchNormalization") {
          consumer = layer.name;
        }
      }
    } else if (absl::EndsWith(p.layer, "_conv")) {
      consumer = p.layer.substr(0, p.layer.size() - 5) + "_bn";
    }
    const auto module = module_of_.find(Renumber(consumer, file_numbering_, our_numbering_));
    const auto mean = module == module_of_.end() ? produced_.end()
                                                 : produced_.find(module->second + ".running_mean");
    if (consumer.empty() || mean == produced_.end()) {
      return Fail(
          absl::StrCat("layer '", p.layer, "' has a bias, which our '", p.module,
                       "' lacks, and no BatchNormalization of ours follows it to fold it into",
                       consumer.empty() ? "" : absl::StrCat(" ('", consumer, "')")));
    }
    if (mean->second.values.size() != p.bias.size()) {
      return Fail(absl::StrCat("layer '", p.layer, "' bias [", p.bias.size(), "] does not fit '",
                               mean->first, "' ", ShapeText(mean->second.shape)));
    }
    for (size_t c = 0; c < p.bias.size(); ++c) mean->second.values[c] -= p.bias[c];
    ++result_.folded_biases;
  }
  return absl::OkStatus();
}

absl::Status Converter::MapTop(const std::vector<const KerasLayerInfo*>& top) {
  std::vector<std::string> activations, pools;
  int64_t previous_out = -1;
  for (const KerasLayerInfo* layer : top) {
    std::vector<const KerasWeight*> weights;
    for (const KerasWeight& w : file_.weights) {
      if (w.layer == layer->name) weights.push_back(&w);
    }
    const std::string& cls = layer->class_name;
    const bool dense = cls == "Dense" || (cls.empty() && !weights.empty());
    if (!dense) {
      if (!weights.empty()) {
        return Fail(
            absl::StrCat("layer '", layer->name, "' (", cls, ") after the backbone has weights"));
      }
      if (cls == "AveragePooling2D" && layer->config.is_object() &&
          layer->config.contains("pool_size")) {
        pools.push_back(
            absl::StrCat(layer->name, ":",
                         absl::StrJoin(layer->config["pool_size"].get<std::vector<int>>(), "x")));
      } else if (cls == "GlobalAveragePooling2D") {
        pools.push_back(layer->name + ":global");
      } else if (!cls.empty() && cls != "Flatten" && cls != "Dropout" &&
                 cls != "AveragePooling2D") {
        return Fail(absl::StrCat("layer '", layer->name, "' (", cls, ") is neither a layer of ",
                                 info_.name,
                                 "'s Keras model nor one a top may have (Dense, Flatten, Dropout, "
                                 "GlobalAveragePooling2D, AveragePooling2D)"));
      }
      continue;
    }
    std::map<std::string, const KerasWeight*> params;
    for (const KerasWeight* w : weights) params[w->param] = w;
    if (params.count("kernel") == 0 || params["kernel"]->shape.size() != 2 ||
        params.size() > 1 + params.count("bias")) {
      const KerasWeight* w = weights.empty() ? nullptr : weights.front();
      return Fail(absl::StrCat(
          "layer '", layer->name, "' (", cls.empty() ? "unknown class" : cls,
          ") after the backbone is not a Dense layer (",
          w ? absl::StrCat("weight '", w->param, "' ", ShapeText(w->shape)) : "no kernel",
          "): not a layer of ", info_.name, "'s Keras model either"));
    }
    const KerasWeight& k = *params["kernel"];
    const int64_t in = k.shape[0], out = k.shape[1];
    if (previous_out >= 0 && in != previous_out) {
      return Fail(absl::StrCat("layer '", layer->name, "' kernel ", ShapeText(k.shape),
                               " does not take the previous Dense layer's ", previous_out,
                               " outputs"));
    }
    previous_out = out;
    const std::string key = absl::StrCat("keras_top.", result_.top_dense_layers);
    produced_[key + ".weight"] = {{out, in}, Transpose2(k), layer->name};
    std::vector<float> b(out, 0.0f);
    if (params.count("bias")) {
      const KerasWeight& bw = *params["bias"];
      if (bw.shape != Shape{out}) {
        return Fail(absl::StrCat("layer '", layer->name, "' bias ", ShapeText(bw.shape),
                                 " does not fit its kernel ", ShapeText(k.shape)));
      }
      b = bw.values;
    }
    produced_[key + ".bias"] = {{out}, std::move(b), layer->name};
    std::string activation = "unknown";
    if (layer->config.is_object() && layer->config.contains("activation") &&
        layer->config["activation"].is_string()) {
      activation = layer->config["activation"].get<std::string>();
    }
    activations.push_back(activation);
    ++result_.top_dense_layers;
  }
  if (!activations.empty()) result_.metadata["mammo.keras_top"] = absl::StrJoin(activations, ",");
  if (!pools.empty()) result_.metadata["mammo.keras_top_pool"] = absl::StrJoin(pools, ",");
  return absl::OkStatus();
}

absl::StatusOr<KerasConversion> Converter::Run() {
  ASSIGN_OR_RETURN(const std::vector<models::KerasLayer> keras_layers,
                   models::KerasLayers(info_.name));
  RETURN_IF_ERROR(CollectOurKeys());
  MatchNumbering(keras_layers);
  ASSIGN_OR_RETURN(const auto weights_of, WeightsByLayer());
  ASSIGN_OR_RETURN(const int end, BackboneEnd(keras_layers, weights_of));
  RETURN_IF_ERROR(MapBackbone(keras_layers, end, weights_of));
  RETURN_IF_ERROR(FoldBiases());
  for (const auto& [key, shape] : expected_) {
    if (produced_.count(key) == 0) {
      return Fail(absl::StrCat("no weight of the file fills our '", key, "' ", ShapeText(shape)));
    }
  }
  std::vector<const KerasLayerInfo*> top;
  for (size_t i = end + 1; i < file_.layers.size(); ++i) top.push_back(&file_.layers[i]);
  RETURN_IF_ERROR(MapTop(top));
  WriteMetadata();
  for (auto& [key, p] : produced_) {
    std::string bytes(reinterpret_cast<const char*>(p.values.data()),
                      p.values.size() * sizeof(float));
    result_.tensors.push_back({key, DType::kF32, p.shape, std::move(bytes)});
  }
  return std::move(result_);
}

// The keys and shapes the file must fill, and our BatchNorm epsilons, from the network that
// will load the file: the Keras variant where the model has one (same keys and shapes as
// timm's), else the one variant there is.
absl::Status Converter::CollectOurKeys() {
  absl::StatusOr<std::shared_ptr<models::BackboneImpl>> created =
      models::CreateBackbone(info_.name, models::Variant::kKeras);
  if (!created.ok()) created = models::CreateBackbone(info_.name);
  ASSIGN_OR_RETURN(std::shared_ptr<models::BackboneImpl> net, std::move(created));
  const auto skipped = [this](const std::string& key) {
    if (absl::EndsWith(key, "num_batches_tracked")) return true;
    for (const std::string& prefix : info_.classifier_prefixes) {
      if (absl::StartsWith(key, prefix)) return true;
    }
    return false;
  };
  for (const auto& item : net->named_parameters(/*recurse=*/true)) {
    if (!skipped(item.key())) expected_[item.key()] = item.value().sizes().vec();
  }
  for (const auto& item : net->named_buffers(/*recurse=*/true)) {
    if (!skipped(item.key())) expected_[item.key()] = item.value().sizes().vec();
  }
  for (const auto& item : net->named_modules()) {
    if (const auto* bn = item.value()->as<torch::nn::BatchNorm2dImpl>()) {
      bn_eps_[item.key()] = bn->options.eps();
    }
  }
  return absl::OkStatus();
}

// Numbering of automatic names, ours and the file's; module_of_ and first_conv_.
void Converter::MatchNumbering(const std::vector<models::KerasLayer>& keras_layers) {
  std::vector<std::string> our_names, file_names;
  for (const models::KerasLayer& k : keras_layers) our_names.push_back(k.name);
  for (const KerasLayerInfo& l : file_.layers) file_names.push_back(l.name);
  our_numbering_ = DetectNumbering(our_names);
  file_numbering_ = DetectNumbering(file_names);
  if (file_numbering_ == Numbering::kUnknown) {
    for (const KerasWeight& w : file_.weights) file_names.push_back(w.layer);
    file_numbering_ = DetectNumbering(file_names);
  }
  for (const models::KerasLayer& k : keras_layers) {
    module_of_[k.name] = k.module;
    if (first_conv_.empty() && !k.module.empty()) first_conv_ = k.name;
  }
  // first_conv_ in the file's numbering.
  first_conv_ = Renumber(first_conv_, our_numbering_, file_numbering_);
}

// Weights by layer; every weight must belong to a listed layer.
absl::StatusOr<std::map<std::string, std::vector<const KerasWeight*>>> Converter::WeightsByLayer()
    const {
  std::map<std::string, std::vector<const KerasWeight*>> weights_of;
  std::set<std::string> file_layer_names;
  for (const KerasLayerInfo& l : file_.layers) file_layer_names.insert(l.name);
  for (const KerasWeight& w : file_.weights) {
    if (file_layer_names.count(w.layer) == 0) {
      return Fail(absl::StrCat("weight '", w.name, "' belongs to no layer the file lists ('",
                               w.layer, "'); nested models are not supported"));
    }
    weights_of[w.layer].push_back(&w);
  }
  return weights_of;
}

// The index of the file's last backbone layer: the backbone ends at our last Keras layer, and
// later layers are the file's top.
absl::StatusOr<int> Converter::BackboneEnd(
    const std::vector<models::KerasLayer>& keras_layers,
    const std::map<std::string, std::vector<const KerasWeight*>>& weights_of) const {
  int end = -1;
  for (size_t i = 0; i < file_.layers.size(); ++i) {
    if (module_of_.count(Ours(file_.layers[i].name)) > 0) end = static_cast<int>(i);
    if (Ours(file_.layers[i].name) == keras_layers.back().name) break;
  }
  if (end >= 0) return end;
  for (const KerasLayerInfo& l : file_.layers) {
    if (weights_of.count(l.name) > 0) {
      return Fail(absl::StrCat("layer '", l.name, "' is not a layer of ", info_.name,
                               "'s Keras model, nor is any other (another architecture?)"));
    }
  }
  return Fail(absl::StrCat("no layer of ", info_.name, "'s Keras model in the file"));
}

// Every file layer up to `end` onto our modules; every one of our layers with weights must be
// filled.
absl::Status Converter::MapBackbone(
    const std::vector<models::KerasLayer>& keras_layers, int end,
    const std::map<std::string, std::vector<const KerasWeight*>>& weights_of) {
  std::set<std::string> seen;
  for (int i = 0; i <= end; ++i) {
    const KerasLayerInfo& layer = file_.layers[i];
    const std::string name = Ours(layer.name);
    const auto weights = weights_of.find(layer.name);
    const bool has_weights = weights != weights_of.end();
    const auto module = module_of_.find(name);
    if (module == module_of_.end()) {
      if (has_weights) {
        const KerasWeight& w = *weights->second.front();
        return Fail(absl::StrCat("layer '", layer.name, "'",
                                 layer.class_name.empty() ? "" : " (" + layer.class_name + ")",
                                 " with weight '", w.param, "' ", ShapeText(w.shape),
                                 " is not a layer of ", info_.name,
                                 "'s Keras model (another architecture?)"));
      }
      continue;  // a weightless layer our list lacks (Keras 2.2's Conv1_pad)
    }
    seen.insert(name);
    if (module->second.empty()) {
      // ResNeXt's 2_gconv holds a constant kernel that our grouped convolution needs not.
      if (has_weights && !absl::EndsWith(name, "_gconv")) {
        return Fail(absl::StrCat("layer '", layer.name, "' has weights but ", info_.name,
                                 "'s Keras layer of that name has none"));
      }
      continue;
    }
    if (!has_weights) {
      return Fail(absl::StrCat("layer '", layer.name, "' has no weights; our '", module->second,
                               "' needs them"));
    }
    RETURN_IF_ERROR(MapBackboneLayer(layer, module->second, weights->second));
  }
  for (const models::KerasLayer& k : keras_layers) {
    if (!k.module.empty() && seen.count(k.name) == 0) {
      return Fail(absl::StrCat("layer '", Renumber(k.name, our_numbering_, file_numbering_),
                               "' of ", info_.name, "'s Keras model is missing (our '", k.module,
                               "' needs its weights)"));
    }
  }
  return absl::OkStatus();
}

// The safetensors metadata: the model, its Keras variant and preprocessing, and the source.
void Converter::WriteMetadata() {
  std::map<std::string, std::string>& meta = result_.metadata;
  meta["format"] = "pt";
  meta["mammo.model"] = info_.name;
  meta["mammo.variant"] = "keras";
  const std::string preprocessing = KerasPreprocessing(info_.name);
  meta["mammo.preprocessing"] = preprocessing;
  if (preprocessing == "tf") {
    meta["mammo.mean"] = "0.5,0.5,0.5";
    meta["mammo.std"] = "0.5,0.5,0.5";
  } else if (preprocessing == "caffe") {
    meta["mammo.mean"] = "0.482352941,0.457956863,0.407603922";  // (123.68,116.779,103.939)/255
    meta["mammo.std"] = "0.00392156863,0.00392156863,0.00392156863";  // 1/255
  } else {
    meta["mammo.mean"] = "0.485,0.456,0.406";
    meta["mammo.std"] = "0.229,0.224,0.225";
  }
  meta["mammo.keras_version"] = file_.keras_version.empty() ? "unknown" : file_.keras_version;
  meta["mammo.source"] = absl::StrCat(Basename(file_.path), " (", file_.format, ")");
  for (const KerasLayerInfo& layer : file_.layers) {
    if (layer.class_name != "InputLayer" || !layer.config.is_object()) continue;
    const Json& shape = layer.config.contains("batch_input_shape")
                            ? layer.config["batch_input_shape"]
                            : layer.config["batch_shape"];
    if (shape.is_array() && shape.size() == 4 && shape[1].is_number_integer() &&
        shape[2].is_number_integer()) {
      const int64_t h = shape[1].get<int64_t>(), w = shape[2].get<int64_t>();
      meta["mammo.input_size"] = h == w ? absl::StrCat(h) : absl::StrCat(h, "x", w);
    }
    break;
  }
}

}  // namespace

std::string KerasPreprocessing(absl::string_view model_name) {
  for (const char* caffe : {"vgg16", "vgg19", "resnet50", "resnet101", "resnet152"}) {
    if (model_name == caffe) return "caffe";
  }
  if (absl::StartsWith(model_name, "densenet") || absl::StartsWith(model_name, "resnext")) {
    return "torch";
  }
  return "tf";
}

absl::StatusOr<KerasConversion> ConvertKeras(const KerasModel& file, absl::string_view model_name) {
  ASSIGN_OR_RETURN(const models::ModelInfo* info, models::RequireModel(model_name));
  Converter converter(file, *info);
  return converter.Run();
}

}  // namespace mammo::weights
