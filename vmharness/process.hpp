// A child process (QEMU, the fake console, a component test, a tool) with
// its standard input and merged standard output/error on pipes, in its own
// process group, killed when `9ml vm` dies (PR_SET_PDEATHSIG); and the
// pidfile that lets a later run reap a crashed run's QEMU without touching
// any other process.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <utility>
#include <vector>

namespace nineml::vm {

// Set by the SIGINT/SIGTERM/SIGHUP handler of `9ml vm`: every wait and
// every tool run returns early, so the children are ended and the run
// cleans up.
extern std::atomic<bool> g_interrupted;

class Child {
 public:
  // Starts argv[0] (searched in PATH) in `cwd` ("" = ours), in a process
  // group of its own unless own_group is false (then it dies with ours).
  // Throws on failure.
  Child(const std::vector<std::string>& argv, const std::string& cwd = "", bool own_group = true);
  ~Child();  // kills the process group if still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Reads what is available within `timeout_ms` (appended to out); false at EOF.
  bool read_some(std::string& out, int timeout_ms);
  bool write_all(const std::string& s);
  // Non-blocking: true once the process has exited (status then valid).
  bool exited();
  // Waits up to timeout_ms for exit (less if g_interrupted is set).
  bool wait_exit(int timeout_ms);
  // Records the process in RUN_DIR/qemu.pid until it is reaped.
  void track(const std::string& run_dir);
  int raw_status() const { return status_; }
  std::string describe_exit() const;  // "exit status 1", "killed by signal 11"
  void kill_group();                  // SIGKILL to the group, then reaps

 private:
  void reaped(int status);
  pid_t pid_ = -1;
  bool own_group_ = true;
  int in_ = -1, out_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string tracked_;  // run dir whose pidfile lists this process, or ""
};

// RUN_DIR/qemu.pid: one line "PID STARTTIME" for each emulator (the KVM
// probe's and the guest's) a run has started and not yet reaped; removed
// when the last one is.
class PidFile {
 public:
  explicit PidFile(const std::string& run_dir);
  // Kills every recorded process that is still an emulator of this run dir
  // (the same start time and RUN_DIR/ in its command line: a reused pid is
  // never touched), waits until they are gone and removes the file; one
  // line per process killed. Throws UsageError if the file is not a pidfile.
  std::vector<std::string> reap_stale() const;
  void add(pid_t pid) const;
  void remove(pid_t pid) const;  // never throws

 private:
  using Entries = std::vector<std::pair<long long, unsigned long long>>;
  bool read(Entries* e) const;  // false: the file is not in the pidfile format
  void write(const Entries& e) const;
  std::string dir_, path_;
};

// Runs a tool to completion (deadline in seconds); returns its exit status
// (-1 if killed at the deadline or by a signal) and its output in *out.
int run_command(const std::vector<std::string>& argv, std::string* out, double seconds,
                const std::string& cwd = "");

// Process start time from /proc (clock ticks since boot), 0 if gone.
unsigned long long process_start_time(pid_t pid);
// The command line from /proc, arguments joined by spaces ("" if gone or a zombie).
std::string process_cmdline(pid_t pid);

}  // namespace nineml::vm
