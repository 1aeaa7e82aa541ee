// The implementation a kernel call runs on, from its impl= name:
//   "engine-scalar" (and "engine-<table>" for every kernel table the engine
//   provides), "ref-llama2c", "ref-exact".
#pragma once

#include <string>
#include <vector>

extern "C" {
#include "kernel_table.h"
}

namespace p9ml {

struct ImplChoice {
  enum Kind { engine, ref_llama2c, ref_exact } kind;
  const nm_kernel_table* table;  // engine only
  std::string name;
};

// Throws ValueErr naming `kernel`, the bad name and the known names.
ImplChoice select_impl(const std::string& name, const std::string& kernel);
// Every accepted name, engine tables first.
std::vector<std::string> impl_names();

}  // namespace p9ml
