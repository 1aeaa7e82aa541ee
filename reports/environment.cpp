// environment.cpp: the build's and this machine's facts for a report
// (environment.hpp). Host only: /proc/cpuinfo and uname(2) are Linux's.
#include "environment.hpp"

#include <sys/utsname.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "kernel_table.h"

namespace nineml::report {

namespace build {
extern const char kVersion[];
extern const char kCommit[];
extern const char kCompiler[];
extern const char kBuildType[];
extern const char kFlags[];
}  // namespace build

const char* tool_version() { return build::kVersion; }
const char* build_commit() { return build::kCommit; }

namespace {

// /proc/cpuinfo's first value of KEY ("model name", "flags"), or "".
std::string cpuinfo(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

// The CPU flags the kernel tables ask for (engine/simd/cpu.c), in the
// kernel's spelling; the full list is long and says nothing more here.
std::string simd_flags() {
  static const char* wanted[] = {"sse2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                                 "avx512_vnni", "avx512_bf16", "avx512_fp16"};
  std::istringstream have(cpuinfo("flags"));
  std::set<std::string> flags;
  for (std::string f; have >> f;) flags.insert(f);
  std::string out;
  for (const char* w : wanted) {
    if (flags.count(w) == 0) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> host_environment() {
  std::map<std::string, std::string> e;
  e["tool_version"] = build::kVersion;
  e["commit"] = build::kCommit;
  e["compiler"] = build::kCompiler;
  e["build_type"] = build::kBuildType;
  e["compile_flags"] = build::kFlags;
  struct utsname u;
  if (uname(&u) == 0) {
    e["os"] = u.sysname;
    e["os"] += ' ';
    e["os"] += u.release;
    e["machine"] = u.machine;
  }
  e["cpu_model"] = cpuinfo("model name");
  e["cpu_flags"] = simd_flags();
  e["cpus"] = std::to_string(std::thread::hardware_concurrency());
  std::string levels;
  for (const char* l : {"scalar", "sse2", "avx2", "avx512"}) {
    if (nm_kernels_by_name(l) == nullptr) continue;
    if (!levels.empty()) levels += ' ';
    levels += l;
  }
  e["simd_available"] = levels;
  const nm_kernel_table* t = nm_kernels_select(nullptr);
  e["simd_dispatched"] = t != nullptr ? t->name : "none";
  const char* forced = std::getenv("NINEML_SIMD");
  if (forced != nullptr && *forced != 0) {
    e["simd_dispatched"] += " (NINEML_SIMD=";
    e["simd_dispatched"] += forced;
    e["simd_dispatched"] += ')';
  }
  const char* fault = std::getenv("NINEML_FAULT");
  if (fault != nullptr && *fault != 0) e["fault_injection"] = fault;
  return e;
}

}  // namespace nineml::report
