// The GGUF block products (kernel table matmul_blocks_rows/_batch) of every
// available level against scalar's nm_matmul_blocks, bit for bit: the
// conformance suite holds scalar to ref-llama2c's bits but the SIMD levels
// only to the bound, and kblock.h (avx2, avx512) claims scalar's bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_table.h"

namespace {

// Random blocks (every q, scale, min and high-bit pattern) with fp16
// factors at every factor offset: of moderate size, or (special) any 16
// bits: subnormals, infinities and NaNs included. One block in 8 is all
// zero bytes and one all 0xff (the largest q, scales and mins).
std::vector<uint8_t> random_blocks(int blk, int count, bool special, std::mt19937& rng) {
  static const int factor_at[NM_BLK_COUNT][2] = {{0, -1}, {0, 2}, {80, 82}, {108, -1}, {0, 2}, {0, 2}, {208, -1}};
  const int bytes = nm_block_bytes(blk);
  std::vector<uint8_t> b(static_cast<size_t>(bytes) * count);
  for (int k = 0; k < count; k++) {
    const unsigned kind = rng() % 8;
    for (int j = 0; j < bytes; j++)
      b[static_cast<size_t>(k) * bytes + j] = kind == 0 ? 0 : kind == 1 ? 0xff : static_cast<uint8_t>(rng());
    for (int off : factor_at[blk])
      if (off >= 0) {
        uint16_t h = special ? static_cast<uint16_t>(rng())
                             : static_cast<uint16_t>((rng() & 0x83ff) | ((8 + rng() % 8) << 10));  // |f| in [2^-7, 1)
        b[static_cast<size_t>(k) * bytes + off] = static_cast<uint8_t>(h & 0xff);
        b[static_cast<size_t>(k) * bytes + off + 1] = static_cast<uint8_t>(h >> 8);
      }
  }
  return b;
}

// Every level's batch entry (all rows, T tokens) and rows entry (each
// token alone, the rows in two ranges: a split changes no bit) against
// nm_matmul_blocks, bit for bit, for one weight matrix and activation.
void expect_scalars_bits(int blk, int n, int d, int T, bool special, bool extreme_x, std::mt19937& rng) {
  auto w = random_blocks(blk, d * (n / nm_block_elems(blk)), special, rng);
  std::vector<int8_t> xq(static_cast<size_t>(T) * n);
  std::vector<float> xs(static_cast<size_t>(T) * n / 32);
  for (size_t j = 0; j < xq.size(); j++)  // extreme: +-127 (the largest int16 pair sums) in runs
    xq[j] = static_cast<int8_t>(extreme_x ? ((j / 8) % 3 == 2 ? -127 : 127) : static_cast<int>(rng() % 255) - 127);
  for (auto& v : xs) v = std::ldexp(static_cast<float>(rng() % 1000 + 1), -12);
  std::vector<float> want(static_cast<size_t>(T) * d);
  nm_matmul_blocks(blk, want.data(), xq.data(), xs.data(), w.data(), n, d, T, 0, d);
  const int split = d / 2;
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* t = nm_kernels_by_name(level);
    if (!t) continue;
    std::vector<float> batch(want.size()), rows(want.size());
    t->matmul_blocks_batch(blk, batch.data(), xq.data(), xs.data(), w.data(), n, d, T, 0, d);
    for (int k = 0; k < T; k++)
      for (int part = 0; part < 2; part++)
        t->matmul_blocks_rows(blk, rows.data() + k * d, xq.data() + k * n, xs.data() + k * (n / 32), w.data(), n,
                              part == 0 ? 0 : split, part == 0 ? split : d);
    const std::string what = std::string(level) + " " + nm_block_name(blk) + " n=" + std::to_string(n) +
                             " d=" + std::to_string(d) + " T=" + std::to_string(T) + (special ? " special" : "") +
                             (extreme_x ? " extreme x" : "");
    EXPECT_EQ(std::memcmp(batch.data(), want.data(), want.size() * 4), 0) << what << " (batch)";
    EXPECT_EQ(std::memcmp(rows.data(), want.data(), want.size() * 4), 0) << what << " (rows)";
  }
}

TEST(BlockProducts, EveryLevelHasScalarsBits) {
  std::mt19937 rng(7);
  for (int blk = 0; blk < NM_BLK_COUNT; blk++) {
    const int qk = nm_block_elems(blk);
    // one block, a few, and (32-element types) rows ending inside an
    // 8-block chunk and across several chunks
    const std::vector<int> counts = qk == 32 ? std::vector<int>{1, 3, 8, 11, 17, 64} : std::vector<int>{1, 2, 3, 8};
    for (int nb : counts)
      for (int d : {1, 7})
        for (int T : {1, 5}) {
          expect_scalars_bits(blk, nb * qk, d, T, false, false, rng);
          expect_scalars_bits(blk, nb * qk, d, T, false, true, rng);
          expect_scalars_bits(blk, nb * qk, d, T, true, false, rng);
        }
  }
}

}  // namespace
