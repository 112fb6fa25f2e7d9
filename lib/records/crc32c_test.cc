#include "lib/records/crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::crc32c {
namespace {

using ExtendFunction = uint32_t (*)(uint32_t, const void*, size_t);

std::vector<ExtendFunction> Implementations() {
  std::vector<ExtendFunction> result = {&ExtendPortable, &Extend};
  if (HardwareAvailable()) result.push_back(&ExtendHardware);
  return result;
}

// RFC 3720 (iSCSI), appendix B.4, CRC examples.
TEST(Crc32cTest, Rfc3720Vectors) {
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xff), ascending(32), descending(32);
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<uint8_t>(i);
    descending[i] = static_cast<uint8_t>(31 - i);
  }
  const std::vector<uint8_t> read_pdu = {0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                         0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  for (ExtendFunction extend : Implementations()) {
    EXPECT_EQ(extend(0, zeros.data(), zeros.size()), 0x8a9136aau);
    EXPECT_EQ(extend(0, ones.data(), ones.size()), 0x62a8ab43u);
    EXPECT_EQ(extend(0, ascending.data(), ascending.size()), 0x46dd794eu);
    EXPECT_EQ(extend(0, descending.data(), descending.size()), 0x113fdb5cu);
    EXPECT_EQ(extend(0, read_pdu.data(), read_pdu.size()), 0xd9963a56u);
    EXPECT_EQ(extend(0, "123456789", 9), 0xe3069283u);  // the common check value
    EXPECT_EQ(extend(0, "", 0), 0u);
  }
}

TEST(Crc32cTest, ImplementationsAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string data(4096 + 64, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n : {0, 1, 7, 8, 9, 31, 32, 33, 255, 1000, 4096}) {
      const uint32_t expected = ExtendPortable(0, data.data() + offset, n);
      for (ExtendFunction extend : Implementations()) {
        EXPECT_EQ(extend(0, data.data() + offset, n), expected) << offset << " " << n;
      }
    }
  }
}

TEST(Crc32cTest, ExtendEqualsValueOfConcatenation) {
  const std::string a = "hello ", b = "world";
  EXPECT_EQ(Extend(Value(a.data(), a.size()), b.data(), b.size()),
            Value((a + b).data(), a.size() + b.size()));
}

TEST(Crc32cTest, MaskRoundTripsAndChangesTheValue) {
  const uint32_t crc = Value("foo", 3);
  EXPECT_NE(Mask(crc), crc);
  EXPECT_NE(Mask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Mask(crc)), crc);
  EXPECT_EQ(Unmask(Unmask(Mask(Mask(crc)))), crc);
  // By the definition: rotate right 15, add 0xa282ead8 (wrapping).
  EXPECT_EQ(Mask(0x00000001u), 0x00020000u + 0xa282ead8u);
  EXPECT_EQ(Mask(0x00008000u), 0x00000001u + 0xa282ead8u);
}

}  // namespace
}  // namespace mammo::crc32c
