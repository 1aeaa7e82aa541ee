#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "owned.hpp"

namespace nineml::vm {

std::atomic<bool> g_interrupted{false};

Child::Child(const std::vector<std::string>& argv, const std::string& cwd, bool own_group) : own_group_(own_group) {
  int inp[2], outp[2];
  if (pipe2(inp, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
#ifdef __linux__
    // Dies with 9ml vm, even a SIGKILLed one (the pidfile is the second net).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
#else
    (void)parent;
#endif
    if (own_group) setpgid(0, 0);
    dup2(inp[0], 0);
    dup2(outp[1], 1);
    dup2(outp[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  if (own_group) setpgid(pid_, pid_);
  close(inp[0]);
  close(outp[1]);
  in_ = inp[1];
  out_ = outp[0];
  fcntl(out_, F_SETFL, O_NONBLOCK);
}

Child::~Child() {
  kill_group();
  if (in_ >= 0) close(in_);
  if (out_ >= 0) close(out_);
}

bool Child::read_some(std::string& out, int timeout_ms) {
  if (out_ < 0) return false;
  pollfd p{out_, POLLIN, 0};
  int r = poll(&p, 1, timeout_ms);
  if (r <= 0) return true;
  char buf[4096];
  ssize_t n = read(out_, buf, sizeof buf);
  if (n > 0) {
    out.append(buf, static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  close(out_);
  out_ = -1;
  return false;
}

bool Child::write_all(const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(in_, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR && !g_interrupted) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool Child::exited() {
  if (reaped_) return true;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) reaped(st);
  return reaped_;
}

void Child::reaped(int status) {
  reaped_ = true;
  status_ = status;
  if (!tracked_.empty()) PidFile(tracked_).remove(pid_);
}

void Child::track(const std::string& run_dir) {
  tracked_ = run_dir;
  PidFile(run_dir).add(pid_);
}

bool Child::wait_exit(int timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string sink;
  while (!exited()) {
    if (std::chrono::steady_clock::now() >= end || g_interrupted) return false;
    if (out_ >= 0) read_some(sink, 20);
    else poll(nullptr, 0, 20);
  }
  return true;
}

std::string Child::describe_exit() const {
  if (WIFSIGNALED(status_)) return "killed by signal " + std::to_string(WTERMSIG(status_));
  return "exit status " + std::to_string(WEXITSTATUS(status_));
}

void Child::kill_group() {
  if (pid_ <= 0 || reaped_) return;
  ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
  int st;
  pid_t r;
  while ((r = waitpid(pid_, &st, 0)) < 0 && errno == EINTR) {
  }
  if (r == pid_) reaped(st);
}

int run_command(const std::vector<std::string>& argv, std::string* out, double seconds, const std::string& cwd) {
  Child c(argv, cwd);
  std::string text;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (c.read_some(text, 50)) {
    if (g_interrupted) {
      c.kill_group();
      if (out) *out = text + "\n(interrupted)";
      return -1;
    }
    if (std::chrono::steady_clock::now() >= end) {
      c.kill_group();
      if (out) *out = text + "\n(killed after " + std::to_string(seconds) + " s)";
      return -1;
    }
  }
  c.wait_exit(static_cast<int>(seconds * 1000));
  if (!c.exited()) c.kill_group();
  if (out) *out = text;
  int st = c.raw_status();
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned long long process_start_time(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto p = s.rfind(')');
  if (p == std::string::npos) return 0;
  std::istringstream in(s.substr(p + 2));
  std::string field;
  for (int i = 3; i <= 22 && (in >> field); i++)
    if (i == 22) return std::stoull(field);
  return 0;
}

std::string process_cmdline(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (char& c : s)
    if (c == '\0') c = ' ';
  return s;
}

PidFile::PidFile(const std::string& run_dir) : dir_(run_dir), path_(run_dir + "/qemu.pid") {}

bool PidFile::read(Entries* e) const {
  e->clear();
  std::ifstream f(path_);
  if (!f) return true;  // none
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::istringstream in(line);
    long long pid = 0;
    unsigned long long start = 0;
    std::string rest;
    if (!(in >> pid >> start) || (in >> rest) || pid <= 1) return false;
    e->push_back({pid, start});
  }
  return true;
}

void PidFile::write(const Entries& e) const {
  if (e.empty()) {
    unlink(path_.c_str());
    return;
  }
  std::ofstream f(path_, std::ios::trunc);
  for (const auto& [pid, start] : e) f << pid << " " << start << "\n";
}

void PidFile::add(pid_t pid) const {
  Entries e;
  if (!read(&e)) throw UsageError("--run-dir: " + path_ + " is not a pidfile of 9ml vm; move it or choose another --run-dir");
  e.push_back({pid, process_start_time(pid)});
  write(e);
}

void PidFile::remove(pid_t pid) const {
  Entries e;
  if (!read(&e)) return;
  Entries keep;
  for (const auto& x : e)
    if (x.first != pid) keep.push_back(x);
  write(keep);
}

std::vector<std::string> PidFile::reap_stale() const {
  Entries e;
  if (!read(&e))
    throw UsageError("--run-dir: " + path_ + " is not a pidfile of 9ml vm (lines 'PID STARTTIME'); move it or choose "
                     "another --run-dir");
  // Ours: started at the recorded time and naming RUN_DIR/ on its command
  // line (every emulator we start does: the shared disk, or -name for the probe).
  auto ours = [&](pid_t pid, unsigned long long start) {
    return start != 0 && process_start_time(pid) == start &&
           process_cmdline(pid).find(dir_ + "/") != std::string::npos;
  };
  std::vector<std::string> what;
  Entries killed;
  for (const auto& [p, start] : e) {
    pid_t pid = static_cast<pid_t>(p);
    if (!ours(pid, start)) continue;
    if (getpgid(pid) == pid) ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    killed.push_back({p, start});
    what.push_back("killed QEMU pid " + std::to_string(pid) + " left running by an earlier run");
  }
  // Gone once it is a zombie (no command line) or reaped: at most 5 s.
  for (int i = 0; i < 250; i++) {
    bool left = false;
    for (const auto& [p, start] : killed) left = left || ours(static_cast<pid_t>(p), start);
    if (!left) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  write({});
  return what;
}

}  // namespace nineml::vm
