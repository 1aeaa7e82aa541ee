// The 9front guest: boots an installed image (always -snapshot) or a given
// kernel, answers the boot questions only if asked, reaches the rc prompt,
// sets the clock, finds the shared disk, mounts it with dossrv, builds the
// component tests with mk and runs them; then unmounts and halts the file servers.
#include <ctime>
#include <filesystem>
#include <regex>
#include <set>

#include "disk.hpp"
#include "guest_console.hpp"

namespace nineml::vm {

namespace {

class NineFrontGuest final : public ConsoleGuest {
 public:
  using ConsoleGuest::ConsoleGuest;
  std::string impl_name() const override { return "guest:9front"; }

  Fault start() override {
    if (o_.image.empty() && o_.kernel.empty())
      return dead_ = {"harness_error", "--guest 9front needs --image PATH (a 9front amd64 qcow2/raw image)"};
    Accel a = choose_accel(o_.qemu, "", "", 0);
    accel_ = a.description;
    std::fprintf(stderr, "9ml vm: accelerator: %s\n", accel_.c_str());
    std::vector<std::string> argv = {o_.qemu};
    argv.insert(argv.end(), a.args.begin(), a.args.end());
    std::vector<std::string> rest = {"-m", "1024", "-nodefaults", "-display", "none", "-monitor", "none",
                                     "-serial", "stdio", "-no-reboot", "-snapshot"};
    argv.insert(argv.end(), rest.begin(), rest.end());
    if (!o_.image.empty()) argv.insert(argv.end(), {"-drive", "file=" + o_.image + ",index=0,media=disk"});
    if (!o_.kernel.empty()) argv.insert(argv.end(), {"-kernel", o_.kernel});
    if (!o_.append.empty()) argv.insert(argv.end(), {"-append", o_.append});
    argv.insert(argv.end(), {"-drive", "file=" + o_.run_dir + "/shared.img,index=1,media=disk,format=raw"});
    argv.insert(argv.end(), o_.qemu_args.begin(), o_.qemu_args.end());
    launch(argv, "$status", {"panic:", "sys: trap: kernel"});

    // The boot questions, each answered only if it appears; the rc prompt is the goal.
    size_t from = 0;
    for (int round = 0; round < 4; round++) {
      int which = -1;
      Wait w = con_->wait_for_any({"bootargs is", "user[", "term% ", "cpu% "}, o_.boot_timeout, from, &which);
      if (w != Wait::matched) return dead_ = fault_of(w, "boot");
      from = con_->text().find(which == 0 ? "bootargs is" : which == 1 ? "user[" : which == 2 ? "term% " : "cpu% ", from) + 4;
      if (which >= 2) break;
      con_->send("\n");
    }
    std::string st, out;
    // mk decides by times: set the clock from the host first.
    if (Fault f = step("echo " + std::to_string(std::time(nullptr)) + " >/dev/time", &st, &out); f.any()) return f;
    if (Fault f = step("ls /dev/sd*", &st, &out); f.any()) return f;
    std::string dev = shared_disk(out);
    if (dev.empty()) return dead_ = {"harness_error", "no shared disk among the sd devices: " + out};
    if (Fault f = step("dossrv -f /dev/" + dev + "/data shared", &st, &out); f.any()) return f;
    if (Fault f = step("mount -c /srv/shared /mnt/host", &st, &out); f.any()) return f;
    if (!st.empty()) return dead_ = {"harness_error", "mount of the shared disk failed: " + st};
    if (Fault f = step("cd /mnt/host", &st, &out); f.any()) return f;
    return {};
  }

  Fault build() override {
    std::string st, out;
    Wait w = con_->run("mk component", 600, &st, &out);
    if (w != Wait::matched) return dead_ = fault_of(w, "mk component");
    if (!st.empty()) return dead_ = {"build_failed", "mk component: " + st};
    return {};
  }

  Fault run_test(const std::string& program, double* seconds) override {
    std::string cmd = "./6." + program + " lists/" + program + ".txt in out";
    if (o_.inject.starts_with("fault:")) cmd += " " + o_.inject;
    return run_command_test(program, cmd, "\x7f", true, seconds);
  }

  Fault finish() override {
    Fault f;
    if (!dead_.any() || dead_.kind == "test_hang") {
      std::string st;
      Wait w = con_->run("cd /; unmount /mnt/host", 60, &st, nullptr);
      if (w != Wait::matched) f = fault_of(w, "unmount");
      // fshalt stops every file server (dossrv included, which flushes);
      // the shell may not answer afterwards, so wait for its last words.
      if (!f.any()) {
        size_t from = con_->text().size();
        con_->send("fshalt\n");
        Wait h = con_->wait_for_any({"done halting", "halted"}, 60, from, nullptr);
        if (h == Wait::panic || h == Wait::interrupted) f = fault_of(h, "fshalt");
      }
    }
    stop();
    if (dead_.any() && dead_.kind != "test_hang") return dead_;
    try {
      std::filesystem::remove_all(o_.run_dir + "/collected");
      copy_out_of_image(o_.run_dir + "/shared.img", "out", o_.run_dir + "/collected");
    } catch (const std::exception& e) {
      if (!f.any()) f = {"harness_error", e.what()};
    }
    return f;
  }

 private:
  Fault step(const std::string& cmd, std::string* st, std::string* out) {
    Wait w = con_->run(cmd, 60, st, out);
    if (w != Wait::matched) return dead_ = fault_of(w, cmd);
    return {};
  }
  // The disk with a data file and no partitions of an installed system.
  static std::string shared_disk(const std::string& ls) {
    std::map<std::string, std::set<std::string>> files;
    std::regex re("/dev/(sd[A-Za-z0-9]+)/([A-Za-z0-9_.]+)");
    for (auto it = std::sregex_iterator(ls.begin(), ls.end(), re); it != std::sregex_iterator(); ++it)
      files[(*it)[1]].insert((*it)[2]);
    std::string best;
    for (const auto& [dev, f] : files) {
      if (!f.count("data") || dev == "sdctl") continue;
      bool system = f.count("fs") || f.count("9fat") || f.count("plan9") || f.count("nvram") || f.count("swap");
      if (!system && f.size() <= 3 && best.empty()) best = dev;
    }
    return best;
  }
};

}  // namespace

std::unique_ptr<Guest> make_9front_guest(const GuestOptions& o) { return std::make_unique<NineFrontGuest>(o); }

}  // namespace nineml::vm
