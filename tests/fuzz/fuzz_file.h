// The readers under fuzzing take a path (they mmap, stat or name-check their file), so each
// input is written to a real file first: FuzzFile puts it in a folder of its own per process,
// under the name the reader expects (the CSV reader takes the split from the name).
#ifndef MAMMO_TESTS_FUZZ_FUZZ_FILE_H_
#define MAMMO_TESTS_FUZZ_FUZZ_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace mammo::fuzz {

// Writes data to FOLDER/name, replacing what an earlier input left there; aborts if it cannot
// (a fuzzer that cannot write its inputs tests nothing).
std::string WriteFuzzFile(const std::string& name, const uint8_t* data, size_t size);

}  // namespace mammo::fuzz

#endif  // MAMMO_TESTS_FUZZ_FUZZ_FILE_H_
