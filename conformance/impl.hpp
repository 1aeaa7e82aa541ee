// The implementations ("backends") every case runs on.
#pragma once

#include <string>
#include <vector>

#include "kernel_table.h"

namespace nineml::conformance {

enum class ImplKind {
  engine_scalar,  // engine/ scalar C kernels
  ref_llama2c,    // reference/ in llama2c mode (the compatibility anchor)
  engine_sse2,    // engine/simd/ kernel tables, one per SIMD level
  engine_avx2,
  engine_avx512,
  engine_scalar_t2,  // the scalar table with rows/heads split over N threads
  engine_scalar_t3,
  engine_scalar_t4,
  // Audit implementations (approx/, docs/ACCURACY.md): the scalar table with
  // one fast approximation swapped in. Opt-in only (--impl approx-...).
  approx_exp_schraudolph,
  approx_exp_poly5,
  approx_exp_poly6,
  approx_rsqrt_0nr,
  approx_rsqrt_1nr,
  approx_rsqrt_2nr,
  approx_silu_tanh,
  approx_silu_rational,
};

struct Impl {
  std::string name;
  ImplKind kind;
  // Engine implementations are subject to fault injection.
  bool is_engine;
  // Non-empty: the implementation must also be bit-identical to ref-llama2c
  // (same operation order; the scalar path's contract in ARCHITECTURE.md).
  std::string contract;
  // Non-empty: the only kernels it runs (an approximation changes those;
  // on the others it would repeat engine-scalar).
  std::vector<std::string> kernels = {};
};

// The default selection: what `9ml conform` and CI run.
const std::vector<Impl>& impls();
// The approximate-math audit implementations: never in the default
// selection (they are meant to fail bounds), run only when named.
const std::vector<Impl>& audit_impls();
const Impl* find_impl(const std::string& name);  // either list; nullptr if unknown

// How a kernel plugin reaches the kernel table (Kernel::table_use()):
//   none   - no table entry: only engine-scalar and ref-llama2c run it
//   entry  - a table entry: the SIMD levels run it too
//   split  - a row/head-range entry split over threads: the thread
//            implementations run it as well
enum class TableUse { none, entry, split };

// Whether an implementation runs a kernel with that table use at all
// (docs/CONFORMANCE.md, "Implementations").
bool applies(ImplKind k, TableUse use);
// The same for a named kernel, honouring Impl::kernels.
bool applies(const Impl& i, const std::string& kernel, TableUse use);

// The kernel table and thread pool an engine implementation runs with.
// table is nullptr when this build or CPU lacks the level; pool is nullptr
// for one thread.
struct EngineExec {
  const nm_kernel_table* table;
  nm_pool* pool;
  void (*silu)(float* x, int n);  // silu has no table entry: nm_silu but for approx-*
};
EngineExec engine_exec(ImplKind k);

// Empty if the implementation can run here, else why not
// (e.g. "this CPU lacks avx512 (needs AVX-512 F, BW, VL, VNNI)").
std::string unavailable_reason(ImplKind k);

}  // namespace nineml::conformance

namespace nineml::conformance {
// Fault injection and guard zones apply to the engine's implementations.
inline bool is_engine(ImplKind k) { return k != ImplKind::ref_llama2c; }
}  // namespace nineml::conformance
