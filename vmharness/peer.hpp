// The peer: a second 9front guest on the socket network of the first
// (network.hpp), booted once the first one serves, which runs its own
// command lines (--peer-after) in its own copy of the share and halts.
// Files its commands write to after/ come back in RUN_DIR/collected/peer/.
#pragma once

#include <string>
#include <vector>

#include "guest.hpp"

namespace nineml::vm {

inline constexpr const char* kPeerImage = "peer.img";          // in the run dir: a copy of the fresh shared.img
inline constexpr const char* kPeerCollectDir = "collected/peer";

struct PeerResult {
  std::vector<Fault> faults;   // boot, network, each failed or unrun command, halt; empty: all ran
  bool interrupted = false;    // the host run was interrupted meanwhile
  std::string log;             // its console
};

// `base`: the first guest's options without its network (image, kernel,
// QEMU, timeouts, run dir); `port`:
// the socket network's port, whose listener (the first guest's QEMU) runs.
// Prints its progress lines as 9ml vm does.
PeerResult run_peer(const GuestOptions& base, int port, const std::vector<std::string>& commands);

}  // namespace nineml::vm
