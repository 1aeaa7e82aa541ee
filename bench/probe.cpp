#include "probe.hpp"

#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace nineml::bench {

// /sys first: in some VMs sysconf reports the host's cache, not the guest's.
size_t l3_bytes() {
  for (int idx = 0; idx < 8; idx++) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(idx) + "/";
    std::ifstream level(dir + "level"), size(dir + "size");
    int lv = 0;
    std::string sz;
    if (!(level >> lv) || !(size >> sz) || lv != 3 || sz.empty()) continue;
    size_t n = std::stoull(sz);
    char unit = sz.back();
    if (unit == 'K') n <<= 10;
    if (unit == 'M') n <<= 20;
    return n;
  }
  long v = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (v > 0) return static_cast<size_t>(v);
  return size_t{32} << 20;
}

namespace {

// Eight independent sums so the loop is load-bound, not add-bound; the
// compiler vectorizes it at the baseline ISA (16-byte loads).
uint64_t sum_words_baseline(const uint64_t* p, size_t n) {
  uint64_t s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++) s[k] += p[i + k];
  for (; i < n; i++) s[0] += p[i];
  uint64_t t = 0;
  for (uint64_t v : s) t += v;
  return t;
}

#if defined(__x86_64__)
// The same with 32-byte loads and four vector sums: what the engine's
// AVX2/AVX-512 kernels can issue, so the limit is not understated on a
// core whose baseline loads cannot saturate the memory system.
__attribute__((target("avx2"))) uint64_t sum_words_avx2(const uint64_t* p, size_t n) {
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_add_epi64(s0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    s1 = _mm256_add_epi64(s1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    s2 = _mm256_add_epi64(s2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    s3 = _mm256_add_epi64(s3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes),
                     _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3)));
  uint64_t t = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < n; i++) t += p[i];
  return t;
}
#endif

uint64_t sum_words(const uint64_t* p, size_t n) {
#if defined(__x86_64__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return sum_words_avx2(p, n);
#endif
  return sum_words_baseline(p, n);
}

}  // namespace

double read_bandwidth(size_t bytes, int threads, double min_seconds) {
  size_t words = std::max<size_t>(bytes / 8, 64);
  std::unique_ptr<uint64_t[]> buf(new uint64_t[words]);
  for (size_t i = 0; i < words; i++) buf[i] = i * 0x9e3779b97f4a7c15ull;
  threads = std::max(threads, 1);
  std::vector<uint64_t> sink(static_cast<size_t>(threads));
  double best = 0, total = 0;
  int passes = 0;
  while (total < min_seconds || passes < 3) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    auto share = [&](int t) {
      size_t a = words * static_cast<size_t>(t) / static_cast<size_t>(threads);
      size_t b = words * static_cast<size_t>(t + 1) / static_cast<size_t>(threads);
      sink[static_cast<size_t>(t)] += sum_words(buf.get() + a, b - a);
    };
    // Small buffers: several sweeps per timing so thread start-up is noise.
    int sweeps = static_cast<int>(std::max<size_t>(1, (size_t{64} << 20) / (words * 8)));
    auto body = [&](int t) {
      for (int s = 0; s < sweeps; s++) share(t);
    };
    for (int t = 1; t < threads; t++) pool.emplace_back(body, t);
    body(0);
    for (auto& th : pool) th.join();
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(words) * 8.0 * sweeps / dt / 1e9);
    total += dt;
    passes++;
  }
  volatile uint64_t keep = 0;
  for (uint64_t v : sink) keep = keep + v;
  (void)keep;
  return best;
}

Probe run_probe(double min_seconds) {
  Probe p{};
  size_t l3 = l3_bytes();
  p.dram_bytes = std::min(std::max<size_t>(8 * l3, size_t{256} << 20), size_t{1} << 30);
  p.cache_bytes = std::max<size_t>(l3 / 4, size_t{1} << 20);
  for (int t = 1; t <= 2; t++) {
    p.dram_gbps[t - 1] = read_bandwidth(p.dram_bytes, t, min_seconds);
    p.cache_gbps[t - 1] = read_bandwidth(p.cache_bytes, t, min_seconds);
  }
  return p;
}

}  // namespace nineml::bench
