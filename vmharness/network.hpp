// The guests' networks, loopback only (docs/LLMFS_9FRONT.md): two 9front
// guests joined by a QEMU socket network on 127.0.0.1, or one guest on QEMU
// user networking with restrict=on whose only way out is a guestfwd address
// relayed to a port on the host's loopback. Each is the QEMU arguments plus
// the rc line that gives the guest its static address.
#pragma once

#include <string>
#include <vector>

namespace nineml::vm {

struct GuestNet {
  std::vector<std::string> qemu_args;  // -netdev/-device or -nic
  std::string setup;                   // the guest's ip/ipconfig line
  std::string address;                 // the guest's IPv4 address
};

// The socket network's two ends: the server guest listens on
// 127.0.0.1:port and is 10.0.0.1, the peer connects and is 10.0.0.2. The
// listener's QEMU must be running before the peer's starts (QEMU connects
// once, at start), and nothing else may connect to the port.
inline constexpr const char* kServerAddress = "10.0.0.1";
inline constexpr const char* kPeerAddress = "10.0.0.2";
GuestNet socket_net_server(int port);
GuestNet socket_net_peer(int port);

// User networking with restrict=on: the guest is 10.0.2.15 and reaches
// tcp!10.0.2.100!564 only; each connection there runs a relay (bash's
// /dev/tcp) to 127.0.0.1:host_port, so every guest connection is its own
// host connection, closed when the guest closes it.
inline constexpr const char* kHostForwardAddress = "10.0.2.100";
GuestNet user_net_forward(int host_port);
// The relay command guestfwd runs (QEMU splits it like a shell, no commas).
std::string relay_command(int host_port);

// A TCP port on 127.0.0.1 that was free a moment ago (bound and released):
// for the socket network's listener. Throws if none can be had.
int free_loopback_port();

}  // namespace nineml::vm
