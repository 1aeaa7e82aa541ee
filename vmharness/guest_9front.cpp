// The 9front guest: boots an installed image and/or a kernel file with a root
// image (the root drive always snapshot=on, so it never changes), answers the
// boot questions only if asked, reaches the rc prompt, sets the clock, finds
// the shared disk, mounts it with dossrv, builds with 9front's own mk and 6c,
// runs the component tests; then unmounts and halts through fshalt whatever
// happened before, as long as the shell still answers.
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "disk.hpp"
#include "guest_console.hpp"

namespace nineml::vm {

// The first line of mk's output that is not a recipe mk echoed (6c/6l/ar
// command lines, ar's "a - file" lines) nor a warning: the build error.
std::string first_build_error(const std::string& output) {
  static const std::regex echo(R"(^\s*([0-9kqv][acl]|ar|rm|cp|mv|echo)\s|^\s*[ar] - |^ar: creating|warning)");
  size_t at = 0;
  while (at < output.size()) {
    size_t nl = output.find('\n', at);
    std::string line = output.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? output.size() : nl + 1;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (!std::regex_search(line, echo)) return line;
  }
  return "";
}

namespace {

// QEMU's format name for a disk image: qcow2 by its magic, else raw.
std::string image_format(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[4] = {};
  f.read(magic, 4);
  return (f.gcount() == 4 && std::string(magic, 4) == std::string("QFI\xfb", 4)) ? "qcow2" : "raw";
}

class NineFrontGuest final : public ConsoleGuest {
 public:
  using ConsoleGuest::ConsoleGuest;
  std::string impl_name() const override { return "guest:9front"; }

  Fault start() override {
    if (o_.image.empty() && o_.kernel.empty())
      return dead_ = {"harness_error", "--guest 9front needs --image PATH (an installed 9front disk, qcow2 or raw) "
                                       "and/or --kernel-file KERNEL --append ARGS"};
    for (const std::string* f : {&o_.image, &o_.kernel})
      if (!f->empty() && !std::filesystem::is_regular_file(*f) && o_.qemu == "qemu-system-x86_64")
        return dead_ = {"harness_error", *f + ": no such file"};
    Accel a = choose_accel(o_.qemu, "", "", 0, o_.run_dir);
    accel_ = a.description;
    std::fprintf(stderr, "9ml vm: accelerator: %s\n", accel_.c_str());
    std::vector<std::string> argv = {o_.qemu};
    argv.insert(argv.end(), a.args.begin(), a.args.end());
    // No global -snapshot: it would also discard what the guest writes to
    // the shared disk. Only the root drive is a snapshot.
    std::vector<std::string> rest = {"-m", "1024", "-smp", std::to_string(o_.smp), "-nodefaults", "-display", "none",
                                     "-monitor", "none", "-serial", "stdio", "-no-reboot"};
    argv.insert(argv.end(), rest.begin(), rest.end());
    if (!o_.image.empty())
      argv.insert(argv.end(), {"-drive", "file=" + o_.image + ",index=0,media=disk,format=" + image_format(o_.image) +
                                             ",snapshot=on"});
    if (!o_.kernel.empty()) argv.insert(argv.end(), {"-kernel", o_.kernel});
    if (!o_.append.empty()) argv.insert(argv.end(), {"-append", o_.append});
    argv.insert(argv.end(), {"-drive", "file=" + o_.run_dir + "/" + o_.shared_image + ",index=1,media=disk,format=raw"});
    argv.insert(argv.end(), o_.qemu_args.begin(), o_.qemu_args.end());
    launch(argv, "$status", {"panic:", "sys: trap: kernel"});

    // The boot questions, each answered only if it appears; the rc prompt is the goal.
    size_t from = 0;
    for (int round = 0; round < 4; round++) {
      int which = -1;
      Wait w = con_->wait_for_any({"bootargs is", "user[", "term% ", "cpu% "}, o_.boot_timeout, from, &which);
      if (w != Wait::matched) return dead_ = fault_of(w, "boot", "boot_timeout");
      from = con_->text().find(which == 0 ? "bootargs is" : which == 1 ? "user[" : which == 2 ? "term% " : "cpu% ", from) + 4;
      if (which >= 2) break;
      con_->send("\n");
    }
    shell_ok_ = true;
    std::string st, out;
    // mk decides by times: set the clock from the host first.
    if (Fault f = step("echo " + std::to_string(std::time(nullptr)) + " >/dev/time", &st, &out); f.any()) return f;
    if (Fault f = step("ls /dev/sd*", &st, &out); f.any()) return f;
    std::string dev = shared_disk(out);
    if (dev.empty()) return dead_ = {"mount_failed", "no shared disk among the sd devices: " + one_line(out)};
    if (Fault f = step("dossrv -f /dev/" + dev + "/data shared", &st, &out); f.any()) return f;
    if (Fault f = step("mount -c /srv/shared /mnt/host", &st, &out); f.any()) return f;
    if (!st.empty()) return dead_ = {"mount_failed", "mount of the shared disk failed: " + st};
    if (Fault f = step("cd /mnt/host", &st, &out); f.any()) return f;
    if (!st.empty()) return dead_ = {"mount_failed", "cd /mnt/host failed: " + st};
    mounted_ = true;
    for (const auto& line : o_.setup) {
      if (Fault f = step(line + " >[2=1]", &st, &out); f.any()) return f;
      if (!st.empty()) return dead_ = {"network_failed", line + ": " + st + " " + one_line(out)};
    }
    return {};
  }

  Fault build() override {
    if (dead_.any()) return dead_;
    std::string st, out;
    const std::string mk = "mk " + o_.build_targets;
    Wait w = con_->run(mk + " >[2=1]", o_.build_timeout, &st, &out);
    if (w != Wait::matched) {
      shell_ok_ = w == Wait::timeout && recover("\x7f");
      return dead_ = fault_of(w, mk, "build_timeout");
    }
    if (!st.empty()) {
      std::string first = first_build_error(out);
      return dead_ = {"build_failed", first.empty() ? "mk: " + st : first};
    }
    return {};
  }

  Fault run_test(const TestRun& t, double* seconds) override {
    return run_program_test(t, "./6." + t.program, "\x7f", true, seconds);
  }

  Fault finish() override {
    Fault f;
    if (shell_ok_ && con_) {
      std::string st;
      Wait w = con_->run("cd /; unmount /mnt/host", 60, &st, nullptr);
      if (w != Wait::matched) f = fault_of(w, "unmount", "halt_failed");
      // fshalt stops every file server (dossrv included, which flushes);
      // the shell may not answer afterwards, so wait for its last words.
      if (!f.any()) {
        size_t from = con_->text().size();
        con_->send("fshalt\n");
        Wait h = con_->wait_for_any({"done halting", "halted"}, 120, from, nullptr);
        if (h != Wait::matched) f = fault_of(h, "fshalt", "halt_failed");
      }
    } else if (mounted_) {
      f = {"halt_failed", "the shell no longer answered: the shared disk was not unmounted (" + dead_.text() + ")"};
    }
    stop();
    if (!mounted_) return dead_.any() ? dead_ : f;
    // Collect what exists, whatever happened: each output file carries its
    // own trailer, so a file the guest did not finish is refused, never judged.
    try {
      collect_outputs();
    } catch (const std::exception& e) {
      if (!f.any()) f = {"collect_failed", e.what()};
    }
    if (dead_.any() && dead_.kind != "test_hang") return dead_;
    return f;
  }

 private:
  Fault step(const std::string& cmd, std::string* st, std::string* out) {
    Wait w = con_->run(cmd, 60, st, out);
    if (w != Wait::matched) {
      shell_ok_ = false;
      return dead_ = fault_of(w, cmd, mounted_ ? "test_hang" : "mount_failed");
    }
    return {};
  }
  static std::string one_line(std::string s) {
    for (char& c : s)
      if (c == '\n') c = ' ';
    return s;
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
      bool system = f.count("fs") || f.count("9fat") || f.count("plan9") || f.count("nvram") || f.count("swap") ||
                    f.count("fscache") || f.count("dos");
      if (!system && f.size() <= 3 && best.empty()) best = dev;
    }
    return best;
  }

  bool mounted_ = false;
};

}  // namespace

std::unique_ptr<Guest> make_9front_guest(const GuestOptions& o) { return std::make_unique<NineFrontGuest>(o); }

}  // namespace nineml::vm
