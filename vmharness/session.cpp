#include "session.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "bench.hpp"
#include "console.hpp"
#include "disk.hpp"
#include "linux_image.hpp"
#include "network.hpp"
#include "owned.hpp"
#include "peer.hpp"
#include "plan.hpp"
#include "environment.hpp"
#include "kernel_table.h"
#include "report.hpp"

namespace nineml::vm {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_signal{0};  // the signal that interrupted the run
void on_signal(int sig) {
  g_signal = sig;
  g_interrupted = true;
}

// For the run: SIGINT, SIGTERM and SIGHUP end the children and the run
// (exit 128 + signal); SIGPIPE is ignored, so that a closed pipe is an error
// return, never a death that leaves the emulator behind. The previous
// dispositions come back at the end.
class SignalScope {
 public:
  SignalScope() {
    g_interrupted = false;
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: waits return at once
    for (int i = 0; i < 3; i++) sigaction(kSignals[i], &sa, &old_[i]);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe_);
  }
  ~SignalScope() {
    for (int i = 0; i < 3; i++) sigaction(kSignals[i], &old_[i], nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3] {};
  struct sigaction old_pipe_ {};
};

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

// One run per run dir at a time (a second one would reap the first one's
// QEMU and empty its share): an flock on the folder, gone with the process.
class RunDirLock {
 public:
  explicit RunDirLock(const std::string& dir) {
    fd_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw UsageError("--run-dir: " + dir + ": " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0)
      throw UsageError("--run-dir: " + dir + " is in use by another 9ml vm; wait for it or choose another --run-dir");
  }
  ~RunDirLock() { close(fd_); }
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  int fd_ = -1;
};

// The run dir as an absolute path without a trailing slash: it is how the
// pidfile recognises our emulators (RUN_DIR/ in their command lines).
std::string absolute_dir(const std::string& d) {
  std::string a = fs::absolute(d).lexically_normal().string();
  while (a.size() > 1 && a.back() == '/') a.pop_back();
  return a;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Kernels whose engine code calls libm: on 9front that is Plan 9's double
// libm rounded to float, so only the error bound applies there.
bool uses_libm(const std::string& k) {
  static const std::set<std::string> s = {"rmsnorm", "softmax", "rope", "attention", "silu", "swiglu", "sample"};
  return s.count(k) > 0;
}

// The thread counts the pool-dispatched programs run on besides 1 worker.
constexpr int kThreadCounts[] = {2, 3, 4};

// The kernel-table levels besides scalar a guest's programs also run on
// (simd:LEVEL), and the programs that call the table: 9front's plan9-sse2,
// and on the host the sse2 level it follows (docs/PLAN9_SUBSET.md compares
// the two). The Linux guest runs the host's build under TCG: scalar only.
std::vector<std::string> simd_levels(const std::string& guest) {
  if (guest == "9front") return {"plan9-sse2"};
  if (guest == "host" && nm_kernels_by_name("sse2") != nullptr) return {"sse2"};
  return {};
}

// Kernels whose table entries are not bit-exact with scalar on some level
// (docs/SIMD.md: other summation order, FMA, vector exp): judged by their
// bound only on a level; the others keep scalar's contract there.
bool reordered_on_level(const std::string& k) {
  static const std::set<std::string> s = {"matmul_f32", "rmsnorm", "softmax", "attention", "swiglu",
                                          "matmul_f16", "matmul_bf16"};
  return s.count(k) > 0;
}

// The output folder and implementation-name suffix of a run.
std::string run_suffix(const std::string& simd, int threads) {
  std::string s = simd.empty() ? "" : "-" + simd;
  return threads > 0 ? s + "-t" + std::to_string(threads) : s;
}

// "" if case c wrote the same bytes into both output folders, else why not.
std::string same_bits(const PlannedCase& c, const fs::path& a, const fs::path& b) {
  for (int k = 0;; k++) {
    std::string name = case_file(c.id, c.id + "-out" + std::to_string(k) + ".npy");
    std::ifstream fa(a / name, std::ios::binary), fb(b / name, std::ios::binary);
    if (!fa && !fb) return k == 0 ? "output 0 missing in both" : "";
    if (!fa || !fb) return "output " + std::to_string(k) + " missing in " + (fa ? b : a).filename().string();
    std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
    if (sa != sb)
      return "output " + std::to_string(k) + " is not bit-identical to 1 worker's (" + b.filename().string() + " vs " +
             a.filename().string() + ")";
  }
}

// The one result a run whose build failed reports, instead of a failure per case.
report::CaseResult build_result(const std::string& impl, const Fault& f) {
  report::CaseResult r;
  r.kernel = "build";
  r.impl = impl;
  r.case_id = "build/mk";
  r.repro = "mk lib tools component";
  r.passed = false;
  r.failure = f.text();
  r.ulp_histogram.assign(report::kUlpBins, 0);
  return r;
}

// --after-case KERNEL/NAME: the --after and --peer-after commands as one
// case of the report, so a guest-side check (llmfs's sessions in 9front)
// sits in report.json and junit.xml beside the kernels' cases. It passes
// when every command ended with an ok status; its failure is the first
// fault (a later one usually follows from it).
report::CaseResult after_result(const std::string& name, const std::string& impl, const VmOptions& o,
                                const std::vector<Fault>& faults) {
  report::CaseResult r;
  r.kernel = name.substr(0, name.find('/'));
  r.impl = impl;
  r.case_id = name;
  std::string cmds;
  for (const auto& c : o.after) cmds += (cmds.empty() ? "" : "; ") + c;
  for (const auto& c : o.peer_after) cmds += (cmds.empty() ? "" : "; ") + ("peer: " + c);
  r.repro = cmds;
  r.contract = "every command exits with an ok status";
  r.passed = faults.empty();
  if (!faults.empty())
    r.failure = faults.front().text() +
                (faults.size() > 1 ? " (and " + std::to_string(faults.size() - 1) + " later faults)" : "");
  r.ulp_histogram.assign(report::kUlpBins, 0);
  return r;
}

// A guest file named so that two runs' guests can be told apart without
// hashing a gigabyte: its path, size and modification time.
std::string file_identity(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return path + " (unreadable)";
  struct stat st;
  char when[32] = "?";
  if (::stat(path.c_str(), &st) == 0) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&st.st_mtime));
  return fs::absolute(path).lexically_normal().string() + " (" + std::to_string(size) + " bytes, modified " + when + ")";
}

void copy_tree(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace

namespace {

int run(const VmOptions& o, const std::string& command) {
  auto t0 = std::chrono::steady_clock::now();
  GuestOptions g = o.guest;
  g.run_dir = absolute_dir(g.run_dir);
  if (g.guest != "host" && g.run_dir.find(',') != std::string::npos)
    throw UsageError("--run-dir: " + g.run_dir + " has a comma, which QEMU's -drive option cannot take");
  if (!valid_kernel_flavor(g.kernel_flavor))
    throw UsageError("--kernel-flavor " + g.kernel_flavor + ": expected cloud or standard");
  if (g.guest != "linux" && g.kernel_flavor != "cloud")
    throw UsageError("--kernel-flavor " + g.kernel_flavor + ": only the linux guest has kernel flavors");
  if (!g.llmfs_socket.empty()) {
    if (g.guest != "linux" || g.kernel_flavor != "standard")
      throw UsageError("--llmfs-socket needs --guest linux --kernel-flavor standard (the cloud kernel has no 9P)");
    std::error_code ec;
    if (fs::status(g.llmfs_socket, ec).type() != fs::file_type::socket)
      throw UsageError("--llmfs-socket " + g.llmfs_socket +
                       ": not a listening unix socket (start `9ml llmfs --listen unix!PATH` first)");
    g.llmfs_socket = fs::absolute(g.llmfs_socket).string();
  }
  fs::create_directories(g.run_dir);
  RunDirLock lock(g.run_dir);
  // A crashed (SIGKILLed) earlier run's emulators first, whatever this run does.
  for (const auto& line : PidFile(g.run_dir).reap_stale()) std::fprintf(stderr, "9ml vm: %s\n", line.c_str());
  // Only what this tool made is emptied or replaced (docs/VMHARNESS.md): check all, then reset.
  g.share_dir = g.run_dir + "/share";
  const std::string collected = g.run_dir + "/collected", image = g.run_dir + "/shared.img";
  check_owned_dir(g.share_dir, "--run-dir");
  check_owned_dir(collected, "--run-dir");
  if (g.guest != "host") check_our_image(image);
  const bool peer = !o.peer_after.empty();
  if ((peer || o.guestfwd_port > 0) && g.guest != "9front")
    throw UsageError(std::string(peer ? "--peer-after" : "--guestfwd") + " needs --guest 9front");
  if (peer && o.guestfwd_port > 0) throw UsageError("--peer-after and --guestfwd cannot be combined (one network per guest)");
  if (peer) check_our_image(g.run_dir + "/" + kPeerImage);
  if (!o.after_case.empty()) {
    const size_t slash = o.after_case.find('/');
    if (slash == 0 || slash == std::string::npos || slash + 1 == o.after_case.size() ||
        o.after_case.find_first_of(" \t\n,") != std::string::npos)
      throw UsageError("--after-case " + o.after_case + ": want KERNEL/NAME (no spaces or commas)");
    if (o.after.empty() && !peer) throw UsageError("--after-case needs --after or --peer-after commands");
  }
  if (o.bench && g.guest != "9front") throw UsageError("--bench needs --guest 9front");
  if (!o.bench_args.empty() && !o.bench) throw UsageError("--bench-args needs --bench");
  if (o.bench_args.find_first_of("\r\n") != std::string::npos) throw UsageError("--bench-args: one line only");
  if (o.bench) g.build_targets += " bench";
  if (g.guest == "linux") check_linux_cache(g.cache_dir, g.kernel_flavor);
  reset_owned_dir(g.share_dir, "--run-dir");
  reset_owned_dir(collected, "--run-dir");

  Plan plan = make_plan(o.selection, o.max_input_bytes);
  std::fprintf(stderr, "9ml vm: %zu cases in %zu programs", plan.cases.size(), plan.by_program.size());
  if (plan.skipped_large) std::fprintf(stderr, " (%zu cases over the %zu-byte input budget left out)", plan.skipped_large, o.max_input_bytes);
  std::fprintf(stderr, "\n");
  for (const auto& k : plan.not_covered) std::fprintf(stderr, "9ml vm: kernel %s has no component test; not run\n", k.c_str());
  if (plan.cases.empty()) {
    std::fprintf(stderr, "9ml vm: nothing to run\n");
    return 2;
  }
  write_plan(plan, g.share_dir);
  if (g.guest == "linux")
    for (const auto& [prog, idx] : plan.by_program) fs::copy_file(g.ct_dir + "/" + prog, g.share_dir + "/" + prog);
  if (g.guest == "9front") {
    // What mk compiles: the engine (less the host-only tests and SIMD files),
    // the component tests, llmfs's server core (`mk llmfs`) and the mkfile.
    copy_tree(fs::path(o.source_dir) / "engine", fs::path(g.share_dir) / "engine");
    copy_tree(fs::path(o.source_dir) / "conformance" / "component", fs::path(g.share_dir) / "conformance" / "component");
    fs::copy_file(fs::path(o.source_dir) / "mkfile", fs::path(g.share_dir) / "mkfile");
    fs::remove_all(fs::path(g.share_dir) / "engine" / "tests");
    fs::remove_all(fs::path(g.share_dir) / "engine" / "simd");
    fs::remove_all(fs::path(g.share_dir) / "conformance" / "component" / "CMakeLists.txt");
    if (fs::is_directory(fs::path(o.source_dir) / "llmfs"))
      for (const auto& e : fs::directory_iterator(fs::path(o.source_dir) / "llmfs"))
        if (e.is_regular_file() && (e.path().extension() == ".c" || e.path().extension() == ".h")) {
          fs::create_directories(fs::path(g.share_dir) / "llmfs");
          fs::copy_file(e.path(), fs::path(g.share_dir) / "llmfs" / e.path().filename());
        }
    if (o.bench) fs::create_directories(fs::path(g.share_dir) / "after");  // 6.bench's output
  }
  for (const auto& p : o.put) {
    fs::path from(p);
    if (!fs::exists(from)) {
      std::fprintf(stderr, "9ml vm: --put %s: no such file or folder\n", p.c_str());
      return 2;
    }
    fs::create_directories(fs::path(g.share_dir) / "put");
    fs::copy(from, fs::path(g.share_dir) / "put" / from.filename(), fs::copy_options::recursive);
  }
  if (!o.after.empty()) fs::create_directories(fs::path(g.share_dir) / "after");
  // Every program once on one worker; the cases of its table kernels on
  // each SIMD level of the guest; the cases of the kernels the engine
  // dispatches over its pool on 2-4 workers, scalar and each level; each
  // run into its own folder, with its own list.
  std::vector<TestRun> runs;
  std::vector<std::string> levels = simd_levels(g.guest);
  levels.insert(levels.begin(), "");
  // The cases a run takes, and its list file's suffix: every case on one
  // scalar worker, the pooled kernels' on 2-4 workers, the table kernels'
  // on a level.
  using ByProgram = std::map<std::string, std::vector<size_t>>;
  auto list_of = [&plan](const std::string& level, int n) -> std::pair<ByProgram&, std::string> {
    if (n > 0) return {plan.pooled_by_program, "-pool"};
    if (!level.empty()) return {plan.table_by_program, "-table"};
    return {plan.by_program, ""};
  };
  auto cases_of = [&list_of](const TestRun& t) -> const std::vector<size_t>& {
    return list_of(t.simd, t.threads).first[t.program];
  };
  for (const auto& level : levels)
    for (int n : {0, 2, 3, 4}) {
      auto [by_program, suffix] = list_of(level, n);
      for (const auto& [prog, idx] : by_program) {
        // The host's levels on 1 worker only: their f32 tiles are compiled
        // intrinsics whose ADDPS operand order (which NaN wins) the compiler
        // picks per tile, so a NaN output's sign can follow the thread split
        // (docs/SIMD.md); the 6a level fixes the order and runs on 2-4.
        if (n > 0 && !level.empty() && g.guest != "9front") continue;
        runs.push_back({prog, "out" + run_suffix(level, n), n, level, suffix.empty() ? "" : prog + suffix});
        fs::create_directories(fs::path(g.share_dir) / runs.back().out);
        make_case_dirs(plan, idx, (fs::path(g.share_dir) / runs.back().out).string());
      }
    }

  Fault global;
  if (g_interrupted) global = {"interrupted", std::string("host run interrupted (") + signal_name(g_signal) + ")"};
  if (g.guest != "host" && !global.any()) {
    auto td = std::chrono::steady_clock::now();
    uintmax_t bytes = 0;
    for (const auto& e : fs::recursive_directory_iterator(g.share_dir))
      if (e.is_regular_file()) bytes += e.file_size();
    try {
      make_fat_image(g.run_dir + "/shared.img", static_cast<int>(bytes * 3 / (1 << 20)) + 40);
      copy_into_image(g.run_dir + "/shared.img", g.share_dir);
      // The peer's share: the same files, on its own disk.
      if (peer) fs::copy_file(image, g.run_dir + "/" + kPeerImage, fs::copy_options::overwrite_existing);
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      global = {"harness_error", e.what()};
    }
    std::fprintf(stderr, "9ml vm: shared disk: %.1f MB of files, %.1f s\n", bytes / 1e6, since(td));
  }
  // 9front spins its idle processors (its idlehands() halts only on a
  // one-processor machine), which under TCG makes a 4-CPU guest ~20x slower
  // at everything: it builds and runs the one-worker tests on 1 CPU, then
  // boots again on --smp CPUs for the multi-worker runs, reusing the
  // programs mk left on the shared disk.
  std::vector<std::vector<TestRun>> boots(1);
  for (const auto& t : runs) {
    if (g.guest == "9front" && t.threads > 0 && g.smp > 1) {
      if (boots.size() == 1) boots.emplace_back();
      boots[1].push_back(t);
    } else {
      boots[0].push_back(t);
    }
  }
  // --bench runs on the last boot: the one with --smp CPUs, for its threads.
  if (o.bench && g.smp > 1 && boots.size() == 1) boots.emplace_back();
  std::map<std::string, Fault> prog_fault;
  std::vector<Fault> after_faults;
  std::string impl_name = "component:host", accel = "none", log, out_root;
  int bench_cpus = 0;
  // The first boot (the one that runs --after) is on the network, if any.
  int net_port = 0;
  GuestNet net;
  if (peer && !global.any()) {
    try {
      net_port = free_loopback_port();
      net = socket_net_server(net_port);
    } catch (const std::exception& e) {
      global = {"harness_error", e.what()};
    }
  } else if (o.guestfwd_port > 0) {
    net = user_net_forward(o.guestfwd_port);
  }
  for (size_t b = 0; b < boots.size() && !global.any(); b++) {
    GuestOptions gb = g;
    if (g.guest == "9front" && b == 0) gb.smp = 1;
    if (b == 0 && !net.qemu_args.empty()) {
      gb.qemu_args.insert(gb.qemu_args.end(), net.qemu_args.begin(), net.qemu_args.end());
      gb.setup.push_back(net.setup);
    }
    std::unique_ptr<Guest> guest = g.guest == "host"    ? make_host_guest(gb)
                                   : g.guest == "linux" ? make_linux_guest(gb)
                                                        : make_9front_guest(gb);
    impl_name = guest->impl_name();
    out_root = guest->out_root();
    if (g.guest != "host") {
      auto tb = std::chrono::steady_clock::now();
      global = guest->start();
      std::fprintf(stderr, "9ml vm: boot %zu (%d CPU%s): %.1f s%s\n", b + 1, gb.smp, gb.smp > 1 ? "s" : "", since(tb),
                   global.any() ? (" -- " + global.text()).c_str() : "");
    }
    if (!global.any() && b == 0 && g.guest == "9front") {
      auto tb = std::chrono::steady_clock::now();
      global = guest->build();
      std::fprintf(stderr, "9ml vm: build (mk %s): %.1f s%s\n", g.build_targets.c_str(), since(tb),
                   global.any() ? (" -- " + global.text()).c_str() : "");
    }
    for (const auto& t : boots[b]) {
      if (global.any()) break;
      double secs = 0;
      Fault f = guest->run_test(t, &secs);
      std::fprintf(stderr, "9ml vm: test %-25s %4zu cases %7.2f s  %s\n", t.label().c_str(),
                   cases_of(t).size(), secs, f.any() ? f.text().c_str() : "ran");
      if (f.any()) prog_fault[t.label()] = f;
      if (f.kind == "interrupted" || f.kind == "guest_panic" || f.kind == "qemu_exited") global = f;
    }
    for (const auto& cmd : b == 0 ? o.after : std::vector<std::string>{}) {
      if (global.any()) {
        after_faults.push_back({global.kind, cmd + ": not run"});
        continue;
      }
      double secs = 0;
      Fault f = guest->run_after(cmd, &secs);
      std::fprintf(stderr, "9ml vm: after: %s  %.2f s  %s\n", cmd.c_str(), secs, f.any() ? f.text().c_str() : "ok");
      if (f.any()) after_faults.push_back(f);
    }
    // The peer runs while this guest, done with its commands, still serves.
    std::string peer_log;
    if (b == 0 && peer) {
      if (global.any()) {
        for (const auto& cmd : o.peer_after) after_faults.push_back({global.kind, "peer: " + cmd + ": not run"});
      } else {
        PeerResult pr = run_peer(g, net_port, o.peer_after);
        after_faults.insert(after_faults.end(), pr.faults.begin(), pr.faults.end());
        if (pr.interrupted) global = {"interrupted", "peer: host run interrupted"};
        peer_log = "\n==== peer guest (" + std::string(kPeerAddress) + ") ====\n" + pr.log;
      }
    }
    // 6.bench cannot tell an emulated CPU from a real one: the harness says.
    if (o.bench && b + 1 == boots.size()) {
      std::string cmd = "./6.bench";
      if (guest->accel().rfind("tcg", 0) == 0) cmd += " --emulated";
      if (!o.bench_args.empty()) cmd += " " + o.bench_args;
      cmd += " >after/bench.txt >[2=1]";
      bench_cpus = gb.smp;
      if (global.any()) {
        after_faults.push_back({global.kind, cmd + ": not run"});
      } else {
        double secs = 0;
        Fault f = guest->run_after(cmd, &secs);
        std::fprintf(stderr, "9ml vm: bench (%d CPU%s): %s  %.2f s  %s\n", gb.smp, gb.smp > 1 ? "s" : "", cmd.c_str(),
                     secs, f.any() ? f.text().c_str() : "ok");
        if (f.any()) after_faults.push_back(f);
      }
    }
    auto tf = std::chrono::steady_clock::now();
    Fault fin = guest->finish();
    if (g.guest != "host")
      std::fprintf(stderr, "9ml vm: shut down and collect: %.1f s%s\n", since(tf),
                   fin.any() && fin.text() != global.text() ? (" -- " + fin.text()).c_str() : "");
    if (!global.any() && fin.any()) global = fin;
    accel = guest->accel();
    log += guest->log() + peer_log;
  }
  if (g_interrupted && global.kind != "interrupted")
    global = {"interrupted", std::string("host run interrupted (") + signal_name(g_signal) + ")"};
  // A fault after the tests (halt, collect) does not fail a case whose
  // outputs arrived whole: the trailers vouch for them; the run still fails.
  bool late = global.kind == "halt_failed" || global.kind == "collect_failed";

  conformance::Impl full{impl_name, conformance::ImplKind::engine_scalar, false, "bit-exact with ref-llama2c"};
  conformance::Impl bound_only{impl_name, conformance::ImplKind::engine_scalar, false, ""};
  report::Report rep;
  rep.host = impl_name;
  rep.command = command;
  rep.tool_version = report::tool_version();
  // The build and host that ran the harness, then the guest's identity.
  rep.environment = report::host_environment();
  rep.environment["guest"] = impl_name;
  rep.environment["accelerator"] = accel;
  if (g.guest != "host") {
    rep.environment["guest_cpus"] = std::to_string(g.smp);
    if (!g.image.empty()) rep.environment["guest_image"] = file_identity(g.image);
    if (!g.kernel.empty()) rep.environment["guest_kernel"] = file_identity(g.kernel);
  }
  std::time_t now = std::time(nullptr);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  rep.created_utc = iso;
  if (global.kind == "build_failed" || global.kind == "build_timeout") {
    rep.cases.push_back(build_result(impl_name, global));
    std::fprintf(stderr, "9ml vm: %s\n", global.text().c_str());
  } else {
    for (const auto& t : runs)
      for (size_t i : cases_of(t)) {
        const PlannedCase& c = plan.cases[i];
        const std::string& k = c.kernel->name();
        bool bound = (g.guest == "9front" && uses_libm(k)) || (!t.simd.empty() && reordered_on_level(k));
        conformance::Impl impl = bound ? bound_only : full;
        impl.name += run_suffix(t.simd, t.threads);
        std::string fault = prog_fault.count(t.label()) ? prog_fault[t.label()].text() : late ? "" : global.text();
        std::string dir = (fs::path(out_root) / t.out).string();
        report::CaseResult r = judge_case(c, impl, dir, fault);
        if (late && !r.passed) r.failure = global.text() + "; " + r.failure;
        r.output_digest = output_digest(c, dir);
        if (t.threads > 0) r.contract += std::string(r.contract.empty() ? "" : "; ") + "bit-identical to 1 worker";
        if (t.threads > 0 && r.passed) {
          std::string why = same_bits(c, fs::path(out_root) / ("out" + run_suffix(t.simd, 0)), fs::path(out_root) / t.out);
          if (!why.empty()) {
            r.passed = false;
            r.contract_ok = false;
            r.failure = why;
          }
        }
        rep.cases.push_back(std::move(r));
      }
  }
  if (!o.after_case.empty()) {
    std::vector<Fault> all = after_faults;
    if (global.any() && all.empty()) all.push_back(global);
    rep.cases.push_back(after_result(o.after_case, impl_name, o, all));
  }
  rep.seconds = since(t0);
  report::write_all(rep, o.out);
  {
    std::ofstream logf(fs::path(o.out) / "console.log");
    logf << log;
  }
  std::string bench_text;
  if (o.bench && !global.any()) {
    const fs::path txt = fs::path(collected) / "after" / "bench.txt";
    std::ifstream in(txt, std::ios::binary);
    bench_text.assign(std::istreambuf_iterator<char>(in), {});
    try {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      j["command"] = command;
      j["guest"] = impl_name;
      j["accelerator"] = accel;
      j["guest_cpus"] = bench_cpus;
      j.update(parse_bench(bench_text));
      std::ofstream(fs::path(o.out) / "bench.json") << j.dump(2) << "\n";
    } catch (const std::exception& e) {
      after_faults.push_back({"bench_failed", txt.string() + ": " + e.what()});
    }
  }
  size_t failed = 0;
  for (const auto& c : rep.cases) failed += !c.passed;
  std::fputs(report::summary_table(report::summarize(rep)).c_str(), stdout);
  size_t shown = 0;
  for (const auto& c : rep.cases)
    if (!c.passed && shown++ < 10) std::printf("FAIL %s [%s]: %s\n", c.case_id.c_str(), c.impl.c_str(), c.failure.c_str());
  if (global.any()) std::printf("FAULT %s\n", global.text().c_str());
  for (const auto& [p, f] : prog_fault) std::printf("FAULT %s\n", f.text().c_str());
  for (const auto& f : after_faults) std::printf("FAULT %s\n", f.text().c_str());
  if (!bench_text.empty()) std::fputs(bench_human_lines(bench_text).c_str(), stdout);
  std::printf("guest %s, accelerator %s\n", impl_name.c_str(), accel.c_str());
  std::printf("%zu passed, %zu failed; cycle time %.1f s; report and console.log in %s/\n", rep.cases.size() - failed,
              failed, rep.seconds, o.out.c_str());
  if (g_signal) return 128 + g_signal;
  return (failed || global.any() || !prog_fault.empty() || !after_faults.empty()) ? 1 : 0;
}

}  // namespace

int run_vm(const VmOptions& o, const std::string& command) {
  SignalScope signals;
  try {
    return run(o, command);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "9ml vm: %s\n", e.what());
    return 2;
  }
}

}  // namespace nineml::vm
