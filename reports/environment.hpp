// Where a report was made (issue 18): the build (version, commit, compiler,
// flags) and the machine (OS, CPU, SIMD levels available and dispatched,
// threads), so that two reports from two machines can be told apart. The
// keys are docs/REPORT_SCHEMA.md's "environment".
#pragma once

#include <map>
#include <string>

namespace nineml::report {

// CMake's project version (CMakeLists.txt), e.g. "0.1.0".
const char* tool_version();
// `git describe --always --dirty` of the source tree when it was built, or
// "unknown" outside a git checkout.
const char* build_commit();

// The build's and this machine's facts, for Report::environment.
std::map<std::string, std::string> host_environment();

}  // namespace nineml::report
