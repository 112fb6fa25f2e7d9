#include "lib/weights/safetensors_writer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/io/byte_io.h"
#include "lib/status/status_macros.h"
#include "lib/weights/safetensors.h"
#include "nlohmann/json.hpp"

namespace mammo::weights {

absl::Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  // Name order fixes both the header order and the buffer layout.
  std::map<std::string, const TensorToWrite*> by_name;
  for (const TensorToWrite& tensor : tensors) {
    const std::string where = absl::StrCat(path, ": tensor '", tensor.name, "'");
    if (tensor.name.empty() || tensor.name == kMetadataKey) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": reserved or empty name"));
    }
    if (!by_name.emplace(tensor.name, &tensor).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate name"));
    }
    const std::optional<uint64_t> byte_size = TensorByteSize(tensor.dtype, tensor.shape);
    if (!byte_size) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": negative or overflowing shape"));
    }
    if (tensor.bytes.size() != *byte_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", tensor.bytes.size(), " bytes given, shape needs ", *byte_size));
    }
  }

  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, tensor] : by_name) {
    const uint64_t end = offset + tensor->bytes.size();
    header[name] = {{"dtype", std::string(DTypeName(tensor->dtype))},
                    {"shape", tensor->shape},
                    {"data_offsets", nlohmann::json::array({offset, end})}};
    offset = end;
  }
  if (!metadata.empty()) header[std::string(kMetadataKey)] = metadata;

  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error& e) {
    // The only failure of dump(): a name or metadata string that is not valid UTF-8.
    return absl::InvalidArgumentError(absl::StrCat(path, ": header cannot be encoded: ", e.what()));
  }
  // Readers may map the buffer and view it as typed arrays; 8-byte alignment serves F64/I64.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string length(8, '\0');
  for (size_t i = 0; i < 8; ++i) length[i] = static_cast<char>(text.size() >> (8 * i));

  ASSIGN_OR_RETURN(std::unique_ptr<ByteWriter> out, ByteWriter::Create(path));
  RETURN_IF_ERROR(out->Write(length));
  RETURN_IF_ERROR(out->Write(text));
  for (const auto& [name, tensor] : by_name) RETURN_IF_ERROR(out->Write(tensor->bytes));
  return out->Close();
}

}  // namespace mammo::weights
