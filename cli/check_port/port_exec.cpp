// Running an external port: template words, placeholders, one timed run.
#include "port_exec.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace nineml::cli::port {

namespace fs = std::filesystem;

std::vector<std::string> split_template(const std::string& cmd) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < cmd.size(); i++) {
    const char c = cmd[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(cur);
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      const size_t end = cmd.find('\'', i + 1);
      if (end == std::string::npos) throw std::invalid_argument("--cmd: unterminated ' quote");
      cur += cmd.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < cmd.size() && cmd[j] != '"'; j++) {
        if (cmd[j] == '\\' && j + 1 < cmd.size() && std::strchr("\"\\$`", cmd[j + 1]) != nullptr) j++;
        cur += cmd[j];
      }
      if (j >= cmd.size()) throw std::invalid_argument("--cmd: unterminated \" quote");
      i = j;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 < cmd.size()) cur += cmd[++i];
      in_word = true;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(cur);
  if (words.empty()) throw std::invalid_argument("--cmd: empty command");
  return words;
}

std::vector<std::string> placeholders(const std::vector<std::string>& words, const std::vector<std::string>& known) {
  std::vector<std::string> used;
  for (const std::string& w : words)
    for (size_t i = w.find('{'); i != std::string::npos; i = w.find('{', i + 1)) {
      const size_t end = w.find('}', i);
      const std::string name = end == std::string::npos ? "" : w.substr(i + 1, end - i - 1);
      bool ok = false;
      for (const std::string& k : known) ok = ok || k == name;
      if (!ok) {
        std::string list;
        for (const std::string& k : known) {
          if (!list.empty()) list += ' ';
          list += "{" + k + "}";
        }
        throw std::invalid_argument("--cmd: '" + w.substr(i, end == std::string::npos ? 1 : end - i + 1) +
                                    "' in '" + w + "' is no placeholder (known: " + list + ")");
      }
      used.push_back(name);
    }
  return used;
}

std::vector<std::string> substitute(const std::vector<std::string>& words,
                                    const std::map<std::string, std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& w : words) {
    std::string r;
    for (size_t i = 0; i < w.size(); i++) {
      const size_t end = w[i] == '{' ? w.find('}', i) : std::string::npos;
      auto it = end == std::string::npos ? values.end() : values.find(w.substr(i + 1, end - i - 1));
      if (it != values.end()) {
        r += it->second;
        i = end;
      } else {
        r += w[i];
      }
    }
    out.push_back(r);
  }
  return out;
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) {
    bool safe = !a.empty();
    for (char c : a) safe = safe && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%+=:,./_-", c));
    if (!line.empty()) line.push_back(' ');
    if (safe) {
      line.append(a);
      continue;
    }
    line.push_back('\'');
    for (char c : a) {
      if (c == '\'') line.append("'\\''");
      else line.push_back(c);
    }
    line.push_back('\'');
  }
  return line;
}

std::string resolve_program(const std::string& program) {
  auto usable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    const fs::path p = fs::absolute(program);
    std::error_code ec;
    if (!fs::exists(p, ec)) throw std::runtime_error(program + ": no such program");
    if (!usable(p)) throw std::runtime_error(program + ": not an executable file");
    return p.string();
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (usable(fs::path(d.empty() ? "." : d) / program)) return fs::absolute(fs::path(d.empty() ? "." : d) / program).string();
  throw std::runtime_error(program + ": no such program in $PATH");
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const std::string& dir, double timeout) {
  const std::string out_path = dir + "/.stdout", err_path = dir + "/.stderr";
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int report[2];  // the child's exec errno, if exec fails (close-on-exec: EOF when it succeeds)
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    ::setpgid(0, 0);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = 0;
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(dir.c_str()) != 0)
      e = errno;
    if (e == 0) {
      ::execv(args[0], args.data());
      e = errno;
    }
    ssize_t n = ::write(report[1], &e, sizeof e);
    (void)n;
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here: no window where a timeout's kill misses it
  ::close(report[1]);
  int child_errno = 0;
  const ssize_t got = ::read(report[0], &child_errno, sizeof child_errno);
  ::close(report[0]);
  RunResult r;
  int status = 0;
  const auto limit = start + std::chrono::duration<double>(timeout);
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= limit) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);  // whatever it left running in its group
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (got == static_cast<ssize_t>(sizeof child_errno))
    throw std::runtime_error(argv[0] + ": cannot run (" + std::strerror(child_errno) + ")");
  if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !r.timed_out) r.signal = WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  std::error_code ec;
  fs::remove(out_path, ec);
  fs::remove(err_path, ec);
  return r;
}

}  // namespace nineml::cli::port
