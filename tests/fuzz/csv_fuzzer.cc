// Fuzzes the CBIS-DDSM case description reader, and the path parser on every row it accepts.
#include <cstddef>
#include <cstdint>

#include "lib/cbis/case_csv.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      mammo::fuzz::WriteFuzzFile("mass_case_description_train_set.csv", data, size);
  auto rows = mammo::cbis::ReadCaseCsv(path);
  if (!rows.ok()) return 0;
  for (const mammo::cbis::CaseRow& row : *rows) {
    for (const std::string* p : {&row.image_path, &row.crop_path, &row.mask_path}) {
      mammo::cbis::ParseCsvPath(*p).IgnoreError();
    }
  }
  return 0;
}
