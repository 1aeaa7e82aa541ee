#include "impl.hpp"

namespace nineml::conformance {

const std::vector<Impl>& impls() {
  static const std::vector<Impl> all = {
      {"engine-scalar", ImplKind::engine_scalar, true, "bit-exact with ref-llama2c"},
      {"ref-llama2c", ImplKind::ref_llama2c, false, ""},
  };
  return all;
}

const Impl* find_impl(const std::string& name) {
  for (const auto& i : impls())
    if (i.name == name) return &i;
  return nullptr;
}

}  // namespace nineml::conformance
