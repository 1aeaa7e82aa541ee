// The exhaustive unary sweep of one approximation (docs/ACCURACY.md): every
// positive normal float through the 0x5f3759df rsqrt with one Newton step
// and the double reference, on 2 threads. A benchmark prints the time; the
// CTest smoke run uses a stride so that it only proves the binary works.
#include <benchmark/benchmark.h>

#include "audit.hpp"

static void approx_sweep(benchmark::State& state) {
  const auto stride = static_cast<uint64_t>(state.range(0));
  nineml::approx::Sweep s;
  for (auto _ : state) {
    s = nineml::approx::sweep_one("rsqrt-1nr", stride, 2);
    benchmark::DoNotOptimize(s.max_ulp);
  }
  state.counters["floats"] = static_cast<double>(s.count);
  state.counters["max_ulp"] = static_cast<double>(s.max_ulp);
  state.counters["floats_per_s"] =
      benchmark::Counter(static_cast<double>(s.count) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
// stride 1: all 2,130,706,432 positive normal floats, once (tens of seconds).
BENCHMARK(approx_sweep)->Name("approx_sweep/rsqrt-1nr")->Arg(1)->Arg(4096)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

BENCHMARK_MAIN();
