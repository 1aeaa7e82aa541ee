// Memory read-bandwidth probe: the limit decode speed is measured against
// (docs/PERFORMANCE.md).
#pragma once

#include <cstddef>

namespace nineml::bench {

// Last-level cache size in bytes (/sys, then sysconf; 32 MiB if unknown).
size_t l3_bytes();

// Best read bandwidth in GB/s (1e9 bytes/s) over repeated passes of
// `threads` threads each summing its share of a `bytes` buffer, for at
// least `min_seconds` in total.
double read_bandwidth(size_t bytes, int threads, double min_seconds = 0.3);

struct Probe {
  size_t dram_bytes, cache_bytes;
  double dram_gbps[2];   // 1 and 2 threads, buffer well beyond L3
  double cache_gbps[2];  // 1 and 2 threads, buffer inside L3
};
Probe run_probe(double min_seconds = 0.3);

}  // namespace nineml::bench
