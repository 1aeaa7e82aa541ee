// The GGUF block products (kernel table matmul_blocks_rows/_batch) of every
// available level against scalar's nm_matmul_blocks, bit for bit: the
// conformance suite holds scalar to ref-llama2c's bits but the SIMD levels
// only to the bound, and kblock.h (avx2, avx512) claims scalar's bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernel_table.h"

namespace {

// Random blocks with fp16 factors of moderate size at every factor offset
// (all bytes random otherwise: every q, scale, min and high-bit pattern).
std::vector<uint8_t> random_blocks(int blk, int count, std::mt19937& rng) {
  static const int factor_at[NM_BLK_COUNT][2] = {{0, -1}, {0, 2}, {80, 82}, {108, -1}, {0, 2}, {0, 2}, {208, -1}};
  const int bytes = nm_block_bytes(blk);
  std::vector<uint8_t> b(static_cast<size_t>(bytes) * count);
  for (auto& v : b) v = static_cast<uint8_t>(rng());
  for (int k = 0; k < count; k++)
    for (int off : factor_at[blk])
      if (off >= 0) {
        uint16_t h = static_cast<uint16_t>((rng() & 0x83ff) | ((8 + rng() % 8) << 10));  // |f| in [2^-7, 1)
        b[static_cast<size_t>(k) * bytes + off] = static_cast<uint8_t>(h & 0xff);
        b[static_cast<size_t>(k) * bytes + off + 1] = static_cast<uint8_t>(h >> 8);
      }
  return b;
}

TEST(BlockProducts, EveryLevelHasScalarsBits) {
  std::mt19937 rng(7);
  const int d = 7, T = 5;
  for (int blk = 0; blk < NM_BLK_COUNT; blk++) {
    const int n = 2 * nm_block_elems(blk) + (nm_block_elems(blk) == 32 ? 32 : 0);
    auto w = random_blocks(blk, d * n / nm_block_elems(blk), rng);
    std::vector<int8_t> xq(static_cast<size_t>(T) * n);
    std::vector<float> xs(static_cast<size_t>(T) * n / 32);
    for (auto& v : xq) v = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
    for (auto& v : xs) v = std::ldexp(static_cast<float>(rng() % 1000 + 1), -12);
    std::vector<float> want(static_cast<size_t>(T) * d);
    nm_matmul_blocks(blk, want.data(), xq.data(), xs.data(), w.data(), n, d, T, 0, d);
    for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
      const nm_kernel_table* t = nm_kernels_by_name(level);
      if (!t) continue;
      std::vector<float> batch(want.size()), rows(want.size());
      t->matmul_blocks_batch(blk, batch.data(), xq.data(), xs.data(), w.data(), n, d, T, 0, d);
      for (int k = 0; k < T; k++)  // rows in two ranges: a split changes no bit
        for (int r : {0, 3}) {
          t->matmul_blocks_rows(blk, rows.data() + k * d, xq.data() + k * n, xs.data() + k * (n / 32), w.data(), n,
                                r, r == 0 ? 3 : d);
        }
      EXPECT_EQ(std::memcmp(batch.data(), want.data(), want.size() * 4), 0) << level << " " << nm_block_name(blk);
      EXPECT_EQ(std::memcmp(rows.data(), want.data(), want.size() * 4), 0) << level << " " << nm_block_name(blk);
    }
  }
}

}  // namespace
