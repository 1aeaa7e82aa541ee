// The cache-blocked batch products (engine/simd/body.h, product_batch):
// on every level this CPU runs, matmul_{f32,f16,bf16}_batch give each
// token the bits of the rows entry for that token alone, over the shapes
// that reach every path of the blocking: rows past the last whole row
// tile, every token count modulo the tile width, more tokens than one
// token block (48), rows long enough to be cut into k-blocks (> 768
// floats, with the accumulators spilled between blocks) with and without a
// scalar tail, and row ranges that start and end inside the matrix (how
// the pool splits them).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernel_table.h"

namespace {

enum Kind { F32, F16, BF16 };

struct Shape {
  int n, d, T, r0, r1;
};

void check(const nm_kernel_table* k, Kind kind, const Shape& s) {
  uint32_t seed = static_cast<uint32_t>(s.n * 131 + s.d * 17 + s.T);
  auto next = [&] { seed = seed * 1664525u + 1013904223u; return seed; };
  std::vector<float> x(static_cast<size_t>(s.n) * s.T), wf(static_cast<size_t>(s.n) * s.d);
  std::vector<uint16_t> wh(wf.size());
  for (auto& v : x) v = static_cast<float>(static_cast<int>(next() % 20001) - 10000) / 9973.0f;
  for (auto& v : wf) v = static_cast<float>(static_cast<int>(next() % 20001) - 10000) / 99991.0f;
  // halves (or bfloat16s) of magnitude about 2^-5..2^-1, either sign
  for (auto& v : wh)
    v = kind == BF16 ? static_cast<uint16_t>(0x3d00 + next() % 0x200) | static_cast<uint16_t>(next() & 0x8000)
                     : static_cast<uint16_t>(0x2800 + next() % 0x1000) | static_cast<uint16_t>(next() & 0x8000);
  const float sentinel = -12345.0f;  // rows outside [r0, r1) stay untouched
  std::vector<float> batch(static_cast<size_t>(s.d) * s.T, sentinel), rows(batch.size(), sentinel);
  switch (kind) {
    case F32: k->matmul_f32_batch(batch.data(), x.data(), wf.data(), s.n, s.d, s.T, s.r0, s.r1); break;
    case F16: k->matmul_f16_batch(batch.data(), x.data(), wh.data(), s.n, s.d, s.T, s.r0, s.r1); break;
    case BF16: k->matmul_bf16_batch(batch.data(), x.data(), wh.data(), s.n, s.d, s.T, s.r0, s.r1); break;
  }
  for (int t = 0; t < s.T; t++) {
    float* o = rows.data() + static_cast<size_t>(t) * s.d;
    const float* xt = x.data() + static_cast<size_t>(t) * s.n;
    switch (kind) {
      case F32: k->matmul_f32_rows(o, xt, wf.data(), s.n, s.r0, s.r1); break;
      case F16: k->matmul_f16_rows(o, xt, wh.data(), s.n, s.r0, s.r1); break;
      case BF16: k->matmul_bf16_rows(o, xt, wh.data(), s.n, s.r0, s.r1); break;
    }
  }
  for (size_t i = 0; i < batch.size(); i++)
    ASSERT_EQ(std::memcmp(&batch[i], &rows[i], sizeof(float)), 0)
        << k->name << " kind " << kind << " n=" << s.n << " d=" << s.d << " T=" << s.T << " rows [" << s.r0 << ", "
        << s.r1 << ") token " << i / static_cast<size_t>(s.d) << " row " << i % static_cast<size_t>(s.d) << ": "
        << batch[i] << " vs " << rows[i];
}

TEST(BatchBlocking, EveryPathGivesTheRowsBits) {
  const Shape shapes[] = {
      {7, 5, 1, 0, 5},          // shorter than a vector: tail only
      {33, 9, 7, 0, 9},         // one k-block, token and row remainders
      {768, 6, 13, 1, 6},       // exactly the largest unblocked row
      {776, 5, 4, 0, 5},        // two k-blocks, no tail
      {2053, 7, 11, 2, 7},      // three k-blocks and a tail, a partial row tile
      {1031, 8, 50, 0, 8},      // two token blocks (48 + 2)
      {1600, 12, 32, 4, 12},    // prefill's T, ranges on tile boundaries
      {100, 16, 6, 3, 13},      // a range starting and ending inside tiles
  };
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k) continue;
    for (Kind kind : {F32, F16, BF16})
      for (const Shape& s : shapes) check(k, kind, s);
  }
}

}  // namespace
