// SHA-256 against the FIPS 180-4 example digests.
#include "npu/support/Sha256.h"

#include <gtest/gtest.h>

#include <set>

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(npu::sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(npu::sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(npu::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(npu::sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, BlockBoundaries) {
  // Lengths around the 56- and 64-byte padding boundaries must all differ and be stable.
  std::set<std::string> Seen;
  for (size_t N = 50; N < 140; ++N)
    EXPECT_TRUE(Seen.insert(npu::sha256Hex(std::string(N, 'x'))).second);
}
