// A guest the component tests run in: the host itself, a Linux guest in
// QEMU, or 9front in QEMU (or the fake 9front console in its place).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace nineml::vm {

// A named failure (docs/VMHARNESS.md, "Faults"); kind empty = none.
struct Fault {
  // boot_timeout, mount_failed, build_failed, build_timeout, guest_panic, test_crash, test_hang,
  // qemu_exited, interrupted, halt_failed, collect_failed, harness_error
  std::string kind;
  std::string detail;  // one line
  bool any() const { return !kind.empty(); }
  std::string text() const { return kind.empty() ? "" : "fault " + kind + ": " + detail; }
};

struct GuestOptions {
  std::string guest;                   // host | linux | 9front
  std::string image;                   // 9front disk image (always -snapshot)
  std::string kernel, append;          // optional -kernel/-append for 9front
  std::vector<std::string> qemu_args;  // extra QEMU arguments
  std::string qemu = "qemu-system-x86_64";  // or the fake console
  std::string run_dir;                 // pidfile, image, logs
  std::string shared_image = "shared.img";  // the shared disk, in run_dir
  std::string collect_dir = "collected";    // where its folders come back, in run_dir
  std::vector<std::string> setup;      // 9front: rc lines run once the share is mounted (the network address)
  std::string share_dir;               // what goes on the shared disk
  std::string ct_dir;                  // host-built component tests
  std::string cache_dir;               // kernel .deb, initramfs
  std::string inject;                  // fault to produce on purpose (tests)
  std::string build_targets = "lib tools component";  // 9front: what mk builds (--bench adds bench)
  double boot_timeout = 180, test_timeout = 300, build_timeout = 900;
  int smp = 4;                         // guest CPUs (the thread cases run 1-4 workers)
  std::string kernel_flavor = "cloud"; // linux: cloud | standard (docs/VMHARNESS.md)
  std::string llmfs_socket;            // linux standard: the host's llmfs unix socket, as the port "llmfs"
  bool verbose = false;
};

// One run of a component-test program over its list.
struct TestRun {
  std::string program;       // "ct_matmul"
  std::string out = "out";   // output directory on the share
  int threads = 0;           // > 0: the program dispatches on this many workers ("threads:N")
  std::string simd;          // a kernel-table level ("simd:LEVEL"), "" for scalar
  std::string list;          // the list file's name in lists/ ("" for the program's)
  std::string label() const {
    std::string l = program;
    if (!simd.empty()) l += " simd:" + simd;
    if (threads > 0) l += " threads:" + std::to_string(threads);
    return l;
  }
  // The arguments after the program name; `inject` is a "fault:KIND" to
  // pass on, a "ulp:KERNEL" for the runs on a SIMD level, or "".
  std::vector<std::string> args(const std::string& inject) const {
    std::vector<std::string> a = {"lists/" + (list.empty() ? program : list) + ".txt", "in", out};
    if (threads > 0) a.push_back("threads:" + std::to_string(threads));
    if (!simd.empty()) a.push_back("simd:" + simd);
    if (inject.starts_with("fault:") || (inject.starts_with("ulp:") && !simd.empty())) a.push_back(inject);
    return a;
  }
};

class Guest {
 public:
  virtual ~Guest() = default;
  virtual std::string impl_name() const = 0;   // "guest:linux"
  virtual std::string accel() const { return "none"; }  // "kvm", "tcg (...)"
  virtual Fault start() = 0;                   // boot to a shell, shared disk mounted
  virtual Fault build() { return {}; }         // 9front: mk
  // Runs one program over its list; *seconds its wall time.
  virtual Fault run_test(const TestRun& t, double* seconds) = 0;
  // Runs a user's command line in the share's root after the tests (--after);
  // its files in after/ come back with the outputs.
  virtual Fault run_after(const std::string& cmd, double* seconds) = 0;
  virtual Fault finish() = 0;                  // unmount, halt, outputs on the host
  virtual std::string log() const = 0;         // the whole console
  // The host directory that holds each run's output directory (TestRun::out) after finish().
  virtual std::string out_root() const = 0;
};

std::unique_ptr<Guest> make_host_guest(const GuestOptions& o);
std::unique_ptr<Guest> make_linux_guest(const GuestOptions& o);
std::unique_ptr<Guest> make_9front_guest(const GuestOptions& o);

// The fault a program's run ended with, from a command's status line and
// output (shared by the guests): "" exit status is success.
Fault classify_test_end(const std::string& program, const std::string& status, const std::string& output,
                        bool plan9);

}  // namespace nineml::vm
