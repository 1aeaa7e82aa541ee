// fake9front: a scripted stand-in for a 9front guest on a serial console, run
// by `9ml vm --guest 9front --qemu fake9front` in place of QEMU, for the
// faults a real 9front cannot be made to produce (a boot that hangs, a panic,
// an emulator that exits early) and for the harness's own tests without the
// real image. What it prints comes from a real 9front's console, recorded in
// recorded_9front.txt (boot, ls /dev/sd*, dossrv, fshalt); the installed
// image's boot questions (--fake-questions) come from 9front's boot program,
// which our image never asks. It executes the commands the
// harness sends against the shared FAT image given with -drive ...,index=1
// (mounting = extracting it with mtools, unmounting = copying out/ back),
// "builds" with mk by checking the mkfile's component target and installing
// the host-built component tests as 6.ct_*, and runs them, reporting a trap
// like Plan 9 does. QEMU options it does not know are ignored.
//
//   --fake-bin=DIR          host-built component tests (required for mk)
//   --fake-fault=KIND       boot-hang | panic | exit-early
//   --fake-questions        ask bootargs and user before the prompt, as an installed 9front does
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "owned.hpp"
#include "process.hpp"

namespace fs = std::filesystem;
using nineml::vm::Child;
using nineml::vm::run_command;

namespace {

std::string image, bin_dir, fault, status, host_dir, cwd = "/";

void out(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

std::map<std::string, std::string> recorded;  // piece name -> console text

// Reads the recorded console (FAKE9FRONT_TRANSCRIPT): "== NAME" starts a piece.
void load_recorded() {
  std::ifstream f(FAKE9FRONT_TRANSCRIPT);
  if (!f) {
    std::fprintf(stderr, "fake9front: %s: cannot open\n", FAKE9FRONT_TRANSCRIPT);
    std::exit(2);
  }
  std::string line, piece;
  while (std::getline(f, line)) {
    if (line.starts_with("#")) continue;
    if (line.starts_with("== ")) {
      piece = line.substr(3);
      recorded[piece];
      continue;
    }
    recorded[piece] += line + "\r\n";
  }
}
// A recorded piece, as the console printed it.
void play(const std::string& piece) { out(recorded.at(piece)); }

// A line from the console (what the harness types), echoed like a terminal.
bool read_line(std::string& line) {
  line.clear();
  int c;
  while ((c = std::getchar()) != EOF) {
    if (c == '\n') {
      out(line + "\r\n");
      return true;
    }
    line += static_cast<char>(c);
  }
  return false;
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  return w;
}

std::string here() { return cwd == "/mnt/host" ? host_dir : cwd; }

void run_program(const std::vector<std::string>& w) {
  std::string name = w[0].substr(2);
  std::vector<std::string> argv = {(fs::path(host_dir) / name).string()};
  argv.insert(argv.end(), w.begin() + 1, w.end());
  // The host-built programs have no plan9-sse2 level (6a only): the fake
  // runs those runs on scalar, which every host has; it stands in for the
  // guest's console, not for the level's bits.
  std::replace(argv.begin(), argv.end(), std::string("simd:plan9-sse2"), std::string("simd:scalar"));
  if (cwd != "/mnt/host" || !fs::exists(argv[0])) {
    out(w[0] + ": './" + name + "' file does not exist\r\n");
    status = "file does not exist";
    return;
  }
  Child c(argv, host_dir, false);  // dies with this process's group
  std::string text;
  bool interrupted = false;
  for (;;) {
    bool open = c.read_some(text, 20);
    if (!text.empty()) {
      std::string crlf;
      for (char ch : text) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
      out(crlf);
      text.clear();
    }
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, 0) > 0) {
      char ch;
      if (read(0, &ch, 1) == 1 && ch == 0x7f) {  // DEL interrupts
        c.kill_group();
        interrupted = true;
        break;
      }
    }
    if (!open) break;
  }
  c.wait_exit(60000);
  int st = c.raw_status();
  std::string pid = std::to_string(c.pid());
  if (interrupted) {
    status = name + " " + pid + ": interrupt";
  } else if (WIFSIGNALED(st)) {
    std::string note = name + " " + pid + ": sys: trap: fault read addr=0x0 pc=0x20001a";
    out(note + "\r\n");
    status = note;
  } else {
    status = WEXITSTATUS(st) == 0 ? "" : name + " " + pid + ": fail";
  }
}

void mk(const std::vector<std::string>& w) {
  std::ifstream f(fs::path(here()) / "mkfile");
  std::string mkfile((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> targets;
  for (size_t i = 1; i < w.size(); i++)
    if (!w[i].starts_with(">")) targets.push_back(w[i]);  // >[2=1] is a redirection
  bool component = std::find(targets.begin(), targets.end(), "component") != targets.end();
  if (!component || mkfile.find("\ncomponent:") == std::string::npos) {
    out("mk: don't know how to make '" + (targets.empty() ? std::string("all") : targets.back()) + "'\r\n");
    status = "mk: error";
    return;
  }
  for (const auto& e : fs::directory_iterator(bin_dir)) {
    std::string prog = e.path().filename().string();
    if (!prog.starts_with("ct_")) continue;
    if (mkfile.find(prog) == std::string::npos) {
      out("mk: mkfile does not build " + prog + "\r\n");
      status = "mk: error";
      return;
    }
    if (!fs::exists(fs::path(here()) / "conformance" / "component" / (prog + ".c"))) {
      out("6c: conformance/component/" + prog + ".c: file does not exist\r\n");
      status = "mk: error";
      return;
    }
    out("6l -o 6." + prog + " conformance/component/" + prog + ".6 ...\r\n");
    fs::copy_file(e.path(), fs::path(here()) / ("6." + prog), fs::copy_options::overwrite_existing);
  }
  status = "";
}

void execute(const std::string& cmd) {
  auto w = words(cmd);
  if (w.empty()) return;
  if (w[0] == "echo") {
    std::string text;
    bool to_file = false;
    for (size_t i = 1; i < w.size(); i++) {
      if (w[i].starts_with(">")) {
        to_file = true;
        break;
      }
      std::string t = w[i];
      size_t p = t.find("$status");
      if (p != std::string::npos) t.replace(p, 7, status);
      for (size_t q; (q = t.find("''")) != std::string::npos;) t.erase(q, 2);  // rc: '' is an empty word part
      text += (text.empty() ? "" : " ") + t;
    }
    if (!to_file) out(text + "\r\n");
    status = "";
  } else if (w[0] == "ls" && w.size() == 2 && w[1] == "/dev/sd*") {
    play("ls /dev/sd*");
    status = "";
  } else if (w[0] == "dossrv") {
    bool ok = w.size() == 4 && w[2] == "/dev/sdC1/data";
    if (ok) play("dossrv");
    status = ok ? "" : "dossrv: bad disk";
  } else if (w[0] == "mount") {
    if (w.size() != 4 || w[2] != "/srv/shared" || w[3] != "/mnt/host") {
      status = "mount: bad arguments";
      return;
    }
    std::string log;
    int rc = run_command({"mcopy", "-i", image, "-s", "-n", "::*", host_dir + "/"}, &log, 120);
    status = rc == 0 ? "" : "mount: " + log;
    if (fault == "exit-early") std::exit(1);
  } else if (w[0] == "cd") {
    cwd = w.size() > 1 ? w[1] : "/";
    status = "";
  } else if (w[0] == "mk") {
    mk(w);
  } else if (w[0].starts_with("./")) {
    run_program(w);
  } else if (w[0] == "unmount") {
    std::string log;
    int rc = 0;
    for (const auto& e : fs::directory_iterator(host_dir))
      if (e.is_directory() && e.path().filename().string().starts_with("out") && rc == 0)
        rc = run_command({"mcopy", "-i", image, "-s", "-o", e.path().string(), "::"}, &log, 120);
    status = rc == 0 ? "" : "unmount: " + log;
  } else if (w[0] == "fshalt") {
    play("fshalt");
    std::string line;
    while (read_line(line)) {
    }
    std::exit(0);
  } else {
    out("rc: " + w[0] + ": file does not exist\r\n");
    status = w[0] + ": file does not exist";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool questions = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--fake-questions") questions = true;
    if (a.starts_with("--fake-bin=")) bin_dir = a.substr(11);
    if (a.starts_with("--fake-fault=")) fault = a.substr(13);
    if (a == "-drive" && i + 1 < argc) {
      std::string d = argv[i + 1];
      if (d.find("index=1") != std::string::npos && d.starts_with("file=")) image = d.substr(5, d.find(',') - 5);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  // "Mounted" files live beside the image (in the run directory), so that
  // nothing is left elsewhere when the harness kills this process.
  if (!image.empty()) {
    host_dir = (fs::path(image).parent_path() / "fake9front-mnt").string();
    try {
      nineml::vm::reset_owned_dir(host_dir, "--run-dir");  // never a folder it did not make
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fake9front: %s\n", e.what());
      return 2;
    }
  }
  load_recorded();
  std::string boot = recorded.at("boot");
  size_t init = boot.rfind("init: starting /bin/rc");
  out(boot.substr(0, init));  // the kernel's messages, up to the last rc start
  if (fault == "boot-hang") {
    std::string line;
    while (read_line(line)) {
    }
    return 0;
  }
  std::string line;
  if (questions) {
    out("bootargs is (tcp, tls, il, local!device)[local!/dev/sdC0/fs] ");
    if (!read_line(line)) return 0;
    out("user[glenda]: ");
    if (!read_line(line)) return 0;
  }
  if (fault == "panic") {
    out("panic: fake9front: injected panic\r\n");
    while (read_line(line)) {
    }
    return 0;
  }
  out(boot.substr(init));
  for (;;) {
    out("term% ");
    if (!read_line(line)) break;
    size_t start = 0;
    while (start <= line.size()) {
      size_t semi = line.find("; ", start);
      execute(line.substr(start, semi == std::string::npos ? std::string::npos : semi - start));
      if (semi == std::string::npos) break;
      start = semi + 2;
    }
  }
  return 0;
}
