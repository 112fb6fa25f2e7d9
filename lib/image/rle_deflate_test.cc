#include "lib/image/rle_deflate.h"

#include <zlib.h>

#include <algorithm>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace mammo {
namespace {

// zlib's inflate, the reference decoder (it also checks the header and the Adler-32).
std::string Inflate(const std::string& stream, size_t size) {
  std::string out(size + 1, '\0');  // one spare byte: a longer result must not fit silently
  uLongf length = out.size();
  const int result = uncompress(reinterpret_cast<Bytef*>(&out[0]), &length,
                                reinterpret_cast<const Bytef*>(stream.data()), stream.size());
  EXPECT_EQ(result, Z_OK);
  out.resize(result == Z_OK ? length : 0);
  return out;
}

std::string Compress(const std::string& input) {
  std::string out;
  AppendRleZlib(input, &out);
  return out;
}

void ExpectRoundTrip(const std::string& input) {
  const std::string stream = Compress(input);
  EXPECT_EQ(Inflate(stream, input.size()), input);
  EXPECT_EQ(Compress(input), stream) << "not deterministic";
}

std::string Random(size_t size, int alphabet, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng() % alphabet);
  return s;
}

TEST(RleDeflateTest, TinyInputs) {
  for (const std::string& input :
       {std::string(), std::string(1, 'a'), std::string("ab"), std::string(3, '\0'),
        std::string(4, '\0'), std::string(5, 'z'), std::string("abbbbb"),
        std::string("\xff\xff\xff\xff\xff\xff", 6)}) {
    SCOPED_TRACE(input.size());
    ExpectRoundTrip(input);
  }
}

TEST(RleDeflateTest, EveryByteValueAndNoise) {
  std::string all;
  for (int i = 0; i < 3 * 256; ++i) all.push_back(static_cast<char>(i));
  ExpectRoundTrip(all);
  ExpectRoundTrip(Random(1 << 20, 256, 1));  // literals only, several blocks
  ExpectRoundTrip(Random(300'001, 4, 2));    // short runs now and then
}

TEST(RleDeflateTest, RunsOfEveryLengthAcrossBlocks) {
  std::string input;
  for (int length = 1; length <= 600; ++length) input.append(length, static_cast<char>(length % 7));
  ExpectRoundTrip(input);
  // One value throughout: runs go on across the 128 KiB block boundaries.
  const std::string zeros((size_t{1} << 19) + 12345, '\0');
  ExpectRoundTrip(zeros);
  EXPECT_LT(Compress(zeros).size(), zeros.size() / 100);
}

TEST(RleDeflateTest, SkewedFrequenciesGetLengthLimitedCodes) {
  // Fibonacci frequencies would give an optimal code 24 bits deep; deflate allows 15.
  std::string input;
  for (int symbol = 0, a = 1, b = 1; symbol < 24; ++symbol, b = a + b, a = b - a) {
    input.append(a, static_cast<char>(symbol * 10));
  }
  std::shuffle(input.begin(), input.end(), std::mt19937(3));
  ASSERT_LT(input.size(), size_t{1} << 17);  // one block, so that the skew is in one code
  ExpectRoundTrip(input);
}

TEST(RleDeflateTest, AppendsAfterExistingBytes) {
  std::string out = "prefix";
  AppendRleZlib("hello hello", &out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_EQ(Inflate(out.substr(6), 11), "hello hello");
}

}  // namespace
}  // namespace mammo
