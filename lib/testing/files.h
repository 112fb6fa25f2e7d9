// Files for tests: a path in the test's temporary folder, and a file's bytes read or written
// without ceremony (a missing file reads as empty; the test then fails on its content).
//
//   const std::string path = mammo::testing::TempPath("out.rec");
//   mammo::testing::WriteWholeFile(path, "bytes");
//   EXPECT_EQ(mammo::testing::ReadWholeFile(path), "bytes");
//
// Inside namespace mammo, `testing::` names this namespace; gtest's is `::testing::`.
#ifndef MAMMO_LIB_TESTING_FILES_H_
#define MAMMO_LIB_TESTING_FILES_H_

#include <string>

namespace mammo::testing {

// NAME in gtest's temporary folder (::testing::TempDir()).
std::string TempPath(const std::string& name);

// The bytes of `path`; empty if it cannot be read.
std::string ReadWholeFile(const std::string& path);

// Writes `bytes` to `path` directly (not atomically), as a test's input.
void WriteWholeFile(const std::string& path, const std::string& bytes);

// Whether `path` names anything (file, folder, dangling link excluded).
bool PathExists(const std::string& path);

}  // namespace mammo::testing

#endif  // MAMMO_LIB_TESTING_FILES_H_
