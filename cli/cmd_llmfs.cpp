// `9ml llmfs`: inference served as a 9P2000 file system (docs/LLMFS.md). The
// server is llmfs/ (portable C, the same as 9front's 6.llmfs); this file is
// its command line: the address, the folders loading may read, the limits.
#include <fmt/core.h>

#include <csignal>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "args.hpp"
#include "commands.hpp"

extern "C" {
#include "llmfs.h"
}

namespace nineml::cli {

namespace {

// The unix socket to remove when a signal ends the server.
char g_socket_path[4096];

void on_signal(int sig) {
  if (g_socket_path[0] != 0) unlink(g_socket_path);
  _exit(128 + sig);
}

// Loopback unless the user names another host: a tcp! address other than
// 127.x, localhost or ::1 needs --any-address (other transports are local,
// or refused by nm_announce).
bool loopback(const std::string& addr) {
  return addr.rfind("tcp!", 0) != 0 || addr.rfind("tcp!127.", 0) == 0 || addr.rfind("tcp!localhost!", 0) == 0 ||
         addr.rfind("tcp!::1!", 0) == 0;
}

}  // namespace

Action add_llmfs(CLI::App& app) {
  struct Opts {
    std::string listen = "tcp!127.0.0.1!5640";
    std::vector<std::string> models;
    std::vector<std::string> load;
    std::vector<std::string> pool_load;
    bool any_address = false;
    lf_limits lim{};
  };
  auto o = std::make_shared<Opts>();
  lf_limits_default(&o->lim);
  auto* sub = app.add_subcommand("llmfs", "Serve inference as a 9P2000 file system (docs/LLMFS.md)");
  sub->add_option("--listen", o->listen, "Dial string: tcp!HOST!PORT or unix!PATH (default tcp!127.0.0.1!5640)")
      ->type_name("ADDR");
  sub->add_flag("--any-address", o->any_address, "Allow a --listen address other than the loopback");
  sub->add_option("--models", o->models, "Folder that load and pool-load may read from (repeatable)")
      ->type_name("DIR");
  sub->add_option("--load", o->load, "Load the default model at start: MODEL TOKENIZER (- for its own vocabulary)")
      ->expected(2)->type_name("MODEL TOKENIZER");
  sub->add_option("--pool-load", o->pool_load, "Load a pool model at start: NAME MODEL TOKENIZER (repeatable)")
      ->expected(3)->type_name("NAME MODEL TOKENIZER");
  integer(sub->add_option("--max-sessions", o->lim.max_sessions, "Sessions open at once (default 64)")
              ->type_name("N"), 1, 100000);
  integer(sub->add_option("--max-prompt", o->lim.max_prompt, "Bytes of one prompt (default 1048576)")
              ->type_name("BYTES"), 1, 1 << 30);
  integer(sub->add_option("--max-steps", o->lim.max_steps, "Steps one generation may ask for (default 65536)")
              ->type_name("N"), 1, 1 << 24);
  unsigned_integer(sub->add_option("--msize", o->lim.msize, "Largest 9P message, 256..16777216 (default 65560)")
                       ->type_name("BYTES"), 1u << 24);
  integer(sub->add_option("--max-models", o->lim.max_models, "Models in the pool at once, 1..256 (default 8)")
              ->type_name("N"), 1, 256);
  unsigned_integer(sub->add_option("--max-bytes", o->lim.max_bytes, "Bytes the pool may hold, 0: no limit (default)")
                       ->type_name("BYTES"));
  integer(sub->add_option("--max-connections", o->lim.max_connections, "Clients connected at once (default 32)")
              ->type_name("N"), 1, 4096);
  integer(sub->add_option("--threads", o->lim.threads, "Workers of one generation's products (default 1)")
              ->type_name("N"), 1, 256);
  return [o]() -> int {
    if (o->lim.msize < 256) throw UsageError(fmt::format("--msize {}: expected an integer in 256..16777216", o->lim.msize));
    if (!loopback(o->listen) && !o->any_address)
      throw UsageError("--listen " + o->listen + ": not a loopback address; add --any-address to serve other hosts");
    char err[1024];
    std::unique_ptr<lf_server, void (*)(lf_server*)> s(lf_server_new(&o->lim, err, sizeof err), lf_server_free);
    if (!s) throw std::runtime_error(err);
    for (const auto& d : o->models)
      if (lf_server_allow(s.get(), d.c_str(), err, sizeof err) != 0) throw std::runtime_error("--models " + std::string(err));
    if (!o->load.empty() &&
        lf_server_ctl(s.get(), ("load " + o->load[0] + " " + o->load[1]).c_str(), err, sizeof err) != 0)
      throw std::runtime_error("--load: " + std::string(err));
    for (size_t i = 0; i + 2 < o->pool_load.size(); i += 3) {
      std::string cmd = "pool-load " + o->pool_load[i] + " " + o->pool_load[i + 1] + " " + o->pool_load[i + 2];
      if (lf_server_ctl(s.get(), cmd.c_str(), err, sizeof err) != 0) throw std::runtime_error("--pool-load: " + std::string(err));
    }
    int l = nm_announce(o->listen.c_str(), err, sizeof err);
    if (l < 0) throw std::runtime_error("--listen " + std::string(err));
    char bound[512];
    nm_announced(l, bound, sizeof bound);
    if (o->listen.rfind("unix!", 0) == 0) {
      std::string path = o->listen.substr(5);
      snprintf(g_socket_path, sizeof g_socket_path, "%s", path.c_str());
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
    fmt::print(stderr, "9ml llmfs: serving on {}\n", bound);
    std::fflush(stderr);
    lf_serve(s.get(), l, err, sizeof err);
    nm_announce_close(l);
    throw std::runtime_error(std::string("--listen: ") + err);
  };
}

}  // namespace nineml::cli
