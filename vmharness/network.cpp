#include "network.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace nineml::vm {

namespace {

GuestNet socket_end(const std::string& how, int port, const char* mac, const char* address) {
  GuestNet n;
  n.qemu_args = {"-netdev", "socket,id=n0," + how + "=127.0.0.1:" + std::to_string(port), "-device",
                 std::string("e1000,netdev=n0,mac=") + mac};
  n.setup = std::string("ip/ipconfig ether /net/ether0 ") + address + " 255.255.255.0";
  n.address = address;
  return n;
}

}  // namespace

// Different MACs: QEMU gives every guest 52:54:00:12:34:56 otherwise.
GuestNet socket_net_server(int port) { return socket_end("listen", port, "52:54:00:00:00:01", kServerAddress); }
GuestNet socket_net_peer(int port) { return socket_end("connect", port, "52:54:00:00:00:02", kPeerAddress); }

std::string relay_command(int host_port) {
  // When the guest closes, the first cat ends and the other is killed, so
  // the host's server sees the connection end.
  return "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(host_port) +
         " || exit 1; cat <&3 & r=$!; cat >&3; kill $r'";
}

GuestNet user_net_forward(int host_port) {
  if (host_port < 1 || host_port > 65535) throw std::runtime_error("guestfwd port " + std::to_string(host_port) + " out of range");
  GuestNet n;
  n.qemu_args = {"-nic", "user,model=e1000,restrict=on,guestfwd=tcp:" + std::string(kHostForwardAddress) +
                             ":564-cmd:" + relay_command(host_port)};
  n.setup = "ip/ipconfig -g 10.0.2.2 ether /net/ether0 10.0.2.15 255.255.255.0";
  n.address = "10.0.2.15";
  return n;
}

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int e = errno;
    close(fd);
    throw std::runtime_error(std::string("no free port on 127.0.0.1: ") + std::strerror(e));
  }
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace nineml::vm
