// QEMU's accelerator, chosen at run time: KVM when /dev/kvm opens and a short
// probe guest boots with it, else TCG; and the launch of a guest with its
// pidfile recorded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace nineml::vm {

struct Accel {
  std::vector<std::string> args;  // "-accel", "kvm", "-cpu", "host" | "-accel", "tcg", "-cpu", "max"
  std::string description;        // "kvm" or "tcg (why not kvm)"
};

// probe_kernel/probe_initrd: a Linux guest whose init prints
// __9ML_PROBE_OK__ when the kernel command line has nineml.mode=probe
// (empty: KVM cannot be probed, TCG is used). NINEML_VM_ACCEL=tcg|kvm forces.
// The probe's QEMU is in run_dir/qemu.pid while it runs and names run_dir on
// its command line (-name), so a later run can reap it. The KVM device is
// NINEML_VM_KVM_DEVICE if set (tests: a probe without KVM), else /dev/kvm.
Accel choose_accel(const std::string& qemu, const std::string& probe_kernel, const std::string& probe_initrd,
                   double deadline_seconds, const std::string& run_dir);

// Starts QEMU (or the fake console) with its pid in run_dir/qemu.pid until
// it is reaped.
std::unique_ptr<Child> launch_guest(const std::vector<std::string>& argv, const std::string& run_dir);

}  // namespace nineml::vm
