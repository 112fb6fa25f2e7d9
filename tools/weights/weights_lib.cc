#include "tools/weights/weights_lib.h"

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/models/model_info.h"
#include "lib/status/status_macros.h"
#include "lib/weights/keras_convert.h"
#include "lib/weights/keras_h5.h"
#include "lib/weights/safetensors.h"
#include "lib/weights/safetensors_writer.h"
#include "lib/weights/tfjs_model.h"

namespace mammo::weights_tool {
namespace {

using weights::KerasModel;

// An input that does not fit is bad input data (exit 2), not a usage error.
absl::Status AsInputError(absl::Status status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    return absl::FailedPreconditionError(status.message());
  }
  return status;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

enum class Kind { kSafetensors, kTfjs, kH5 };

absl::StatusOr<Kind> Sniff(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  char head[8] = {};
  in.read(head, sizeof(head));
  const std::string magic(head, in.gcount());
  if (magic == std::string("\x89HDF\r\n\x1a\n", 8)) return Kind::kH5;
  const size_t first = magic.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && magic[first] == '{') return Kind::kTfjs;
  return Kind::kSafetensors;
}

}  // namespace

absl::Status Convert(const ConvertOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<KerasModel> read = options.from == "tfjs" ? weights::ReadTfjsModel(options.input)
                                                           : weights::ReadKerasH5(options.input);
  if (!read.ok()) return AsInputError(read.status());
  const KerasModel& model = *read;
  std::cerr << "weights: read " << model.path << " (" << model.format << ", Keras "
            << (model.keras_version.empty() ? "version unknown" : model.keras_version)
            << "): " << model.layers.size() << " layers, " << model.weights.size() << " weights\n";
  absl::StatusOr<weights::KerasConversion> converted = weights::ConvertKeras(model, options.model);
  if (!converted.ok()) return AsInputError(converted.status());
  RETURN_IF_ERROR(
      weights::WriteSafetensors(options.output, converted->tensors, converted->metadata));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << absl::StrFormat(
      "weights: wrote %s: %d tensors for %s (%d Keras layers, %d top Dense layers, %d conv biases "
      "folded into BatchNorm), preprocessing %s, in %.1f s\n",
      options.output, converted->tensors.size(), options.model, converted->mapped_layers,
      converted->top_dense_layers, converted->folded_biases,
      converted->metadata.at("mammo.preprocessing"), seconds);
  return absl::OkStatus();
}

absl::Status Inspect(const std::string& path, std::ostream& out) {
  ASSIGN_OR_RETURN(const Kind kind, Sniff(path));
  if (kind == Kind::kSafetensors) {
    ASSIGN_OR_RETURN(std::unique_ptr<weights::SafetensorsFile> file,
                     weights::SafetensorsFile::Open(path));
    out << path << ": safetensors, " << file->names().size() << " tensors\n";
    for (const std::string& name : file->names()) {
      const weights::TensorView& t = *file->Find(name);
      out << name << "\t" << weights::DTypeName(t.dtype) << "\t" << ShapeText(t.shape) << "\n";
    }
    for (const auto& [key, value] : file->metadata())
      out << "metadata\t" << key << "\t" << value << "\n";
    return absl::OkStatus();
  }
  absl::StatusOr<KerasModel> read =
      kind == Kind::kTfjs ? weights::ReadTfjsModel(path) : weights::ReadKerasH5(path);
  if (!read.ok()) return AsInputError(read.status());
  out << path << ": " << (kind == Kind::kTfjs ? "TF.js layers model" : "Keras .h5") << ", "
      << read->weights.size() << " tensors, " << read->layers.size() << " layers"
      << (read->has_config ? "" : " (weights only, no model config)") << "\n";
  for (const weights::KerasWeight& w : read->weights) {
    out << w.name << "\t" << w.dtype << "\t" << ShapeText(w.shape);
    if (w.quantization == "uint8" || w.quantization == "uint16") {
      out << "\t" << w.quantization << " min=" << w.quant_min << " scale=" << w.quant_scale;
    } else if (!w.quantization.empty()) {
      out << "\t" << w.quantization;
    }
    out << "\n";
  }
  out << "metadata\tkeras_version\t"
      << (read->keras_version.empty() ? "unknown" : read->keras_version) << "\n";
  return absl::OkStatus();
}

}  // namespace mammo::weights_tool
