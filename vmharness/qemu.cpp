#include "qemu.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "console.hpp"
#include "owned.hpp"

namespace nineml::vm {

Accel choose_accel(const std::string& qemu, const std::string& probe_kernel, const std::string& probe_initrd,
                   double deadline, const std::string& run_dir) {
  Accel tcg{{"-accel", "tcg,thread=single", "-cpu", "max"}, "tcg"};
  Accel kvm{{"-accel", "kvm", "-cpu", "host"}, "kvm"};
  const char* force = std::getenv("NINEML_VM_ACCEL");
  if (force && std::string(force) == "tcg") return {tcg.args, "tcg (NINEML_VM_ACCEL=tcg)"};
  if (force && std::string(force) == "kvm") return {kvm.args, "kvm (NINEML_VM_ACCEL=kvm, not probed)"};
  const char* dev = std::getenv("NINEML_VM_KVM_DEVICE");
  if (!dev || !*dev) dev = "/dev/kvm";
  int fd = open(dev, O_RDWR | O_CLOEXEC);
  if (fd < 0) return {tcg.args, std::string("tcg (") + dev + ": " + std::strerror(errno) + ")"};
  close(fd);
  if (probe_kernel.empty()) return {tcg.args, "tcg (/dev/kvm opens, but no probe guest to test it)"};
  std::vector<std::string> argv = {qemu, "-accel", "kvm", "-cpu", "host", "-m", "256", "-nodefaults",
                                   "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
                                   "-kernel", probe_kernel, "-initrd", probe_initrd,
                                   "-append", "console=ttyS0 quiet panic=-1 nineml.mode=probe",
                                   "-name", "guest=9ml-kvm-probe " + run_dir + "/"};
  try {
    Child c(argv);
    c.track(run_dir);
    Console con(c, "$?", {"Kernel panic"});
    Wait w = con.wait_for_any({"__9ML_PROBE_OK__"}, deadline, 0, nullptr);
    c.kill_group();
    if (w == Wait::matched) return kvm;
    std::string last = con.text();
    size_t cut = last.find_last_not_of("\n ");
    last = last.substr(0, cut == std::string::npos ? 0 : cut + 1);
    size_t nl = last.rfind('\n');
    if (nl != std::string::npos) last = last.substr(nl + 1);
    return {tcg.args, std::string("tcg (KVM probe guest: ") + wait_name(w) + (last.empty() ? "" : ": " + last) + ")"};
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    return {tcg.args, std::string("tcg (KVM probe: ") + e.what() + ")"};
  }
}

std::unique_ptr<Child> launch_guest(const std::vector<std::string>& argv, const std::string& run_dir) {
  auto c = std::make_unique<Child>(argv);
  c->track(run_dir);
  return c;
}

}  // namespace nineml::vm
