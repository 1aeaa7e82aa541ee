// port.h's atomic output files (nm_out) and nm_same_file on the host: OUT
// holds the old bytes (or does not exist) until commit, nothing is left
// behind, symlinks and permissions are respected, errors are one line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "port/port.h"

namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path p;
  Dir() {
    p = fs::temp_directory_path() / ("nineml-out-" + std::to_string(::getpid()) + "-" +
                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~Dir() { fs::remove_all(p); }
  std::string file(const std::string& n) const { return (p / n).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(p)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void put(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Sets NINEML_OUT_NO_TMPFILE for one scope (the named-temporary path).
struct NoTmpfile {
  NoTmpfile() { setenv("NINEML_OUT_NO_TMPFILE", "1", 1); }
  ~NoTmpfile() { unsetenv("NINEML_OUT_NO_TMPFILE"); }
};

// Bytes big enough to pass the 1 MiB buffer, in pieces of odd sizes.
std::string payload() {
  std::string s;
  for (uint64_t i = 0; s.size() < (3u << 20); i++) s += std::to_string(i * 7919) + ",";
  return s;
}

void write_pieces(nm_out* o, const std::string& s) {
  char err[256];
  size_t at = 0, step = 1;
  while (at < s.size()) {
    size_t n = std::min(step, s.size() - at);
    ASSERT_EQ(nm_out_write(o, s.data() + at, n, err, sizeof err), 0) << err;
    at += n;
    step = step * 3 + 1;  // 1, 4, 13, ... up to several MiB
  }
}

}  // namespace

TEST(OutFile, FreshPathAppearsOnlyAtCommit) {
  for (int named = 0; named < 2; named++) {
    Dir d;
    std::unique_ptr<NoTmpfile> env(named ? new NoTmpfile : nullptr);
    char err[256] = {0};
    const std::string out = d.file("m.bin"), want = payload();
    nm_out* o = nm_out_open(out.c_str(), err, sizeof err);
    ASSERT_NE(o, nullptr) << err;
    write_pieces(o, want);
    EXPECT_FALSE(fs::exists(out)) << named;
    if (!named) {
      EXPECT_TRUE(d.names().empty());  // O_TMPFILE: no name at all
    }
    if (named) {
      ASSERT_EQ(d.names().size(), 1u);
      EXPECT_EQ(d.names()[0].rfind(".m.bin.9ml-", 0), 0u) << d.names()[0];
    }
    ASSERT_EQ(nm_out_commit(o, err, sizeof err), 0) << err;
    EXPECT_EQ(slurp(out), want);
    EXPECT_EQ(d.names(), std::vector<std::string>{"m.bin"}) << named;
  }
}

TEST(OutFile, ExistingFileUntouchedUntilCommitAndAfterAbort) {
  for (int named = 0; named < 2; named++) {
    Dir d;
    std::unique_ptr<NoTmpfile> env(named ? new NoTmpfile : nullptr);
    char err[256] = {0};
    const std::string out = d.file("m.bin");
    put(out, "old content");
    nm_out* o = nm_out_open(out.c_str(), err, sizeof err);
    ASSERT_NE(o, nullptr) << err;
    write_pieces(o, payload());
    EXPECT_EQ(slurp(out), "old content");
    nm_out_abort(o);
    EXPECT_EQ(slurp(out), "old content");
    EXPECT_EQ(d.names(), std::vector<std::string>{"m.bin"}) << named;  // the temporary is gone

    o = nm_out_open(out.c_str(), err, sizeof err);
    ASSERT_NE(o, nullptr) << err;
    ASSERT_EQ(nm_out_write(o, "new", 3, err, sizeof err), 0) << err;
    EXPECT_EQ(slurp(out), "old content");
    ASSERT_EQ(nm_out_commit(o, err, sizeof err), 0) << err;
    EXPECT_EQ(slurp(out), "new");
    EXPECT_EQ(d.names(), std::vector<std::string>{"m.bin"}) << named;
  }
}

TEST(OutFile, KeepsPermissionsAndWritesThroughSymlinks) {
  Dir d;
  char err[256] = {0};
  const std::string target = d.file("real.bin"), link = d.file("link.bin");
  put(target, "old");
  ASSERT_EQ(chmod(target.c_str(), 0640), 0);
  fs::create_symlink("real.bin", link);
  ASSERT_EQ(nm_write_file(link.c_str(), reinterpret_cast<const nm_u8*>("new"), 3, err, sizeof err), 0) << err;
  EXPECT_TRUE(fs::is_symlink(link));  // still a link, to the new content
  EXPECT_EQ(slurp(target), "new");
  struct stat st;
  ASSERT_EQ(stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(d.names(), (std::vector<std::string>{"link.bin", "real.bin"}));
}

TEST(OutFile, WritesDevicesInPlace) {
  char err[256] = {0};
  EXPECT_EQ(nm_write_file("/dev/null", reinterpret_cast<const nm_u8*>("x"), 1, err, sizeof err), 0) << err;
}

TEST(OutFile, OneLineErrors) {
  Dir d;
  char err[256] = {0};
  const std::string missing = d.file("no/such/dir/m.bin");
  EXPECT_EQ(nm_out_open(missing.c_str(), err, sizeof err), nullptr);
  EXPECT_EQ(std::string(err), missing + ": cannot create a file in " + d.file("no/such/dir") +
                                   " (No such file or directory)");
  EXPECT_EQ(nm_out_open(d.p.c_str(), err, sizeof err), nullptr);
  EXPECT_EQ(std::string(err), d.p.string() + ": is a directory, not a file");
  nm_out_abort(nullptr);  // allowed
}

TEST(OutFile, SameFile) {
  Dir d;
  put(d.file("a"), "x");
  put(d.file("b"), "x");
  fs::create_hard_link(d.file("a"), d.file("hard"));
  fs::create_symlink(d.file("a"), d.file("sym"));
  EXPECT_EQ(nm_same_file(d.file("a").c_str(), d.file("a").c_str()), 1);
  EXPECT_EQ(nm_same_file(d.file("a").c_str(), (d.p / "." / "a").c_str()), 1);
  EXPECT_EQ(nm_same_file(d.file("a").c_str(), d.file("hard").c_str()), 1);
  EXPECT_EQ(nm_same_file(d.file("sym").c_str(), d.file("a").c_str()), 1);
  EXPECT_EQ(nm_same_file(d.file("a").c_str(), d.file("b").c_str()), 0);
  EXPECT_EQ(nm_same_file(d.file("a").c_str(), d.file("missing").c_str()), 0);
  EXPECT_EQ(nm_same_file(d.file("missing").c_str(), d.file("missing").c_str()), 0);
}
