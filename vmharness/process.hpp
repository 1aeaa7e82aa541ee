// A child process (QEMU, the fake console, a component test) with its
// standard input and merged standard output/error on pipes, in its own
// process group; and the pidfile that lets a later run reap a crashed run's
// QEMU without touching any other process.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace nineml::vm {

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
  // Waits up to timeout_ms for exit.
  bool wait_exit(int timeout_ms);
  int raw_status() const { return status_; }
  std::string describe_exit() const;  // "exit status 1", "killed by signal 11"
  void kill_group();                  // SIGKILL to the group, then reaps

 private:
  pid_t pid_ = -1;
  bool own_group_ = true;
  int in_ = -1, out_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// RUN_DIR/qemu.pid holds "PID STARTTIME" of the guest this run started.
class PidFile {
 public:
  explicit PidFile(std::string path) : path_(std::move(path)) {}
  // Kills the process recorded by an earlier run if it is still that
  // process (same start time); returns a line saying what happened or "".
  std::string reap_stale() const;
  void record(pid_t pid) const;
  void clear() const;

 private:
  std::string path_;
};

// Runs a tool to completion (deadline in seconds); returns its exit status
// (-1 if killed at the deadline or by a signal) and its output in *out.
int run_command(const std::vector<std::string>& argv, std::string* out, double seconds,
                const std::string& cwd = "");

// Process start time from /proc (clock ticks since boot), 0 if gone.
unsigned long long process_start_time(pid_t pid);

}  // namespace nineml::vm
