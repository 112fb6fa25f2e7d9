#include "tests/fuzz/fuzz_file.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace mammo::fuzz {
namespace {

const std::string& Folder() {
  static const std::string folder = [] {
    const char* tmp = std::getenv("TEST_TMPDIR");
    if (tmp == nullptr) tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror(pattern.c_str());
      std::abort();
    }
    return pattern;
  }();
  return folder;
}

}  // namespace

std::string WriteFuzzFile(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = Folder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace mammo::fuzz
