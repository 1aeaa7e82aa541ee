#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nineml::vm {

Child::Child(const std::vector<std::string>& argv, const std::string& cwd, bool own_group) : own_group_(own_group) {
  int inp[2], outp[2];
  if (pipe2(inp, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    if (own_group) setpgid(0, 0);
    dup2(inp[0], 0);
    dup2(outp[1], 1);
    dup2(outp[1], 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
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
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool Child::exited() {
  if (reaped_) return true;
  int st;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = st;
  }
  return reaped_;
}

bool Child::wait_exit(int timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string sink;
  while (!exited()) {
    if (std::chrono::steady_clock::now() >= end) return false;
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
  if (waitpid(pid_, &st, 0) == pid_) {
    reaped_ = true;
    status_ = st;
  }
}

int run_command(const std::vector<std::string>& argv, std::string* out, double seconds, const std::string& cwd) {
  Child c(argv, cwd);
  std::string text;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (c.read_some(text, 50)) {
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

std::string PidFile::reap_stale() const {
  std::ifstream f(path_);
  long long pid = 0;
  unsigned long long start = 0;
  if (!(f >> pid >> start) || pid <= 1) return "";
  f.close();
  std::string what;
  if (process_start_time(static_cast<pid_t>(pid)) == start && start != 0) {
    ::kill(-static_cast<pid_t>(pid), SIGKILL);
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    what = "killed QEMU pid " + std::to_string(pid) + " left running by an earlier run";
  }
  clear();
  return what;
}

void PidFile::record(pid_t pid) const {
  std::ofstream f(path_);
  f << pid << " " << process_start_time(pid) << "\n";
}

void PidFile::clear() const { unlink(path_.c_str()); }

}  // namespace nineml::vm
