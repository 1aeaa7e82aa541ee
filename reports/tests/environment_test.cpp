// The environment block: the build's identity from CMake and git, the
// machine's facts, and fault injection recorded when it is on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "environment.hpp"

namespace nineml::report {
namespace {

TEST(Environment, BuildIdentityComesFromCMakeAndGit) {
  EXPECT_STREQ(tool_version(), NINEML_TEST_PROJECT_VERSION);
  EXPECT_STRNE(build_commit(), "");
  auto e = host_environment();
  EXPECT_EQ(e["tool_version"], NINEML_TEST_PROJECT_VERSION);
  EXPECT_EQ(e["commit"], build_commit());
  for (const char* k : {"compiler", "build_type", "compile_flags", "os", "machine", "cpu_model", "cpus",
                        "simd_available", "simd_dispatched"})
    EXPECT_FALSE(e[k].empty()) << k;
}

TEST(Environment, DispatchedLevelIsOneOfTheAvailable) {
  unsetenv("NINEML_SIMD");
  auto e = host_environment();
  std::istringstream levels(e["simd_available"]);
  bool found = false;
  for (std::string l; levels >> l;) found |= l == e["simd_dispatched"];
  EXPECT_TRUE(found) << e["simd_dispatched"] << " not in " << e["simd_available"];
  setenv("NINEML_SIMD", "scalar", 1);
  EXPECT_EQ(host_environment()["simd_dispatched"], "scalar (NINEML_SIMD=scalar)");
  unsetenv("NINEML_SIMD");
}

TEST(Environment, FaultInjectionIsRecorded) {
  unsetenv("NINEML_FAULT");
  EXPECT_EQ(host_environment().count("fault_injection"), 0u);
  setenv("NINEML_FAULT", "softmax", 1);
  EXPECT_EQ(host_environment()["fault_injection"], "softmax");
  unsetenv("NINEML_FAULT");
}

}  // namespace
}  // namespace nineml::report
