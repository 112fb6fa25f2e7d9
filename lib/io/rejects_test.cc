#include "lib/io/rejects.h"

#include "gtest/gtest.h"

namespace mammo {
namespace {

TEST(RejectsTest, EveryLineHasThreeColumns) {
  EXPECT_EQ(std::string(kRejectsHeader), "id\treason\tdetail\n");
  EXPECT_EQ(RejectsLine("r1", "aspect_below_min", "r=0.39 box=10,10,39,100"),
            "r1\taspect_below_min\tr=0.39 box=10,10,39,100\n");
  EXPECT_EQ(RejectsLine("a\tb", "corrupt_dicom", "line one\r\nline\ttwo\n"),
            "a b\tcorrupt_dicom\tline one line two \n");
}

}  // namespace
}  // namespace mammo
