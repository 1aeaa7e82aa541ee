#include "peer.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "network.hpp"

namespace nineml::vm {

PeerResult run_peer(const GuestOptions& base, int port, const std::vector<std::string>& commands) {
  PeerResult r;
  GuestOptions o = base;
  o.smp = 1;  // 9front idles only on one CPU (docs/VMHARNESS.md, "Two boots")
  o.shared_image = kPeerImage;
  o.collect_dir = kPeerCollectDir;
  GuestNet net = socket_net_peer(port);
  o.qemu_args.insert(o.qemu_args.end(), net.qemu_args.begin(), net.qemu_args.end());
  o.setup = {net.setup};
  std::filesystem::create_directories(o.run_dir + "/" + kPeerCollectDir);
  std::unique_ptr<Guest> g = make_9front_guest(o);
  auto t0 = std::chrono::steady_clock::now();
  Fault dead = g->start();
  std::fprintf(stderr, "9ml vm: peer boot (%s): %.1f s%s\n", kPeerAddress,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
               dead.any() ? (" -- " + dead.text()).c_str() : "");
  if (dead.any()) r.faults.push_back({dead.kind, "peer: " + dead.detail});
  for (const auto& cmd : commands) {
    if (dead.any()) {
      r.faults.push_back({dead.kind, "peer: " + cmd + ": not run"});
      continue;
    }
    double secs = 0;
    Fault f = g->run_after(cmd, &secs);
    std::fprintf(stderr, "9ml vm: peer after: %s  %.2f s  %s\n", cmd.c_str(), secs, f.any() ? f.text().c_str() : "ok");
    if (f.any()) {
      if (f.kind != "command_failed") dead = f;
      r.faults.push_back({f.kind, "peer: " + f.detail});
    }
  }
  Fault fin = g->finish();
  if (fin.any() && fin.text() != dead.text()) r.faults.push_back({fin.kind, "peer: " + fin.detail});
  for (const auto& f : r.faults) r.interrupted |= f.kind == "interrupted";
  r.log = g->log();
  return r;
}

}  // namespace nineml::vm
