// The "host" guest: the component tests run as host processes, out of
// process like in a guest, with the same per-test deadline.
#include <chrono>

#include <sys/wait.h>

#include "console.hpp"
#include "guest.hpp"
#include "process.hpp"

namespace nineml::vm {

Fault classify_test_end(const std::string& program, const std::string& status, const std::string& output,
                        bool plan9) {
  if (plan9) {
    if (status.empty()) return {};
    if (output.find("sys: trap") != std::string::npos || status.find("sys: trap") != std::string::npos ||
        status.find("sys: fp") != std::string::npos)
      return {"test_crash", program + ": " + status};
    return {"", ""};  // a failed case (exit "fail") is judged per case
  }
  if (status == "0" || status == "1") return {};
  int code = std::atoi(status.c_str());
  if (code > 128) return {"test_crash", program + " killed by signal " + std::to_string(code - 128)};
  return {"test_crash", program + " exited with status " + status};
}

namespace {

class HostGuest final : public Guest {
 public:
  explicit HostGuest(GuestOptions o) : o_(std::move(o)) {}
  std::string impl_name() const override { return "component:host"; }
  Fault start() override { return {}; }
  Fault run_test(const TestRun& t, double* seconds) override {
    const std::string& program = t.program;
    std::vector<std::string> argv = {o_.ct_dir + "/" + program};
    for (const auto& a : t.args(o_.inject)) argv.push_back(a);
    auto t0 = std::chrono::steady_clock::now();
    Child c(argv, o_.share_dir);
    std::string out;
    auto end = t0 + std::chrono::duration<double>(o_.test_timeout);
    Fault f;
    while (c.read_some(out, 50)) {
      if (g_interrupted) {
        f = {"interrupted", "host run interrupted during " + program};
        break;
      }
      if (std::chrono::steady_clock::now() >= end) {
        f = {"test_hang", program + " still running after " + std::to_string(o_.test_timeout) + " s deadline"};
        break;
      }
    }
    if (f.any()) c.kill_group();
    else c.wait_exit(static_cast<int>(o_.test_timeout * 1000));
    if (!c.exited()) {
      c.kill_group();
      if (!f.any()) f = {"test_hang", program + " did not exit"};
    }
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log_ += "$ " + program + "\n" + out;
    if (f.any()) return f;
    int st = c.raw_status();
    std::string status = WIFSIGNALED(st) ? std::to_string(128 + WTERMSIG(st)) : std::to_string(WEXITSTATUS(st));
    return classify_test_end(program, status, out, false);
  }
  Fault run_after(const std::string& cmd, double* seconds) override {
    auto t0 = std::chrono::steady_clock::now();
    std::string out;
    int rc = run_command({"/bin/sh", "-c", "cd '" + o_.share_dir + "' && " + cmd}, &out, o_.test_timeout);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log_ += "$ " + cmd + "\n" + out;
    if (rc != 0) return {"command_failed", cmd + ": status " + std::to_string(rc)};
    return {};
  }
  Fault finish() override { return {}; }
  std::string log() const override { return log_; }
  std::string out_root() const override { return o_.share_dir; }

 private:
  GuestOptions o_;
  std::string log_;
};

}  // namespace

std::unique_ptr<Guest> make_host_guest(const GuestOptions& o) { return std::make_unique<HostGuest>(o); }

}  // namespace nineml::vm
