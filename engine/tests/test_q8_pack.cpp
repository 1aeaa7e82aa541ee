// The packed Q8 layouts (kernel_table.h q8_pack): on every table that has
// one, every shape, token count and thread split gives the bits of the
// scalar table's matmul_q8_batch on the weights as stored, including the
// extreme int8 values (-128 only occurs in GGUF Q8_0 weights), with the
// scales packed as floats and, when they are halves exactly (GGUF Q8_0's
// fp16 d), as halves: subnormal, zero and the largest half included.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernel_table.h"
#include "kernels.h"
#include "parallel.h"

namespace {

struct Shape {
  int n, d, gs;
};

std::vector<int8_t> int8s(size_t count, std::mt19937& g, int lo, int hi) {
  std::uniform_int_distribution<int> u(lo, hi);
  std::vector<int8_t> v(count);
  for (auto& x : v) x = static_cast<int8_t>(u(g));
  return v;
}

// half: every scale an IEEE half exactly, and some of the edge halves.
std::vector<float> scales(size_t count, std::mt19937& g, bool half = false) {
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  std::vector<float> v(count);
  for (auto& x : v) x = half ? nm_half_to_float(nm_float_to_half(u(g))) : u(g);
  if (half) {
    const float edges[] = {0x1p-24f, -0x1p-24f, 0x1.ff8p-15f, 0x1p-14f, 65504.0f, -0.0f, 0.0f};
    for (size_t i = 0; i < count && i < 7; i++) v[(i * 7919) % count] = edges[i];
  }
  return v;
}

TEST(Q8Pack, PackedProductsKeepScalarBits) {
  const Shape shapes[] = {{32, 16, 32}, {288, 53, 32}, {768, 64, 64}, {96, 35, 12}, {40, 17, 4}, {512, 48, 128}};
  int tables_with_pack = 0;
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k || !k->q8_pack) continue;
    tables_with_pack++;
    for (const Shape& s : shapes)
      for (int form = 0; form < 4; form++)
        for (int T : {1, 2, 5, 9}) {
          const int half = form / 2, extreme = form % 2;
          std::mt19937 g(static_cast<uint32_t>(s.n * 131 + s.d * 7 + T + extreme));
          const int groups = s.n / s.gs;
          auto wq = extreme ? int8s(static_cast<size_t>(s.n) * s.d, g, -128, -127)
                            : int8s(static_cast<size_t>(s.n) * s.d, g, -128, 127);
          auto xq = extreme ? int8s(static_cast<size_t>(s.n) * T, g, 127, 127)
                            : int8s(static_cast<size_t>(s.n) * T, g, -127, 127);
          auto ws = scales(static_cast<size_t>(s.d) * groups, g, half),
               xs = scales(static_cast<size_t>(T) * groups, g);
          std::vector<float> want(static_cast<size_t>(T) * s.d);
          nm_kernels_scalar()->matmul_q8_batch(want.data(), xq.data(), xs.data(), wq.data(), ws.data(), s.n, s.d,
                                               s.gs, T, 0, s.d);
          const nm_i64 bytes = k->q8_packed_size(s.n, s.d, s.gs, half);
          ASSERT_GT(bytes, 0) << level << " n " << s.n << " d " << s.d << " gs " << s.gs;
          std::vector<uint8_t> packed(static_cast<size_t>(bytes));
          k->q8_pack(packed.data(), wq.data(), ws.data(), s.n, s.d, s.gs, half);
          for (int threads : {1, 2, 3, 4}) {
            nm_pool* p = threads > 1 ? nm_pool_create(threads) : nullptr;
            std::vector<float> got(want.size(), -1.0f);
            nm_par_matmul_q8_batch(k, p, got.data(), xq.data(), xs.data(), wq.data(), ws.data(), nullptr,
                                   packed.data(), half, s.n, s.d, s.gs, T);
            EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * 4), 0)
                << level << " n " << s.n << " d " << s.d << " gs " << s.gs << " T " << T << " threads " << threads
                << " extreme " << extreme << " half " << half;
            if (p) nm_pool_free(p);
          }
        }
  }
  if (tables_with_pack == 0) GTEST_SKIP() << "no kernel table on this CPU has a packed Q8 layout";
}

// matmul_q8h_batch (W scales as halves, as GGUF Q8_0 stores them) on every
// table: the bits of the scalar table's matmul_q8_batch on the widened
// scales, for every group size path (32, 64, other multiples of 32, and
// group sizes the 256-bit levels take one group at a time), token count and
// thread split.
TEST(Q8Pack, HalfScaleProductsKeepScalarBits) {
  const Shape shapes[] = {{32, 16, 32}, {288, 53, 32}, {768, 64, 64}, {96, 35, 12}, {40, 17, 4}, {512, 48, 128}};
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k) continue;
    ASSERT_NE(k->matmul_q8h_batch, nullptr) << level;
    for (const Shape& s : shapes)
      for (int T : {1, 2, 5, 9}) {
        std::mt19937 g(static_cast<uint32_t>(s.n * 31 + s.d * 5 + T));
        const int groups = s.n / s.gs;
        auto wq = int8s(static_cast<size_t>(s.n) * s.d, g, -128, 127), xq = int8s(static_cast<size_t>(s.n) * T, g, -127, 127);
        auto ws = scales(static_cast<size_t>(s.d) * groups, g, true), xs = scales(static_cast<size_t>(T) * groups, g);
        std::vector<nm_u16> wsh(ws.size());
        for (size_t i = 0; i < ws.size(); i++) wsh[i] = nm_float_to_half(ws[i]);
        std::vector<float> want(static_cast<size_t>(T) * s.d);
        nm_kernels_scalar()->matmul_q8_batch(want.data(), xq.data(), xs.data(), wq.data(), ws.data(), s.n, s.d, s.gs,
                                             T, 0, s.d);
        for (int threads : {1, 2, 3, 4}) {
          nm_pool* p = threads > 1 ? nm_pool_create(threads) : nullptr;
          std::vector<float> got(want.size(), -1.0f);
          nm_par_matmul_q8_batch(k, p, got.data(), xq.data(), xs.data(), wq.data(), ws.data(), wsh.data(), nullptr, 0,
                                 s.n, s.d, s.gs, T);
          EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * 4), 0)
              << level << " n " << s.n << " d " << s.d << " gs " << s.gs << " T " << T << " threads " << threads;
          if (p) nm_pool_free(p);
        }
      }
  }
}

TEST(Q8Pack, ShapesThatStayUnpacked) {
  for (const char* level : {"sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k || !k->q8_pack) continue;
    for (int half : {0, 1}) {
      EXPECT_EQ(k->q8_packed_size(64, k->q8_pack_rows - 1, 32, half), 0) << "fewer rows than a panel";
      EXPECT_EQ(k->q8_packed_size(66, 64, 6, half), 0) << "group not a multiple of 4";
      EXPECT_EQ(k->q8_packed_size(64, 64, 0, half), 0);
      EXPECT_EQ(k->q8_packed_size(64, 64, 48, half), 0) << "n not a multiple of the group";
      EXPECT_GT(k->q8_packed_size(64, 64, 32, half), 0);
    }
  }
}

// GGUF Q8_0 (group 32, fp16 d) holds 34 bytes per 32 weights: with half
// scales the panels hold no more (an even group count needs no padding),
// with float scales 36.
TEST(Q8Pack, HalfScalesTakeTheFilesBytes) {
  for (const char* level : {"sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k || !k->q8_pack) continue;
    const int rows = 4 * k->q8_pack_rows;
    for (int n : {64, 768, 2048}) {
      const nm_i64 weights = static_cast<nm_i64>(rows) * n;
      EXPECT_EQ(k->q8_packed_size(n, rows, 32, 1), weights / 32 * 34) << level << " n " << n;
      EXPECT_EQ(k->q8_packed_size(n, rows, 32, 0), weights / 32 * 36) << level << " n " << n;
    }
  }
}

}  // namespace
