// The Linux guest: Debian's cloud kernel (or its standard one, which has 9P)
// with a busybox initramfs; the host-built static component tests run from
// the FAT shared disk. With an llmfs socket the standard guest also gets a
// virtio-serial port named "llmfs" whose other end is that socket.
#include <filesystem>

#include "disk.hpp"
#include "guest_console.hpp"
#include "linux_image.hpp"
#include "owned.hpp"

namespace nineml::vm {

namespace {

class LinuxGuest final : public ConsoleGuest {
 public:
  using ConsoleGuest::ConsoleGuest;
  std::string impl_name() const override { return "guest:linux"; }

  Fault start() override {
    LinuxImage img;
    try {
      img = ensure_linux_image(o_.cache_dir, o_.verbose, o_.kernel_flavor);
    } catch (const UsageError&) {
      throw;  // a --cache-dir folder that is not ours: exit 2
    } catch (const std::exception& e) {
      return dead_ = {g_interrupted ? "interrupted" : "harness_error", e.what()};
    }
    Accel a = choose_accel(o_.qemu, img.kernel, img.initramfs, 8, o_.run_dir);
    accel_ = a.description;
    std::fprintf(stderr, "9ml vm: accelerator: %s\n", accel_.c_str());
    if (g_interrupted) return dead_ = {"interrupted", "host run interrupted before the boot"};
    std::string append = "console=ttyS0 quiet panic=-1";
    if (o_.inject == "panic" || o_.inject == "poweroff") append += " nineml.fault=" + o_.inject;
    if (!o_.llmfs_socket.empty()) append += " nineml.vport=llmfs";
    std::vector<std::string> argv = {o_.qemu};
    argv.insert(argv.end(), a.args.begin(), a.args.end());
    std::vector<std::string> rest = {"-m", "512", "-smp", std::to_string(o_.smp), "-nodefaults", "-display", "none", "-monitor", "none",
                                     "-serial", "stdio", "-no-reboot", "-kernel", img.kernel, "-initrd", img.initramfs,
                                     "-append", append, "-drive", "file=" + image() + ",format=raw,if=virtio"};
    argv.insert(argv.end(), rest.begin(), rest.end());
    if (!o_.llmfs_socket.empty()) {
      // A byte stream and no network: QEMU connects to the server's socket
      // (a client, started after the server) and the guest sees
      // /dev/virtio-ports/llmfs. QEMU's option syntax doubles commas.
      std::string path;
      for (char c : o_.llmfs_socket) path += c == ',' ? std::string(",,") : std::string(1, c);
      std::vector<std::string> port = {"-device", "virtio-serial-pci,id=vser0", "-chardev", "socket,id=llmfs,path=" + path,
                                       "-device", "virtserialport,bus=vser0.0,chardev=llmfs,name=llmfs"};
      argv.insert(argv.end(), port.begin(), port.end());
    }
    argv.insert(argv.end(), o_.qemu_args.begin(), o_.qemu_args.end());
    launch(argv, "$?", {"Kernel panic"});
    int which = -1;
    double boot = o_.inject == "boot-timeout" ? 0.5 : o_.boot_timeout;
    // The failures first: init prints them before __9ML_READY__.
    Wait w = con_->wait_for_any({"__9ML_NO_PORT__", "__9ML_NO_DISK__", "__9ML_READY__"}, boot, 0, &which);
    if (w != Wait::matched) return dead_ = fault_of(w, "boot", "boot_timeout");
    if (which == 0) return dead_ = {"harness_error", "the guest has no virtio-serial port named llmfs (virtio_console)"};
    if (which == 1) return dead_ = {"harness_error", "the guest could not mount the shared disk /dev/vda"};
    std::string st;
    w = con_->run("cd /mnt/host", 60, &st, nullptr);
    if (w != Wait::matched) return dead_ = fault_of(w, "boot", "boot_timeout");
    if (o_.inject == "qemu-exit") child_->kill_group();
    return {};
  }

  Fault run_test(const TestRun& t, double* seconds) override {
    return run_program_test(t, "./" + t.program, "\x03", false, seconds);
  }

  Fault finish() override {
    Fault f;
    if (!dead_.any()) {
      std::string st;
      Wait w = con_->run("cd / && sync && umount /mnt/host", 60, &st, nullptr);
      if (w != Wait::matched) f = fault_of(w, "unmount");
      else if (st != "0") f = {"harness_error", "umount /mnt/host failed in the guest (status " + st + ")"};
      if (!f.any()) {
        con_->send("poweroff -f\n");
        if (!child_->wait_exit(60000)) f = {"harness_error", "the guest did not power off within 60 s"};
      }
    }
    stop();
    if (dead_.any() && dead_.kind != "test_hang") return dead_;
    try {
      collect_outputs();
    } catch (const std::exception& e) {
      if (!f.any()) f = {"harness_error", e.what()};
    }
    return f;
  }

 private:
  std::string image() const { return o_.run_dir + "/shared.img"; }
};

}  // namespace

std::unique_ptr<Guest> make_linux_guest(const GuestOptions& o) { return std::make_unique<LinuxGuest>(o); }

}  // namespace nineml::vm
