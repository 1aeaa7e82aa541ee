// Kernel-table selection (names, CPU, NINEML_SIMD) and the thread pool:
// every task runs once, and a split over any thread count gives the same
// bits for every available table.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_table.h"
#include "parallel.h"

namespace {

TEST(SimdSelect, ByName) {
  EXPECT_EQ(nm_kernels_by_name("scalar"), nm_kernels_scalar());
  EXPECT_EQ(nm_kernels_by_name("nonesuch"), nullptr);
  EXPECT_EQ(nm_kernels_by_name(nullptr), nullptr);
  for (const char* level : {"sse2", "avx2", "avx512"}) {
    const nm_kernel_table* t = nm_kernels_by_name(level);
    if (t) {
      EXPECT_STREQ(t->name, level);
    }
  }
#if defined(__x86_64__)
  EXPECT_NE(nm_kernels_by_name("sse2"), nullptr) << "every x86-64 CPU has SSE2";
#endif
}

TEST(SimdSelect, BestIsTheHighestAvailable) {
  const nm_kernel_table* best = nm_kernels_best();
  ASSERT_NE(best, nullptr);
  const char* order[] = {"avx512", "avx2", "sse2", "scalar"};
  for (const char* level : order)
    if (nm_kernels_by_name(level)) {
      EXPECT_STREQ(best->name, level);
      break;
    }
}

TEST(SimdSelect, RequestThenEnvironmentThenBest) {
  unsetenv("NINEML_SIMD");
  EXPECT_EQ(nm_kernels_select(nullptr), nm_kernels_best());
  setenv("NINEML_SIMD", "scalar", 1);
  EXPECT_EQ(nm_kernels_select(nullptr), nm_kernels_scalar());
  EXPECT_EQ(nm_kernels_select(""), nm_kernels_scalar());
  EXPECT_EQ(nm_kernels_select("sse2"), nm_kernels_by_name("sse2"));
  setenv("NINEML_SIMD", "nonesuch", 1);
  EXPECT_EQ(nm_kernels_select(nullptr), nullptr);
  unsetenv("NINEML_SIMD");
}

// The pool copies the job block (port.h): it holds a pointer to the counts,
// which live in the heap.
struct Counts {
  int* hits;
};

void count_task(void* arg, int task) { static_cast<Counts*>(arg)->hits[task]++; }

TEST(Pool, EveryTaskRunsOnce) {
  EXPECT_EQ(nm_pool_create(0), nullptr);
  EXPECT_EQ(nm_pool_size(nullptr), 1);
  for (int n : {1, 2, 3, 4}) {
    nm_pool* p = nm_pool_create(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(nm_pool_size(p), n);
    for (int tasks : {0, 1, 2, 5, 17}) {
      for (int round = 0; round < 3; round++) {
        std::vector<int> hits(static_cast<size_t>(tasks), 0);
        Counts c{hits.data()};
        nm_pool_run(p, count_task, &c, sizeof c, tasks);
        for (int t = 0; t < tasks; t++) EXPECT_EQ(hits[static_cast<size_t>(t)], 1) << n << " " << tasks;
      }
    }
    nm_pool_free(p);
  }
  std::vector<int> hits(4, 0);
  Counts c{hits.data()};
  nm_pool_run(nullptr, count_task, &c, sizeof c, 4);
  for (int h : hits) EXPECT_EQ(h, 1);
  EXPECT_GE(nm_cpu_count(), 1);
}

// A block larger than the pool's first buffer, rewritten between dispatches:
// every task sees this dispatch's bytes, from the pool's copy, never the
// caller's block (which a Plan 9 worker could not see).
struct Block {
  const void* caller;  // the caller's block, which no task may be handed
  int* seen;           // per task: 1 if the block read right
  unsigned char bytes[3000];
};

void check_block(void* arg, int task) {
  const Block* b = static_cast<const Block*>(arg);
  bool ok = b != b->caller;
  for (size_t i = 0; i < sizeof b->bytes; i++) ok = ok && b->bytes[i] == static_cast<unsigned char>(i * 7 + b->bytes[0]);
  b->seen[task] = ok ? 1 : 0;
}

TEST(Pool, TasksReadThePoolsCopyOfTheBlock) {
  for (int n : {2, 3, 4}) {
    nm_pool* p = nm_pool_create(n);
    ASSERT_NE(p, nullptr);
    Block b{};
    b.caller = &b;
    for (int round = 0; round < 3; round++) {
      std::vector<int> seen(9, 0);
      b.seen = seen.data();
      for (size_t i = 0; i < sizeof b.bytes; i++) b.bytes[i] = static_cast<unsigned char>(i * 7 + round * 5);
      nm_pool_run(p, check_block, &b, sizeof b, 9);
      for (int t = 0; t < 9; t++) EXPECT_EQ(seen[static_cast<size_t>(t)], 1) << n << " " << round << " " << t;
    }
    nm_pool_free(p);
  }
}

std::vector<float> floats(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d;
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

// The conformance suite checks scalar thread counts against ref-llama2c;
// this checks the SIMD tables split the same way.
TEST(Pool, SplitsKeepTheBitsOnEveryTable) {
  const int n = 77, d = 53, heads = 6, hs = 10, pos = 9;
  auto w = floats(static_cast<size_t>(n) * d, 1), x = floats(n, 2);
  auto q = floats(heads * hs, 3), kc = floats(static_cast<size_t>(heads) * hs * (pos + 1), 4),
       vc = floats(static_cast<size_t>(heads) * hs * (pos + 1), 5);
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* t = nm_kernels_by_name(level);
    if (!t) continue;
    std::vector<float> m1(d), a1(heads * hs), att(static_cast<size_t>(heads) * (pos + 1));
    nm_par_matmul_f32(t, nullptr, m1.data(), x.data(), w.data(), n, d);
    nm_par_attention(t, nullptr, a1.data(), att.data(), q.data(), kc.data(), vc.data(), heads, 2, hs, pos, 0);
    for (int threads : {2, 3, 4}) {
      nm_pool* p = nm_pool_create(threads);
      ASSERT_NE(p, nullptr);
      std::vector<float> m2(d), a2(heads * hs);
      nm_par_matmul_f32(t, p, m2.data(), x.data(), w.data(), n, d);
      nm_par_attention(t, p, a2.data(), att.data(), q.data(), kc.data(), vc.data(), heads, 2, hs, pos, 0);
      EXPECT_EQ(std::memcmp(m1.data(), m2.data(), m1.size() * 4), 0) << level << " t" << threads;
      EXPECT_EQ(std::memcmp(a1.data(), a2.data(), a1.size() * 4), 0) << level << " t" << threads;
      nm_pool_free(p);
    }
  }
}

// Prefill's attention (one dispatch for T positions, scores of head h at
// h * att_stride) gives every position nm_par_attention's bits, on every
// table, 1-4 threads, with and without a sliding window.
TEST(Pool, AttentionBatchIsPerPositionAttention) {
  const int heads = 6, kv = 2, hs = 10, pos0 = 3, T = 7, stride = 12, dim = heads * hs;
  auto q = floats(static_cast<size_t>(T) * dim, 6), kc = floats(static_cast<size_t>(kv) * hs * (pos0 + T), 7),
       vc = floats(static_cast<size_t>(kv) * hs * (pos0 + T), 8);
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* t = nm_kernels_by_name(level);
    if (!t) continue;
    for (int window : {0, 4}) {
      std::vector<float> want(static_cast<size_t>(T) * dim), att(static_cast<size_t>(heads) * stride);
      for (int i = 0; i < T; i++)
        nm_par_attention(t, nullptr, want.data() + static_cast<size_t>(i) * dim, att.data(),
                         q.data() + static_cast<size_t>(i) * dim, kc.data(), vc.data(), heads, kv, hs, pos0 + i, window);
      for (int threads : {1, 2, 3, 4}) {
        nm_pool* p = threads > 1 ? nm_pool_create(threads) : nullptr;
        std::vector<float> got(want.size());
        nm_par_attention_batch(t, p, got.data(), att.data(), stride, q.data(), kc.data(), vc.data(), heads, kv, hs,
                               pos0, T, window);
        EXPECT_EQ(std::memcmp(want.data(), got.data(), want.size() * 4), 0)
            << level << " t" << threads << " window " << window;
        nm_pool_free(p);
      }
    }
  }
}

}  // namespace
