// The component-test contract for external ports (docs/CHECK_PORT.md,
// "Kernels"): a port that reads one case's .npy inputs and writes its .npy
// outputs is judged per kernel case by the kernel's own comparator and
// derived bound, like any implementation.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "report.hpp"

namespace nineml::cli::port {

struct KernelRun {
  std::vector<std::string> words;  // the template (split_template), argv[0] resolved
  std::string impl;                // external:NAME
  std::string dir;                 // cases go under DIR/kernels/
  double timeout = 60;
  uint64_t seed = 1;
  // The `9ml check-port` line that re-runs one case (its key).
  std::function<std::string(const std::string&)> repro;
};

// Every case of the named kernels (`9ml conform --kernel`'s selection;
// --case's keys select cases): DIR/kernels/NNNN/in/NAME.npy and case.json written, the port run with
// {kernel} {case} {inputs} {outputs}, out0.npy, out1.npy, ... read back,
// decoded and judged. A crash, timeout, non-zero exit or missing output
// fails the case with the reason; `problems` gets the first such line.
// `cases` (keys), when given, selects exactly those cases.
std::vector<report::CaseResult> run_kernel_cases(const KernelRun& k, const std::vector<std::string>& kernels,
                                                 const std::vector<std::string>& cases,
                                                 std::vector<std::string>* problems);

}  // namespace nineml::cli::port
