// `9ml vm`: run the component tests in a guest (or on the host, out of
// process) and judge them with the one comparator (docs/VMHARNESS.md).
#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "runner.hpp"
#include "session.hpp"

namespace nineml::cli {

// The numeric options' ranges (docs/VMHARNESS.md, "Numeric options"), checked
// strictly by cli/args before CLI11 converts: nan, inf, -1, 1e400, 12abc are
// one line naming the option, exit 2. Seconds: the waits count whole
// milliseconds in an int, so 1 ms to one day.
constexpr double kMinSeconds = 0.001, kMaxSeconds = 86400;

Action add_vm(CLI::App& app) {
  auto o = std::make_shared<vm::VmOptions>();
  auto kernels = std::make_shared<std::vector<std::string>>();
  auto cases = std::make_shared<std::vector<std::string>>();
  // In the build tree, wherever 9ml is started from (not ./build/vm-run).
  o->guest.run_dir = NINEML_VM_RUN;
  o->guest.ct_dir = NINEML_CT_DIR;
  o->guest.cache_dir = NINEML_VM_CACHE;
  o->source_dir = NINEML_SOURCE_DIR;
  auto* sub = app.add_subcommand("vm", "Boot a guest, build and run the component tests in it, judge and report");
  sub->add_option("--guest", o->guest.guest, "host | linux | 9front")
      ->required()
      ->check(CLI::IsMember({"host", "linux", "9front"}));
  sub->add_option("--image", o->guest.image, "9front disk image (qcow2 or raw); always run with -snapshot")
      ->type_name("PATH");
  sub->add_option("--kernel-file", o->guest.kernel, "9front: boot this kernel file with QEMU's -kernel")->type_name("PATH");
  sub->add_option("--append", o->guest.append, "9front: -append ARGS for --kernel-file")->type_name("ARGS");
  sub->add_option("--qemu-arg", o->guest.qemu_args, "Extra QEMU argument (repeatable)")->type_name("ARG");
  sub->add_option("--qemu", o->guest.qemu, "Emulator to run (default qemu-system-x86_64; tests pass the fake 9front console)")
      ->type_name("PROG");
  sub->add_option("--kernel", *kernels, "Only this conformance kernel (repeatable)")->type_name("K");
  sub->add_option("--case", *cases, "Only this case key (repeatable)")->type_name("KEY");
  unsigned_integer(sub->add_option("--seed", o->selection.seed, "Global seed, 0 to 2^64-1 (default 1)"))
      ->type_name("S");
  unsigned_integer(sub->add_option("--max-input-bytes", o->max_input_bytes,
                                   "Leave out cases whose inputs exceed this many bytes, 0 to 2^40 (default 262144; "
                                   "0 = all)"),
                   1ULL << 40)
      ->type_name("N");
  sub->add_option("--out", o->out, "Report directory (report.json, junit.xml, summary.md, index.html, console.log)")
      ->type_name("DIR");
  sub->add_option("--run-dir", o->guest.run_dir, "Scratch directory: shared disk, pidfile (default: vm-run in the build tree)")
      ->type_name("DIR");
  sub->add_option("--cache-dir", o->guest.cache_dir, "Linux guest kernel and initramfs cache")->type_name("DIR");
  sub->add_option("--component-dir", o->guest.ct_dir, "Host-built component tests")->type_name("DIR");
  real(sub->add_option("--boot-timeout", o->guest.boot_timeout, "Seconds to reach the shell, 0.001 to 86400 (default 180)"),
       kMinSeconds, kMaxSeconds)
      ->type_name("S");
  real(sub->add_option("--test-timeout", o->guest.test_timeout, "Seconds per component test, 0.001 to 86400 (default 300)"),
       kMinSeconds, kMaxSeconds)
      ->type_name("S");
  real(sub->add_option("--build-timeout", o->guest.build_timeout,
                       "9front: seconds for mk lib tools component, 0.001 to 86400 (default 900)"),
       kMinSeconds, kMaxSeconds)
      ->type_name("S");
  integer(sub->add_option("--smp", o->guest.smp,
                          "Guest CPUs, 1 to 64 (default 4: the pool-dispatched kernels also run on 2-4 workers)"),
          1, 64)
      ->type_name("N");
  sub->add_option("--inject", o->guest.inject,
                  "Produce a fault on purpose: fault:crash|hang|truncate|nooutput|badsum (in the tests), "
                  "ulp:KERNEL (one ULP added to KERNEL's outputs on the SIMD levels), "
                  "panic|poweroff|boot-timeout|qemu-exit (linux guest)")
      ->type_name("FAULT");
  sub->add_option("--source", o->source_dir, "9front: the checkout whose engine/, conformance/component/ and mkfile "
                                            "are built in the guest (default: this build's)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory);
  sub->add_option("--kernel-flavor", o->guest.kernel_flavor,
                  "linux: cloud (default; Debian's cloud kernel, downloaded into --cache-dir) | standard (Debian's "
                  "standard kernel with 9P, from the .deb scripts/install-deps.sh put in /var/cache/9ml/linux-image)")
      ->type_name("F");
  sub->add_option("--llmfs-socket", o->guest.llmfs_socket,
                  "linux standard: connect the guest's virtio-serial port \"llmfs\" (/dev/virtio-ports/llmfs) to "
                  "this unix socket (9ml llmfs --listen unix!PATH); no network")
      ->type_name("PATH");
  sub->add_option("--put", o->put, "Copy this file or folder into the share's put/ (repeatable)")->type_name("PATH");
  sub->add_option("--after", o->after,
                  "A command line to run in the guest's share after the tests (repeatable; rc on 9front); "
                  "files it writes to after/ are collected into RUN_DIR/collected/after")
      ->type_name("CMD");
  integer(sub->add_option("--guestfwd", o->guestfwd_port,
                          "9front: a user-mode NIC (restrict=on; the guest is 10.0.2.15) whose only way out is "
                          "tcp!10.0.2.100!564, relayed to the host's 127.0.0.1:PORT, 1 to 65535"),
          1, 65535)
      ->type_name("PORT");
  sub->add_option("--peer-after", o->peer_after,
                  "9front: after the --after commands, boot a second 9front guest (10.0.0.2) on a socket network "
                  "with this one (10.0.0.1) and run this rc line in its share (repeatable); its after/ is collected "
                  "into RUN_DIR/collected/peer/after")
      ->type_name("CMD");
  sub->add_option("--after-case", o->after_case,
                  "Report the --after and --peer-after commands as one case KERNEL/NAME of the report (passed when "
                  "every one exits with an ok status), beside the kernels' cases")
      ->type_name("KERNEL/NAME");
  sub->add_flag("--bench", o->bench,
                "9front: also mk bench and run 6.bench (decode tok/s per kernel level and thread count, per-kernel "
                "rates, the ratios) on the --smp boot; writes OUT/bench.json, marked emulated under TCG");
  sub->add_option("--bench-args", o->bench_args, "9front --bench: more arguments for 6.bench (e.g. '--shape tiny "
                                                  "--steps 4')")
      ->type_name("ARGS");
  sub->add_flag("--verbose", o->guest.verbose, "More progress lines");
  sub->footer(
      "Exit status: 0 all passed, 1 a case failed or a fault occurred, 2 the harness could not run (bad options, "
      "a run-dir entry it did not make), 128+N ended by signal N (SIGINT 130, SIGTERM 143, SIGHUP 129).");
  return [o, kernels, cases]() {
    conformance::check_kernel_names(*kernels);  // the message of 9ml conform --kernel, exit 2
    o->selection.kernels = *kernels;
    o->selection.case_keys = *cases;
    std::string command = "9ml vm --guest " + o->guest.guest;
    if (!o->guest.image.empty()) command += " --image " + o->guest.image;
    if (o->guest.kernel_flavor != "cloud") command += " --kernel-flavor " + o->guest.kernel_flavor;
    if (!o->guest.llmfs_socket.empty()) command += " --llmfs-socket " + o->guest.llmfs_socket;
    for (const auto& k : *kernels) command += " --kernel " + k;
    for (const auto& c : *cases) command += " --case " + c;
    if (!o->guest.inject.empty()) command += " --inject " + o->guest.inject;
    if (o->bench) command += " --bench";
    if (!o->bench_args.empty()) command += " --bench-args '" + o->bench_args + "'";
    return vm::run_vm(*o, command);
  };
}

}  // namespace nineml::cli
