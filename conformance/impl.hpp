// The implementations ("backends") every case runs on.
#pragma once

#include <string>
#include <vector>

namespace nineml::conformance {

enum class ImplKind {
  engine_scalar,  // engine/ scalar C kernels
  ref_llama2c,    // reference/ in llama2c mode (the compatibility anchor)
};

struct Impl {
  std::string name;
  ImplKind kind;
  // Engine implementations are subject to fault injection.
  bool is_engine;
  // Non-empty: the implementation must also be bit-identical to ref-llama2c
  // (same operation order; the scalar path's contract in ARCHITECTURE.md).
  std::string contract;
};

const std::vector<Impl>& impls();
const Impl* find_impl(const std::string& name);  // nullptr if unknown

}  // namespace nineml::conformance

namespace nineml::conformance {
// Fault injection and guard zones apply to the engine's implementations.
inline bool is_engine(ImplKind k) { return k != ImplKind::ref_llama2c; }
}  // namespace nineml::conformance
