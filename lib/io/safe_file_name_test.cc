#include "lib/io/safe_file_name.h"

#include "gtest/gtest.h"

namespace mammo {
namespace {

TEST(SafeFileNameTest, KeepsPlainNamesAndReplacesTheRest) {
  EXPECT_EQ(SafeFileName("Mass-Test_P_00016_LEFT_CC_1.x"), "Mass-Test_P_00016_LEFT_CC_1.x");
  EXPECT_EQ(SafeFileName("../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(SafeFileName("a b,c\"d\xc3\xa9"), "a_b_c_d__");
  EXPECT_EQ(SafeFileName(".hidden"), "_.hidden");
  EXPECT_EQ(SafeFileName(""), "_");
}

}  // namespace
}  // namespace mammo
