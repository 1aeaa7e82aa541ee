// Google Benchmark of every kernel-table entry on every implementation
// (scalar, sse2, avx2, avx512; matmuls and attention also on 2 threads;
// the batched products at T = 32 (f32, f16, Q8), Q8 also packed at T = 1 and 32,
// the GGUF block types (Q5_0 .. Q6_K) at T = 1 and 32),
// with GFLOP/s and GB/s counters, plus the read-bandwidth probe.
//   build/bench/nineml_bench_kernels [--benchmark_filter=REGEX]
// A level this CPU lacks is reported as an error row ("not available").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernel_table.h"
#include "kernels.h"
#include "parallel.h"
#include "probe.hpp"

namespace {

using nineml::bench::read_bandwidth;

struct Impl {
  const char* level;
  int threads;
};

nm_pool* pool_for(int threads) {
  static nm_pool* pools[3] = {nullptr, nullptr, nullptr};
  if (threads < 2) return nullptr;
  if (!pools[threads]) pools[threads] = nm_pool_create(threads);
  return pools[threads];
}

std::vector<float> floats(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(g);
  return v;
}

std::vector<int8_t> int8s(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(g));
  return v;
}

// Sets the counters from per-iteration work.
void rates(benchmark::State& st, double flops, double bytes) {
  st.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

const nm_kernel_table* table_or_skip(benchmark::State& st, const Impl& im) {
  const nm_kernel_table* t = nm_kernels_by_name(im.level);
  if (!t) st.SkipWithError("not available on this CPU");
  return t;
}

void bm_matmul_f32(benchmark::State& st, Impl im, int d, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto w = floats(static_cast<size_t>(d) * n, 1), x = floats(static_cast<size_t>(n), 2);
  std::vector<float> out(static_cast<size_t>(d));
  for (auto _ : st) {
    nm_par_matmul_f32(t, pool_for(im.threads), out.data(), x.data(), w.data(), n, d);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n, 4.0 * d * n + 4.0 * n + 4.0 * d);
}

void bm_matmul_q8(benchmark::State& st, Impl im, int d, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  const int gs = n % 64 == 0 ? 64 : 32;  // as the exporter picks it
  auto wq = int8s(static_cast<size_t>(d) * n, 1), xq = int8s(static_cast<size_t>(n), 2);
  auto ws = floats(static_cast<size_t>(d) * n / gs, 3), xs = floats(static_cast<size_t>(n) / gs, 4);
  std::vector<float> out(static_cast<size_t>(d));
  for (auto _ : st) {
    nm_par_matmul_q8(t, pool_for(im.threads), out.data(), xq.data(), xs.data(), wq.data(), ws.data(), n, d, gs);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n, 1.0 * d * n + 4.0 * d * n / gs + n + 4.0 * d);
}

// The batched products as prefill and decode run them (T tokens through
// nm_par_matmul_*_batch); Q8 through the level's packed layout when it has
// one and `packed` is set. GB/s counts the weights once per call.
void bm_batch_f32(benchmark::State& st, Impl im, int d, int n, int T) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto w = floats(static_cast<size_t>(d) * n, 1), x = floats(static_cast<size_t>(n) * T, 2);
  std::vector<float> out(static_cast<size_t>(d) * T);
  for (auto _ : st) {
    nm_par_matmul_f32_batch(t, pool_for(im.threads), out.data(), x.data(), w.data(), n, d, T);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n * T, 4.0 * d * n);
}

// f16 weights (halves of the f32 benchmark's values), widened on the fly.
void bm_batch_f16(benchmark::State& st, Impl im, int d, int n, int T) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto wf = floats(static_cast<size_t>(d) * n, 1), x = floats(static_cast<size_t>(n) * T, 2);
  std::vector<nm_u16> w(wf.size());
  for (size_t i = 0; i < w.size(); i++) w[i] = nm_float_to_half(wf[i]);
  std::vector<float> out(static_cast<size_t>(d) * T);
  for (auto _ : st) {
    nm_par_matmul_f16_batch(t, pool_for(im.threads), out.data(), x.data(), w.data(), n, d, T);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n * T, 2.0 * d * n);
}

void bm_batch_q8(benchmark::State& st, Impl im, int d, int n, int T, bool packed) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  const int gs = n % 64 == 0 ? 64 : 32;  // as the exporter picks it
  const int64_t bytes = packed && t->q8_pack ? t->q8_packed_size(n, d, gs, 0) : 0;
  if (packed && bytes <= 0) {
    st.SkipWithError("no packed Q8 layout at this level");
    return;
  }
  auto wq = int8s(static_cast<size_t>(d) * n, 1), xq = int8s(static_cast<size_t>(n) * T, 2);
  auto ws = floats(static_cast<size_t>(d) * n / gs, 3), xs = floats(static_cast<size_t>(n) * T / gs, 4);
  std::vector<uint8_t> pw(static_cast<size_t>(bytes));
  if (bytes > 0) t->q8_pack(pw.data(), wq.data(), ws.data(), n, d, gs, 0);
  std::vector<float> out(static_cast<size_t>(d) * T);
  for (auto _ : st) {
    nm_par_matmul_q8_batch(t, pool_for(im.threads), out.data(), xq.data(), xs.data(), wq.data(), ws.data(), nullptr,
                           bytes > 0 ? pw.data() : nullptr, 0, n, d, gs, T);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n * T, 1.0 * d * n + 4.0 * d * n / gs);
}

void bm_matmul_q4_0(benchmark::State& st, Impl im, int d, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  size_t nb = static_cast<size_t>(n) / 32;
  std::vector<uint8_t> w(static_cast<size_t>(d) * nb * 18);
  std::mt19937 g(5);
  for (size_t b = 0; b < w.size(); b += 18) {
    w[b] = 0x00;
    w[b + 1] = 0x2c;  // fp16 0.0625
    for (int j = 2; j < 18; j++) w[b + j] = static_cast<uint8_t>(g());
  }
  auto xq = int8s(static_cast<size_t>(n), 2);
  auto xs = floats(nb, 4);
  std::vector<float> out(static_cast<size_t>(d));
  for (auto _ : st) {
    nm_par_matmul_q4_0(t, pool_for(im.threads), out.data(), xq.data(), xs.data(), w.data(), n, d);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n, static_cast<double>(w.size()) + n + 4.0 * d);
}

// A GGUF block type (kernels.h NM_BLK_*): random payload bytes (every q,
// scale and min pattern) with fp16 factors in [2^-7, 1), T tokens through
// nm_par_matmul_blocks_batch (T = 1 is decode's product).
void bm_matmul_blocks(benchmark::State& st, Impl im, int blk, int d, int n, int T) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  static const int factor_at[NM_BLK_COUNT][2] = {{0, -1}, {0, 2}, {80, 82}, {108, -1}, {0, 2}, {0, 2}, {208, -1}};
  const int bytes = nm_block_bytes(blk), count = d * (n / nm_block_elems(blk));
  std::vector<uint8_t> w(static_cast<size_t>(bytes) * count);
  std::mt19937 g(5);
  for (auto& v : w) v = static_cast<uint8_t>(g());
  for (int k = 0; k < count; k++)
    for (int off : factor_at[blk])
      if (off >= 0) {
        const uint16_t h = static_cast<uint16_t>((g() & 0x83ff) | ((8 + g() % 8) << 10));
        w[static_cast<size_t>(k) * bytes + off] = static_cast<uint8_t>(h & 0xff);
        w[static_cast<size_t>(k) * bytes + off + 1] = static_cast<uint8_t>(h >> 8);
      }
  auto xq = int8s(static_cast<size_t>(n) * T, 2);
  auto xs = floats(static_cast<size_t>(n) / 32 * T, 4);
  std::vector<float> out(static_cast<size_t>(d) * T);
  for (auto _ : st) {
    nm_par_matmul_blocks_batch(t, pool_for(im.threads), blk, out.data(), xq.data(), xs.data(), w.data(), n, d, T);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 2.0 * d * n * T, static_cast<double>(w.size()) + 1.0 * n * T + 4.0 * d * T);
}

void bm_attention(benchmark::State& st, Impl im, int heads, int hs, int pos) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  size_t dim = static_cast<size_t>(heads) * hs;
  auto q = floats(dim, 1), k = floats(dim * (pos + 1), 2), v = floats(dim * (pos + 1), 3);
  std::vector<float> out(dim), att(static_cast<size_t>(heads) * (pos + 1));
  for (auto _ : st) {
    nm_par_attention(t, pool_for(im.threads), out.data(), att.data(), q.data(), k.data(), v.data(), heads, heads,
                     hs, pos, 0);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 4.0 * dim * (pos + 1), 8.0 * dim * (pos + 1));
}

void bm_rmsnorm(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto x = floats(static_cast<size_t>(n), 1), w = floats(static_cast<size_t>(n), 2);
  std::vector<float> out(static_cast<size_t>(n));
  for (auto _ : st) {
    t->rmsnorm(out.data(), x.data(), w.data(), n, 1e-5f);
    benchmark::DoNotOptimize(out.data());
  }
  rates(st, 4.0 * n, 12.0 * n);
}

void bm_softmax(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto x0 = floats(static_cast<size_t>(n), 1), x = x0;
  for (auto _ : st) {
    t->softmax(x.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  rates(st, 4.0 * n, 8.0 * n);
}

void bm_rope(benchmark::State& st, Impl im, int dim, int hs) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto v = floats(static_cast<size_t>(dim), 1);
  for (auto _ : st) {
    t->rope(v.data(), dim, hs, 17, 10000.0f);
    benchmark::DoNotOptimize(v.data());
  }
  rates(st, 3.0 * dim, 8.0 * dim);
}

void bm_swiglu(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto a0 = floats(static_cast<size_t>(n), 1), a = a0, b = floats(static_cast<size_t>(n), 2);
  for (auto _ : st) {
    st.PauseTiming();
    a = a0;
    st.ResumeTiming();
    t->swiglu(a.data(), b.data(), n);
    benchmark::DoNotOptimize(a.data());
  }
  rates(st, 5.0 * n, 12.0 * n);
}

void bm_residual(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto x = floats(static_cast<size_t>(n), 1), y = floats(static_cast<size_t>(n), 2);
  for (auto _ : st) {
    t->residual_add(x.data(), y.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  rates(st, 1.0 * n, 12.0 * n);
}

void bm_q8_quantize(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto x = floats(static_cast<size_t>(n), 1);
  std::vector<nm_i8> q(static_cast<size_t>(n));
  std::vector<float> s(static_cast<size_t>(n / 32));
  for (auto _ : st) {
    t->q8_quantize(q.data(), s.data(), x.data(), n, 32, NM_ROUND_AWAY);
    benchmark::DoNotOptimize(q.data());
  }
  rates(st, 3.0 * n, 5.0 * n);
}

void bm_exp(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  // Inputs in [-8, 0] (softmax's x - max), copied back in every
  // iteration (timed: pausing the clock costs more than the copy).
  auto x0 = floats(static_cast<size_t>(n), 1);
  for (float& v : x0) v = -8.0f * std::fabs(v) / (1.0f + std::fabs(v));
  std::vector<float> x(x0.size());
  for (auto _ : st) {
    std::copy(x0.begin(), x0.end(), x.begin());
    t->exp(x.data(), n);
    benchmark::DoNotOptimize(x.data());
  }
  rates(st, 1.0 * n, 12.0 * n);
}

// The greedy sampler over a vocabulary of logits.
void bm_argmax(benchmark::State& st, Impl im, int n) {
  const nm_kernel_table* t = table_or_skip(st, im);
  if (!t) return;
  auto x = floats(static_cast<size_t>(n), 1);
  for (auto _ : st) benchmark::DoNotOptimize(t->argmax(x.data(), n));
  rates(st, 1.0 * n, 4.0 * n);
}

void bm_bandwidth(benchmark::State& st, size_t bytes, int threads) {
  double gbps = 0;
  for (auto _ : st) gbps = read_bandwidth(bytes, threads, 0.05);
  st.counters["GB/s"] = gbps;
}

void register_all() {
  const Impl one[] = {{"scalar", 1}, {"sse2", 1}, {"avx2", 1}, {"avx512", 1}};
  const Impl par[] = {{"scalar", 2}, {"avx2", 2}, {"avx512", 2}};
  auto name = [](const std::string& k, const Impl& im, const std::string& shape) {
    return k + "/" + im.level + "/t" + std::to_string(im.threads) + "/" + shape;
  };
  struct Mm {
    int d, n;
  };
  const Mm shapes[] = {{288, 288}, {768, 2048}, {2048, 768}, {32000, 288}};
  const Mm batch_shapes[] = {{768, 768}, {2048, 768}, {768, 2048}};
  std::vector<Impl> all(std::begin(one), std::end(one));
  all.insert(all.end(), std::begin(par), std::end(par));
  for (const Impl& im : all) {
    for (const Mm& s : shapes) {
      std::string sh = std::to_string(s.d) + "x" + std::to_string(s.n);
      benchmark::RegisterBenchmark(name("matmul_f32", im, sh).c_str(), bm_matmul_f32, im, s.d, s.n);
      benchmark::RegisterBenchmark(name("matmul_q8_0", im, sh).c_str(), bm_matmul_q8, im, s.d, s.n);
      benchmark::RegisterBenchmark(name("matmul_q4_0", im, sh).c_str(), bm_matmul_q4_0, im, s.d, s.n);
      benchmark::RegisterBenchmark(name("matmul_q8_0_packed", im, sh).c_str(), bm_batch_q8, im, s.d, s.n, 1, true);
    }
    for (const Mm& s : batch_shapes) {
      std::string sh = std::to_string(s.d) + "x" + std::to_string(s.n) + "xT32";
      benchmark::RegisterBenchmark(name("matmul_f32_batch", im, sh).c_str(), bm_batch_f32, im, s.d, s.n, 32);
      benchmark::RegisterBenchmark(name("matmul_f16_batch", im, sh).c_str(), bm_batch_f16, im, s.d, s.n, 32);
      benchmark::RegisterBenchmark(name("matmul_q8_batch", im, sh).c_str(), bm_batch_q8, im, s.d, s.n, 32, false);
      benchmark::RegisterBenchmark(name("matmul_q8_packed_batch", im, sh).c_str(), bm_batch_q8, im, s.d, s.n, 32,
                                   true);
    }
    benchmark::RegisterBenchmark(name("attention", im, "h12xhs64xpos255").c_str(), bm_attention, im, 12, 64, 255);
  }
  for (const Impl& im : one)
    for (int blk = 0; blk < NM_BLK_COUNT; blk++)
      for (const Mm& s : {Mm{2048, 768}, Mm{768, 2048}}) {
        const std::string k = std::string("matmul_") + nm_block_name(blk);
        const std::string sh = std::to_string(s.d) + "x" + std::to_string(s.n);
        benchmark::RegisterBenchmark(name(k, im, sh).c_str(), bm_matmul_blocks, im, blk, s.d, s.n, 1);
        benchmark::RegisterBenchmark(name(k + "_batch", im, sh + "xT32").c_str(), bm_matmul_blocks, im, blk, s.d,
                                     s.n, 32);
      }
  for (const Impl& im : one) {
    benchmark::RegisterBenchmark(name("rmsnorm", im, "768").c_str(), bm_rmsnorm, im, 768);
    benchmark::RegisterBenchmark(name("softmax", im, "256").c_str(), bm_softmax, im, 256);
    benchmark::RegisterBenchmark(name("rope", im, "768").c_str(), bm_rope, im, 768, 64);
    benchmark::RegisterBenchmark(name("swiglu", im, "2048").c_str(), bm_swiglu, im, 2048);
    benchmark::RegisterBenchmark(name("residual_add", im, "768").c_str(), bm_residual, im, 768);
    benchmark::RegisterBenchmark(name("q8_quantize", im, "2048").c_str(), bm_q8_quantize, im, 2048);
    benchmark::RegisterBenchmark(name("exp", im, "2048").c_str(), bm_exp, im, 2048);
    benchmark::RegisterBenchmark(name("argmax", im, "32000").c_str(), bm_argmax, im, 32000);
  }
  size_t l3 = nineml::bench::l3_bytes();
  for (int t = 1; t <= 2; t++) {
    benchmark::RegisterBenchmark(("bandwidth/beyond_l3/t" + std::to_string(t)).c_str(), bm_bandwidth,
                                 std::max<size_t>(8 * l3, size_t{256} << 20), t)
        ->Iterations(1);
    benchmark::RegisterBenchmark(("bandwidth/in_l3/t" + std::to_string(t)).c_str(), bm_bandwidth,
                                 std::max<size_t>(l3 / 4, size_t{1} << 20), t)
        ->Iterations(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
