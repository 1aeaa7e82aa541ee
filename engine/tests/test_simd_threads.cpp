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

struct Counts {
  std::vector<int> hits;
};

void count_task(void* arg, int task) { static_cast<Counts*>(arg)->hits[static_cast<size_t>(task)]++; }

TEST(Pool, EveryTaskRunsOnce) {
  EXPECT_EQ(nm_pool_create(0), nullptr);
  EXPECT_EQ(nm_pool_size(nullptr), 1);
  for (int n : {1, 2, 3, 4}) {
    nm_pool* p = nm_pool_create(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(nm_pool_size(p), n);
    for (int tasks : {0, 1, 2, 5, 17}) {
      for (int round = 0; round < 3; round++) {
        Counts c{std::vector<int>(static_cast<size_t>(tasks), 0)};
        nm_pool_run(p, count_task, &c, tasks);
        for (int t = 0; t < tasks; t++) EXPECT_EQ(c.hits[static_cast<size_t>(t)], 1) << n << " " << tasks;
      }
    }
    nm_pool_free(p);
  }
  Counts c{std::vector<int>(4, 0)};
  nm_pool_run(nullptr, count_task, &c, 4);
  for (int h : c.hits) EXPECT_EQ(h, 1);
  EXPECT_GE(nm_cpu_count(), 1);
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

}  // namespace
