// What the QEMU guests share: the emulator child, its console dialogue, the
// fault a wait ended with, running one test with its deadline, and stopping.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "console.hpp"
#include "disk.hpp"
#include "guest.hpp"
#include "qemu.hpp"

namespace nineml::vm {

class ConsoleGuest : public Guest {
 public:
  explicit ConsoleGuest(GuestOptions o) : o_(std::move(o)) {}
  ~ConsoleGuest() override { stop(); }
  std::string accel() const override { return accel_; }
  std::string log() const override { return con_ ? con_->text() : ""; }
  std::string out_root() const override { return o_.run_dir + "/" + o_.collect_dir; }

 protected:
  // Launches argv and attaches the dialogue engine.
  void launch(const std::vector<std::string>& argv, const std::string& status_var,
              std::vector<std::string> panics) {
    child_ = launch_guest(argv, o_.run_dir);
    con_ = std::make_unique<Console>(*child_, status_var, std::move(panics));
  }
  // The fault a wait that did not match stands for; a timeout is named by
  // the phase (`timeout_kind`: boot_timeout, build_timeout, test_hang, ...).
  Fault fault_of(Wait w, const std::string& during, const std::string& timeout_kind = "test_hang") {
    switch (w) {
      case Wait::matched: return {};
      case Wait::timeout: return {timeout_kind, during + ": no answer before the deadline"};
      case Wait::panic: return {"guest_panic", during + ": " + con_->panic_line()};
      case Wait::exited:
        child_->wait_exit(2000);
        return {"qemu_exited", during + ": emulator exited early (" + (child_->exited() ? child_->describe_exit() : std::string("still running")) + ")"};
      case Wait::interrupted: return {"interrupted", during + ": host run interrupted (SIGINT/SIGTERM/SIGHUP)"};
    }
    return {"harness_error", during};
  }
  // Runs program `path` over t's list as a test; recovers the shell after a
  // hang with `interrupt` (Ctrl-C or DEL), or reports the guest unresponsive.
  Fault run_program_test(const TestRun& t, const std::string& path, const std::string& interrupt, bool plan9,
                         double* seconds) {
    std::string cmd = path;
    for (const auto& a : t.args(o_.inject)) cmd += " " + a;
    outs_.insert(t.out);
    const std::string program = t.label();
    if (dead_.any()) return {dead_.kind, "not run: " + dead_.detail};
    std::string status, output;
    auto t0 = std::chrono::steady_clock::now();
    Wait w = con_->run(cmd, o_.test_timeout, &status, &output);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (w == Wait::matched) return classify_test_end(program, status, output, plan9);
    Fault f = fault_of(w, program);
    if (w == Wait::timeout) {
      f.detail = program + " still running after the " + std::to_string(static_cast<int>(o_.test_timeout)) + " s deadline";
      if (!recover(interrupt)) {
        dead_ = {"test_hang", "guest unresponsive after " + program + " hung"};
        shell_ok_ = false;
      }
    } else {
      dead_ = f;
      shell_ok_ = false;
    }
    return f;
  }
  // After a command overran its deadline: interrupt it and see whether the
  // shell answers again.
  bool recover(const std::string& interrupt) {
    con_->send(interrupt);
    std::string st;
    return con_->run("echo recovered", 30, &st, nullptr) == Wait::matched;
  }
  Fault run_after(const std::string& cmd, double* seconds) override {
    outs_.insert("after");
    if (dead_.any()) return {dead_.kind, "not run: " + dead_.detail};
    std::string status, output;
    auto t0 = std::chrono::steady_clock::now();
    Wait w = con_->run(cmd, o_.test_timeout, &status, &output);
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (w != Wait::matched) {
      dead_ = fault_of(w, cmd);
      shell_ok_ = false;
      return dead_;
    }
    if (!status.empty() && status != "0") return {"command_failed", cmd + ": status " + status};
    return {};
  }
  // Copies each collected share folder out of the image into
  // RUN_DIR/collected (made and marked as ours at the start of the run),
  // or the collect_dir of the options.
  void collect_outputs() {
    for (const auto& d : outs_) {
      std::filesystem::remove_all(out_root() + "/" + d);
      copy_out_of_image(o_.run_dir + "/" + o_.shared_image, d, out_root());
    }
  }
  void stop() {
    if (child_) child_->kill_group();  // reaped: out of the pidfile
  }

  GuestOptions o_;
  std::unique_ptr<Child> child_;
  std::unique_ptr<Console> con_;
  std::string accel_ = "none";
  Fault dead_;  // once set, the guest can run nothing more
  bool shell_ok_ = false;  // the shell answered its last command: the guest can still be shut down cleanly
  std::set<std::string> outs_ = {"out"};  // share folders the host collects
};

}  // namespace nineml::vm
