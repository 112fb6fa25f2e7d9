#include "lib/image/rle_deflate.h"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <queue>
#include <utility>
#include <vector>

namespace mammo {
namespace {

// A shorter run costs more bits as a match (length code, extra bits, distance code) than as
// literals of a byte that is frequent in its block.
constexpr int kMinRun = 4;
static_assert(kMinRun == 4, "runs are detected with one 4-byte comparison");
constexpr int kMaxMatch = 258;
// Small enough for the codes to follow the image's regions, large enough that the ~200
// bytes of code lengths per block are lost in the noise.
constexpr size_t kBlockInput = size_t{1} << 17;

constexpr int kEndOfBlock = 256;
constexpr int kLitLenSymbols = 286;
constexpr int kCodeLengthSymbols = 19;
constexpr int kMaxCodeBits = 15;
constexpr int kMaxCodeLengthBits = 7;

// RFC 1951, 3.2.5: length symbols 257..285.
constexpr int kLengthBase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr int kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                  2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
// RFC 1951, 3.2.7: the order in which code length code lengths are sent.
constexpr int kCodeLengthOrder[kCodeLengthSymbols] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                      11, 4,  12, 3, 13, 2, 14, 1, 15};

// The length symbol (257..285) of each match length 3..258.
const std::array<uint16_t, kMaxMatch + 1>& LengthSymbols() {
  static const std::array<uint16_t, kMaxMatch + 1> table = [] {
    std::array<uint16_t, kMaxMatch + 1> t{};
    for (int s = 0; s < 29; ++s) {
      const int last = s == 28 ? kMaxMatch : std::min(kLengthBase[s + 1] - 1, kMaxMatch - 1);
      for (int length = kLengthBase[s]; length <= last; ++length)
        t[length] = static_cast<uint16_t>(257 + s);
    }
    return t;
  }();
  return table;
}

// Huffman code lengths for `freq`, none longer than `max_bits`. Every symbol that occurs gets
// a code, and at least two symbols do, so that the code is complete (some inflaters reject
// an incomplete one). Frequencies are halved until the longest code fits.
std::vector<uint8_t> CodeLengths(std::vector<uint32_t> freq, int max_bits) {
  const int n = static_cast<int>(freq.size());
  for (int s = 0, used = static_cast<int>(
                      std::count_if(freq.begin(), freq.end(), [](uint32_t f) { return f > 0; }));
       used < 2 && s < n; ++s) {
    if (freq[s] == 0) {
      freq[s] = 1;
      ++used;
    }
  }
  std::vector<uint8_t> lengths(n, 0);
  while (true) {
    // Nodes 0..n-1 are the symbols, n.. the merged ones; ties go to the lower node number,
    // so the code is the same on every run.
    using Node = std::pair<uint64_t, int>;
    std::priority_queue<Node, std::vector<Node>, std::greater<Node>> queue;
    std::vector<int> parent(2 * n, -1);
    for (int s = 0; s < n; ++s) {
      if (freq[s] > 0) queue.emplace(freq[s], s);
    }
    int next = n;
    while (queue.size() > 1) {
      const Node a = queue.top();
      queue.pop();
      const Node b = queue.top();
      queue.pop();
      parent[a.second] = parent[b.second] = next;
      queue.emplace(a.first + b.first, next++);
    }
    int longest = 0;
    for (int s = 0; s < n; ++s) {
      int depth = 0;
      if (freq[s] > 0) {
        for (int node = s; parent[node] >= 0; node = parent[node]) ++depth;
      }
      lengths[s] = static_cast<uint8_t>(depth);
      longest = std::max(longest, depth);
    }
    if (longest <= max_bits) return lengths;
    for (uint32_t& f : freq) f = (f + 1) / 2;  // a nonzero frequency stays nonzero
  }
}

// Canonical codes for `lengths` (RFC 1951, 3.2.2), bit-reversed because deflate sends
// Huffman codes from their most significant bit into a least-significant-first stream.
std::vector<uint32_t> CanonicalCodes(const std::vector<uint8_t>& lengths) {
  int count[kMaxCodeBits + 1] = {};
  for (uint8_t l : lengths) ++count[l];
  count[0] = 0;
  uint32_t next[kMaxCodeBits + 2] = {};
  for (int bits = 1, code = 0; bits <= kMaxCodeBits; ++bits) {
    code = (code + count[bits - 1]) << 1;
    next[bits] = static_cast<uint32_t>(code);
  }
  std::vector<uint32_t> codes(lengths.size(), 0);
  for (size_t s = 0; s < lengths.size(); ++s) {
    const int l = lengths[s];
    if (l == 0) continue;
    uint32_t code = next[l]++, reversed = 0;
    for (int b = 0; b < l; ++b, code >>= 1) reversed = (reversed << 1) | (code & 1);
    codes[s] = reversed;
  }
  return codes;
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "BitWriter stores its 64-bit buffer as bytes");

// Deflate's bit order: values go in least significant bit first. The bit buffer is stored
// eight bytes at a time into room made ahead by Reserve, and the position moves by the whole
// bytes filled, so that a value costs a store and a shift.
class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out), pos_(out->size()) {}

  // Room for `bytes` more bytes.
  void Reserve(size_t bytes) {
    const size_t need = pos_ + bytes + 8;  // a store writes 8 bytes
    if (out_->size() < need) out_->resize(std::max(need, out_->size() + out_->size() / 2));
  }

  // `count` <= 32.
  void Put(uint32_t value, int count) {
    bits_ |= uint64_t{value} << filled_;
    filled_ += count;
    std::memcpy(&(*out_)[pos_], &bits_, 8);
    const int bytes = filled_ >> 3;
    pos_ += bytes;
    bits_ >>= 8 * bytes;
    filled_ &= 7;
  }

  // Put(bits_of[t], count_of[t]) for each token t: the hot loop, with the writer's state in
  // locals, since the stores through char* would otherwise make the compiler reload the
  // members on every token.
  void PutTokens(const uint16_t* tokens, size_t n, const uint32_t* bits_of,
                 const uint8_t* count_of) {
    char* const data = &(*out_)[0];
    size_t pos = pos_;
    uint64_t bits = bits_;
    int filled = filled_;
    for (size_t k = 0; k < n; ++k) {
      bits |= uint64_t{bits_of[tokens[k]]} << filled;
      filled += count_of[tokens[k]];
      std::memcpy(data + pos, &bits, 8);
      const int bytes = filled >> 3;
      pos += bytes;
      bits >>= 8 * bytes;
      filled &= 7;
    }
    pos_ = pos;
    bits_ = bits;
    filled_ = filled;
  }

  // Pads the last byte with zero bits and drops the unused room.
  void Finish() {
    if (filled_ > 0) (*out_)[pos_++] = static_cast<char>(bits_);
    out_->resize(pos_);
  }

 private:
  std::string* out_;
  size_t pos_;
  uint64_t bits_ = 0;
  int filled_ = 0;  // bits in bits_ not yet counted in pos_, always < 8 between calls
};

// A token is a literal byte (< 256) or 256 + the length of a match at distance 1.
constexpr int kTokenKinds = 256 + kMaxMatch + 1;

// Tokens of data[begin, end) into `tokens`, counting their symbols in `freq`; returns their
// number. A match may refer to the byte before `begin`: the window spans blocks.
size_t Tokenize(const uint8_t* data, size_t begin, size_t end, uint16_t* tokens, uint32_t* freq) {
  const std::array<uint16_t, kMaxMatch + 1>& length_symbol = LengthSymbols();
  size_t n = 0, i = begin;
  if (i == 0 && i < end) {
    tokens[n++] = data[0];
    ++freq[data[0]];
    ++i;
  }
  while (i < end) {
    const uint8_t b = data[i];
    if (b == data[i - 1] && end - i >= kMinRun) {
      uint32_t next4;
      std::memcpy(&next4, data + i, 4);
      if (next4 == b * 0x01010101u) {
        size_t length = kMinRun;
        const size_t limit = std::min<size_t>(kMaxMatch, end - i);
        while (length < limit && data[i + length] == b) ++length;
        tokens[n++] = static_cast<uint16_t>(256 + length);
        ++freq[length_symbol[length]];
        i += length;
        continue;
      }
    }
    tokens[n++] = b;
    ++freq[b];
    ++i;
  }
  return n;
}

void WriteBlock(const uint16_t* tokens, size_t count, std::vector<uint32_t> freq, bool last,
                BitWriter& out) {
  const std::array<uint16_t, kMaxMatch + 1>& length_symbol = LengthSymbols();
  freq[kEndOfBlock] = 1;
  const std::vector<uint8_t> lengths = CodeLengths(freq, kMaxCodeBits);
  const std::vector<uint32_t> codes = CanonicalCodes(lengths);

  // Two distance codes of one bit each (a complete code); only distance 1, symbol 0 (code
  // 0), is used.
  int lit_len_count = kLitLenSymbols;
  while (lit_len_count > 257 && lengths[lit_len_count - 1] == 0) --lit_len_count;
  std::vector<uint8_t> sequence(lengths.begin(), lengths.begin() + lit_len_count);
  sequence.push_back(1);
  sequence.push_back(1);
  // Code lengths are sent as plain symbols 0..15, without the repeat symbols 16..18: a few
  // dozen bytes more per block, and simpler.
  std::vector<uint32_t> cl_freq(kCodeLengthSymbols, 0);
  for (uint8_t l : sequence) ++cl_freq[l];
  const std::vector<uint8_t> cl_lengths = CodeLengths(cl_freq, kMaxCodeLengthBits);
  const std::vector<uint32_t> cl_codes = CanonicalCodes(cl_lengths);

  // Header and code lengths: under 300 bytes; a token: at most 21 bits (a 15-bit length code,
  // 5 extra bits and the distance bit), under 3 bytes.
  out.Reserve(300 + 3 * count);
  out.Put(last ? 1 : 0, 1);
  out.Put(2, 2);  // dynamic Huffman codes
  out.Put(static_cast<uint32_t>(lit_len_count - 257), 5);
  out.Put(2 - 1, 5);
  out.Put(kCodeLengthSymbols - 4, 4);
  for (int i = 0; i < kCodeLengthSymbols; ++i) out.Put(cl_lengths[kCodeLengthOrder[i]], 3);
  for (uint8_t l : sequence) out.Put(cl_codes[l], cl_lengths[l]);

  // Each token's whole code (for a match: length code, extra bits and the 1-bit distance
  // code 0) as one value, so that writing a token is one lookup and one Put.
  std::array<uint32_t, kTokenKinds> token_bits{};
  std::array<uint8_t, kTokenKinds> token_count{};
  for (int t = 0; t < 256; ++t) {
    token_bits[t] = codes[t];
    token_count[t] = lengths[t];
  }
  for (int length = kMinRun; length <= kMaxMatch; ++length) {
    const int s = length_symbol[length];
    token_bits[256 + length] =
        codes[s] | (static_cast<uint32_t>(length - kLengthBase[s - 257]) << lengths[s]);
    token_count[256 + length] = static_cast<uint8_t>(lengths[s] + kLengthExtra[s - 257] + 1);
  }
  out.PutTokens(tokens, count, token_bits.data(), token_count.data());
  out.Put(codes[kEndOfBlock], lengths[kEndOfBlock]);
}

}  // namespace

void AppendRleZlib(absl::string_view input, std::string* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(input.data());
  const size_t size = input.size();
  // Typical output is under the input's size; BitWriter makes more room when needed.
  out->reserve(out->size() + size + size / 8 + 1024);
  out->push_back(0x78);  // deflate, 32 KiB window
  out->push_back(0x01);  // fastest compression; (0x78 * 256 + 0x01) % 31 == 0
  BitWriter bits(out);
  std::vector<uint16_t> tokens(std::min(size, kBlockInput));
  size_t i = 0;
  do {
    const size_t end = std::min(size, i + kBlockInput);
    std::vector<uint32_t> freq(kLitLenSymbols, 0);
    const size_t count = Tokenize(data, i, end, tokens.data(), freq.data());
    i = end;
    WriteBlock(tokens.data(), count, std::move(freq), i == size, bits);
  } while (i < size);
  bits.Finish();
  const uint32_t adler = libdeflate_adler32(1, data, size);
  const char trailer[4] = {static_cast<char>(adler >> 24), static_cast<char>(adler >> 16),
                           static_cast<char>(adler >> 8), static_cast<char>(adler)};
  out->append(trailer, 4);
}

}  // namespace mammo
