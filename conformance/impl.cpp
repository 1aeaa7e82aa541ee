#include "impl.hpp"

#include <algorithm>
#include <memory>

#include "approx_kernels.hpp"

namespace nineml::conformance {

const std::vector<Impl>& impls() {
  static const std::vector<Impl> all = {
      {"engine-scalar", ImplKind::engine_scalar, true, "bit-exact with ref-llama2c"},
      {"ref-llama2c", ImplKind::ref_llama2c, false, ""},
      // SIMD levels: different summation order and FMA, so the bound is the
      // whole contract.
      {"engine-sse2", ImplKind::engine_sse2, true, ""},
      {"engine-avx2", ImplKind::engine_avx2, true, ""},
      {"engine-avx512", ImplKind::engine_avx512, true, ""},
      // Threads split rows and heads, never a row's arithmetic.
      {"engine-scalar-t2", ImplKind::engine_scalar_t2, true, "bit-exact with ref-llama2c"},
      {"engine-scalar-t3", ImplKind::engine_scalar_t3, true, "bit-exact with ref-llama2c"},
      {"engine-scalar-t4", ImplKind::engine_scalar_t4, true, "bit-exact with ref-llama2c"},
  };
  return all;
}

const std::vector<Impl>& audit_impls() {
  static const std::vector<Impl> all = [] {
    const ImplKind kinds[] = {ImplKind::approx_exp_schraudolph, ImplKind::approx_exp_poly5,
                              ImplKind::approx_exp_poly6,       ImplKind::approx_rsqrt_0nr,
                              ImplKind::approx_rsqrt_1nr,       ImplKind::approx_rsqrt_2nr,
                              ImplKind::approx_silu_tanh,       ImplKind::approx_silu_rational};
    const auto& approx = approx::approx_impls();
    if (approx.size() != std::size(kinds)) throw std::logic_error("approx implementations and ImplKind disagree");
    std::vector<Impl> out;
    for (size_t i = 0; i < approx.size(); i++)
      out.push_back({approx[i].name, kinds[i], true, "", approx[i].kernels});
    return out;
  }();
  return all;
}

const Impl* find_impl(const std::string& name) {
  for (const auto& i : impls())
    if (i.name == name) return &i;
  for (const auto& i : audit_impls())
    if (i.name == name) return &i;
  return nullptr;
}

namespace {

// The approx/ entry of an audit kind, else nullptr.
const approx::ApproxImpl* approx_of(ImplKind k) {
  for (const auto& i : audit_impls())
    if (i.kind == k) return approx::find_approx(i.name);
  return nullptr;
}

int threads_of(ImplKind k) {
  switch (k) {
    case ImplKind::engine_scalar_t2: return 2;
    case ImplKind::engine_scalar_t3: return 3;
    case ImplKind::engine_scalar_t4: return 4;
    default: return 1;
  }
}

const char* level_of(ImplKind k) {
  switch (k) {
    case ImplKind::engine_sse2: return "sse2";
    case ImplKind::engine_avx2: return "avx2";
    case ImplKind::engine_avx512: return "avx512";
    default: return "scalar";
  }
}

// One pool per thread count and calling thread, started on first use and
// kept until that thread ends. Per calling thread because a pool runs one
// job at a time: nm_pool_run from two threads at once on one pool (conform
// -j N with one pool per process) overwrites the other's job block and
// pending count, and a case runs with another case's arguments or never
// returns.
nm_pool* pool_for(int threads) {
  struct Free {
    void operator()(nm_pool* p) const { nm_pool_free(p); }
  };
  thread_local std::unique_ptr<nm_pool, Free> pools[5];
  if (threads <= 1) return nullptr;
  auto& p = pools[threads];
  if (!p) p.reset(nm_pool_create(threads));
  return p.get();
}

}  // namespace

bool applies(ImplKind k, TableUse use) {
  switch (k) {
    case ImplKind::engine_scalar:
    case ImplKind::ref_llama2c: return true;
    case ImplKind::engine_sse2:
    case ImplKind::engine_avx2:
    case ImplKind::engine_avx512: return use != TableUse::none;
    case ImplKind::approx_exp_schraudolph:
    case ImplKind::approx_exp_poly5:
    case ImplKind::approx_exp_poly6:
    case ImplKind::approx_rsqrt_0nr:
    case ImplKind::approx_rsqrt_1nr:
    case ImplKind::approx_rsqrt_2nr:
    case ImplKind::approx_silu_tanh:
    case ImplKind::approx_silu_rational: return true;  // narrowed by Impl::kernels
    default: return use == TableUse::split;
  }
}

bool applies(const Impl& i, const std::string& kernel, TableUse use) {
  if (!i.kernels.empty()) return std::find(i.kernels.begin(), i.kernels.end(), kernel) != i.kernels.end();
  return applies(i.kind, use);
}

EngineExec engine_exec(ImplKind k) {
  if (const approx::ApproxImpl* a = approx_of(k)) return {a->table, nullptr, a->silu};
  int threads = threads_of(k);
  nm_pool* pool = pool_for(threads);
  if (threads > 1 && !pool) return {nullptr, nullptr, nm_silu};
  return {nm_kernels_by_name(level_of(k)), pool, nm_silu};
}

std::string unavailable_reason(ImplKind k) {
  if (!is_engine(k) || nm_kernels_by_name(level_of(k))) {
    if (threads_of(k) > 1 && !pool_for(threads_of(k)))
      return "could not start " + std::to_string(threads_of(k)) + " threads";
    return "";
  }
  switch (k) {
    case ImplKind::engine_sse2: return "this CPU lacks sse2";
    case ImplKind::engine_avx2: return "this CPU lacks avx2 (needs AVX2 and FMA)";
    case ImplKind::engine_avx512: return "this CPU lacks avx512 (needs AVX-512 F, BW, VL and VNNI)";
    default: return "not available in this build";
  }
}

}  // namespace nineml::conformance
