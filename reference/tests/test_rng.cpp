// llama2.c's xorshift* RNG, checked against values worked out by hand.
#include <gtest/gtest.h>

#include "reference.hpp"

namespace nineml::ref {
namespace {

TEST(Rng, FirstValuesForSeed42) {
  Rng rng{42};
  // Step 1 by hand from s = 42 = 0x2a:
  //   s ^= s >> 12  -> 0x2a (42 >> 12 is 0)
  //   s ^= s << 25  -> 0x2a ^ 0x54000000 = 0x5400002a
  //   s ^= s >> 27  -> 0x5400002a ^ 0xa  = 0x54000020
  //   (0x54000020 * 0x2545F4914F6CDD1D) mod 2^64 = 0x56ce4ab7'719ba3a0,
  //   whose top 32 bits are 0x56ce4ab7.
  EXPECT_EQ(rng.next_u32(), 0x56ce4ab7u);
  EXPECT_EQ(rng.state, 0x54000020ull);
  EXPECT_EQ(rng.next_u32(), 0xc841eb53u);
  EXPECT_EQ(rng.state, 0xa80a8001041022ull);
  // next_f32 = (u32 >> 8) / 2^24: 0xca466be0 >> 8 = 13256299.
  EXPECT_EQ(rng.next_f32(), 13256299.0f / 16777216.0f);
}

TEST(Rng, FloatsAreIn01) {
  Rng rng{7};
  for (int i = 0; i < 10000; i++) {
    const float f = rng.next_f32();
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
  }
}

TEST(Rng, ModeNames) {
  EXPECT_STREQ(mode_name(Mode::exact), "exact");
  EXPECT_STREQ(mode_name(Mode::llama2c), "llama2c");
}

}  // namespace
}  // namespace nineml::ref
