// The 16-bit float products' widening, exhaustively on every level this CPU
// runs: each of the 65536 halves (and bfloat16s) sits alone in a row of
// zeros at every position of a 16-wide row, times x = 1 there and 0
// elsewhere, so the row's result is the widened value itself (0 * 0 adds
// nothing; -0 becomes +0). Position 0..15 covers every SIMD lane (sse2's
// integer conversion, vcvtph2ps) and, with n = 17, the scalar tail.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernel_table.h"
#include "kernels.h"
#include "parallel.h"

namespace {

float widened(uint16_t h, bool bf16) {
  return bf16 ? std::bit_cast<float>(static_cast<uint32_t>(h) << 16) : nm_half_to_float(h);
}

void check_level(const nm_kernel_table* k, bool bf16, int n) {
  const int rows = 65536;
  for (int pos = 0; pos < n; pos++) {
    std::vector<uint16_t> w(static_cast<size_t>(rows) * n, 0);
    std::vector<float> x(static_cast<size_t>(n), 0.0f), out(static_cast<size_t>(rows));
    x[static_cast<size_t>(pos)] = 1.0f;
    for (int h = 0; h < rows; h++) w[static_cast<size_t>(h) * n + pos] = static_cast<uint16_t>(h);
    if (bf16) k->matmul_bf16_rows(out.data(), x.data(), w.data(), n, 0, rows);
    else k->matmul_f16_rows(out.data(), x.data(), w.data(), n, 0, rows);
    for (int h = 0; h < rows; h++) {
      const float want = widened(static_cast<uint16_t>(h), bf16), got = out[static_cast<size_t>(h)];
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got)) << k->name << (bf16 ? " bf16 " : " f16 ") << std::hex << h;
      } else {
        ASSERT_EQ(got, want) << k->name << (bf16 ? " bf16 " : " f16 ") << std::hex << h << std::dec
                             << " at " << pos << " of " << n;
      }
    }
  }
}

TEST(MatmulF16, EveryLevelWidensEveryValueExactly) {
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k) continue;
    for (bool bf16 : {false, true})
      for (int n : {16, 17}) check_level(k, bf16, n);
  }
}

// The scalar kernels are nm_matmul_f32 on the widened matrix, bit for bit;
// every level's batch entry gives its rows entry's bits token by token.
TEST(MatmulF16, ScalarIsF32OnTheWidenedMatrixAndBatchEqualsRows) {
  const int n = 37, d = 11, T = 5;
  std::vector<uint16_t> w(static_cast<size_t>(n) * d);
  std::vector<float> x(static_cast<size_t>(n) * T);
  uint32_t s = 12345;
  auto next = [&] { s = s * 1664525u + 1013904223u; return s; };
  for (auto& v : w) v = static_cast<uint16_t>(0x3000 + next() % 0x1800) | static_cast<uint16_t>(next() & 0x8000);
  for (auto& v : x) v = static_cast<float>(static_cast<int>(next() % 2001) - 1000) / 997.0f;
  for (bool bf16 : {false, true}) {
    std::vector<float> wf(w.size()), want(static_cast<size_t>(d)), got(static_cast<size_t>(d));
    for (size_t i = 0; i < w.size(); i++) wf[i] = widened(w[i], bf16);
    nm_matmul_f32(want.data(), x.data(), wf.data(), n, d);
    if (bf16) nm_matmul_bf16(got.data(), x.data(), w.data(), n, d);
    else nm_matmul_f16(got.data(), x.data(), w.data(), n, d);
    EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size() * sizeof(float)), 0) << bf16;
    for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
      const nm_kernel_table* k = nm_kernels_by_name(level);
      if (!k) continue;
      std::vector<float> batch(static_cast<size_t>(d) * T), rows(static_cast<size_t>(d) * T);
      (bf16 ? k->matmul_bf16_batch : k->matmul_f16_batch)(batch.data(), x.data(), w.data(), n, d, T, 0, d);
      for (int t = 0; t < T; t++)
        (bf16 ? k->matmul_bf16_rows : k->matmul_f16_rows)(rows.data() + static_cast<size_t>(t) * d,
                                                          x.data() + static_cast<size_t>(t) * n, w.data(), n, 0, d);
      EXPECT_EQ(std::memcmp(batch.data(), rows.data(), batch.size() * sizeof(float)), 0) << level << bf16;
      // and the f32 entry on the widened matrix, in the level's order
      std::vector<float> f32(static_cast<size_t>(d) * T);
      k->matmul_f32_batch(f32.data(), x.data(), wf.data(), n, d, T, 0, d);
      EXPECT_EQ(std::memcmp(batch.data(), f32.data(), batch.size() * sizeof(float)), 0) << level << bf16;
    }
  }
}

}  // namespace
