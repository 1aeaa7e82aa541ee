// impl= names to implementations: "engine-<level>" for every kernel table
// the engine has on this build and CPU (nm_kernels_by_name), and the
// reference's two modes.
#include "impl_select.hpp"

#include "arrays.hpp"

namespace p9ml {

namespace {

// Levels in docs/SIMD.md's order; a level this build or CPU lacks is absent.
std::vector<const nm_kernel_table*> engine_tables() {
  std::vector<const nm_kernel_table*> out;
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"})
    if (const nm_kernel_table* t = nm_kernels_by_name(level)) out.push_back(t);
  return out;
}

}  // namespace

std::vector<std::string> impl_names() {
  std::vector<std::string> out;
  for (const nm_kernel_table* t : engine_tables()) out.push_back(std::string("engine-") + t->name);
  out.push_back("ref-llama2c");
  out.push_back("ref-exact");
  return out;
}

ImplChoice select_impl(const std::string& name, const std::string& kernel) {
  for (const nm_kernel_table* t : engine_tables())
    if (name == std::string("engine-") + t->name) return {ImplChoice::engine, t, name};
  if (name == "ref-llama2c") return {ImplChoice::ref_llama2c, nullptr, name};
  if (name == "ref-exact") return {ImplChoice::ref_exact, nullptr, name};
  std::string known;
  for (const auto& n : impl_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueErr(kernel + ": unknown impl '" + name + "' (known: " + known + ")");
}

}  // namespace p9ml
