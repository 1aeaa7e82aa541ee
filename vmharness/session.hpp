// `9ml vm`: plan, share, boot, build, run, collect, shut down, judge, report.
#pragma once

#include <string>
#include <vector>

#include "guest.hpp"
#include "runner.hpp"

namespace nineml::vm {

struct VmOptions {
  GuestOptions guest;
  conformance::Selection selection;
  size_t max_input_bytes = 256 * 1024;  // per case; 0 = no limit
  std::string out = "reports/vm";       // report directory (plus console.log)
  std::string source_dir;               // the checkout (9front builds from it)
  std::vector<std::string> put;         // files/folders copied into the share's put/
  std::vector<std::string> after;       // command lines run in the guest after the tests
  // 9front networks (network.hpp), loopback only:
  int guestfwd_port = 0;                // > 0: user networking, restrict=on, tcp!10.0.2.100!564 -> 127.0.0.1:PORT
  std::vector<std::string> peer_after;  // non-empty: a peer guest on a socket network runs these after `after`
  std::string after_case;               // KERNEL/NAME: the after and peer commands reported as that one case
  // 9front: mk bench too, run 6.bench on the last boot (--smp CPUs), write
  // OUT/bench.json (docs/PERFORMANCE.md, "In 9front").
  bool bench = false;
  std::string bench_args;               // more arguments for 6.bench (--shape tiny --steps 4 ...)
};

// Returns the exit status: 0 every case passed, 1 a case failed or a fault
// occurred, 2 the harness could not run. Throws on bad options.
int run_vm(const VmOptions& o, const std::string& command);

}  // namespace nineml::vm
