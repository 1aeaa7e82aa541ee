// The llmfs server over real sockets, in process: the protocol as the
// 9P2000 manual pages describe it, sessions that give `9ml run`'s tokens,
// the pool's rules and its memory figures, and load (docs/LLMFS.md).
// GCC 12 warns falsely on string concatenation (its bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "checkpoint_gen.hpp"
#include "client.hpp"
#include "reference.hpp"
#include "vocab_gen.hpp"

extern "C" {
#include "formats/formats.h"
#include "llmfs.h"
#include "model/generate.h"
#include "tokenizer.h"
}

namespace fs = std::filesystem;
using llmfs_test::Client;
using llmfs_test::Error;

namespace {

// Generated llama2.c models (seeded weights) and the test vocabulary.
struct Files {
  fs::path dir;
  Files() {
    dir = fs::temp_directory_path() / ("llmfs_test_" + std::to_string(getpid()));
    fs::create_directories(dir);
    for (int i = 0; i < 3; i++) {
      auto c = nineml::fixtures::arch_config("llama2", 256);
      nineml::ref::save_v0(nineml::fixtures::make_checkpoint(c, 100 + i), (dir / (std::string(1, 'a' + i) + ".bin")).string());
    }
    // a long context: generations that last long enough to be caught running
    auto c = nineml::fixtures::arch_config("llama2", 4096);
    nineml::ref::save_v0(nineml::fixtures::make_checkpoint(c, 7), (dir / "long.bin").string());
    nineml::fixtures::write_test_vocab((dir / "tok.bin").string());
  }
  ~Files() { fs::remove_all(dir); }
  std::string p(const std::string& name) const { return (dir / name).string(); }
};

Files& files() {
  static Files f;
  return f;
}

// `9ml run --ids`'s computation (cli/cmd_run.cpp), straight on the engine.
std::string run_ids(const std::string& model, const std::string& tok, const std::string& prompt, float temp,
                    float topp, uint64_t seed, int steps) {
  nm_model m;
  nm_vocab v{};
  char err[512];
  if (nm_model_load(&m, model.c_str(), err, sizeof err) != 0) throw std::runtime_error(err);
  if (nm_vocab_from_file(&v, tok.c_str(), 0, err, sizeof err) != 0) throw std::runtime_error(err);
  const nm_kernel_table* k = nm_kernels_select(nullptr);
  nm_model_pack(&m, k);
  std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(prompt.size()))));
  int n = 0;
  nm_tok_encode(&v, prompt.data(), static_cast<int>(prompt.size()), 1, 0, ids.data(), static_cast<int>(ids.size()), &n,
                err, sizeof err);
  const char* why = nullptr;
  nm_state* s = nm_state_new_ctx(&m, steps, &why);
  nm_sampler sp;
  nm_sampler_init(&sp, m.cfg.vocab_size, temp, topp, seed);
  struct Acc {
    std::vector<int> all;
  } acc;
  nm_gen_callbacks cb{nullptr, [](void* a, int, int t) { static_cast<Acc*>(a)->all.push_back(t); }, &acc, nullptr};
  nm_exec ex{k, nullptr};
  nm_generate(s, &m, &ex, &sp, ids.data(), n, steps, &cb);
  std::string out = "prompt:";
  for (int i = 0; i < n; i++) out += " " + std::to_string(ids[static_cast<size_t>(i)]);
  out += "\ngenerated:";
  for (size_t i = static_cast<size_t>(n - 1); i < acc.all.size(); i++) out += " " + std::to_string(acc.all[i]);
  out += "\n";
  nm_sampler_free(&sp);
  nm_state_free(s);
  nm_vocab_free(&v);
  nm_model_free(&m);
  return out;
}

class Server : public ::testing::Test {
 protected:
  void start(lf_limits lim) {
    char err[512];
    srv_ = lf_server_new(&lim, err, sizeof err);
    ASSERT_NE(srv_, nullptr) << err;
    ASSERT_EQ(lf_server_allow(srv_, files().dir.c_str(), err, sizeof err), 0) << err;
    listener_ = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
    ASSERT_GE(listener_, 0) << err;
    char bound[256];
    nm_announced(listener_, bound, sizeof bound);
    addr_ = bound;
    thread_ = std::thread([this] {
      char e[256];
      lf_serve(srv_, listener_, e, sizeof e);
    });
  }
  void SetUp() override {
    lf_limits lim;
    lf_limits_default(&lim);
    start(lim);
  }
  void TearDown() override {
    if (listener_ >= 0) nm_announce_close(listener_);
    if (thread_.joinable()) thread_.join();
    lf_server_free(srv_);
  }
  std::string ctl(const std::string& cmd) {
    char err[512];
    if (lf_server_ctl(srv_, cmd.c_str(), err, sizeof err) != 0) return err;
    return "";
  }
  // Opens a session on c: its number.
  static std::string clone(Client& c) {
    std::string n = c.cat("clone");
    while (!n.empty() && n.back() == '\n') n.pop_back();
    return n;
  }
  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  lf_server* srv_ = nullptr;
  int listener_ = -1;
  std::string addr_;
  std::thread thread_;
};

// ---- the protocol (intro(5), version(5), attach(5), walk(5), open(5), read(5), flush(5), stat(5)) ----

TEST_F(Server, VersionNegotiatesMsizeAndDialect) {
  Client c(addr_);
  EXPECT_EQ(c.version(1u << 22), 65536u + LF_IOHDRSZ);  // the server's msize when the client offers more
  EXPECT_EQ(c.version(4096), 4096u);                     // the client's when smaller
  lf_fcall t{};
  t.type = LF_Tversion;
  t.tag = LF_NOTAG;
  t.msize = 8192;
  t.version = const_cast<char*>("9P2000.L");
  EXPECT_STREQ(c.rpc(t).f.version, "9P2000");
  t.version = const_cast<char*>("9P1999");
  EXPECT_STREQ(c.rpc(t).f.version, "unknown");
}

TEST_F(Server, RequestsBeforeVersionAreRefused) {
  Client c(addr_);
  EXPECT_EQ(error_of([&] { c.attach(0); }), "Tversion first");
}

TEST_F(Server, AttachWalkOpenReadStat) {
  Client c(addr_);
  c.connect_fs();
  EXPECT_EQ(c.cat("pool/limit"), "8 0\n");
  EXPECT_EQ(c.cat("pool/count"), "0\n");
  EXPECT_EQ(error_of([&] { c.walk("nonesuch"); }), "file does not exist");
  EXPECT_EQ(error_of([&] { c.walk("pool/count/x"); }), "walk " + std::string("pool/count/x") + ": file does not exist");
  EXPECT_EQ(error_of([&] { c.walk("1"); }), "file does not exist");  // no session 1 yet
  // reads at odd offsets
  uint32_t f = c.walk("pool/limit");
  c.open(f, LF_OREAD);
  EXPECT_EQ(c.read(f, 2, 100), "0\n");
  EXPECT_EQ(c.read(f, 1, 1), " ");
  EXPECT_EQ(c.read(f, 99, 100), "");
  EXPECT_EQ(error_of([&] { c.open(f, LF_OREAD); }), "fid already open");
  c.clunk(f);
  EXPECT_EQ(error_of([&] { c.clunk(f); }), "unknown fid");
  // permissions: pool files are read-only, prompt write-only
  f = c.walk("pool/count");
  EXPECT_EQ(error_of([&] { c.open(f, LF_OWRITE); }), "permission denied");
  c.clunk(f);
  // the root directory's entries, whole stat records
  f = c.walk("");
  c.open(f, LF_OREAD);
  std::string d = c.read_all(f);
  std::vector<std::string> names;
  for (size_t off = 0; off < d.size();) {
    lf_dir e;
    char strs[512], err[256];
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(d[off]) | static_cast<uint8_t>(d[off + 1]) << 8) + 2;
    ASSERT_EQ(lf_unpack_dir(reinterpret_cast<const uint8_t*>(d.data()) + off, n, &e, strs, sizeof strs, err, sizeof err), 0)
        << err;
    names.push_back(e.name);
    off += n;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ctl", "model", "clone", "pool"}));
  // a directory read at an offset that is not where the last one ended
  EXPECT_EQ(error_of([&] { c.read(f, 3, 100); }), "bad offset in directory read");
  c.clunk(f);
}

TEST_F(Server, WalkOfSeventeenNamesIsRefused) {
  Client c(addr_);
  c.connect_fs();
  // 16 names are a valid walk that fails at the first; 17 are not a message
  EXPECT_EQ(error_of([&] { c.walk("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p"); }), "file does not exist");
  std::vector<uint8_t> m = {0, 0, 0, 0, LF_Twalk, 5, 0, 0, 0, 0, 0, 9, 0, 0, 0, 17, 0};
  for (int i = 0; i < 17; i++) m.insert(m.end(), {1, 0, 'x'});
  m[0] = static_cast<uint8_t>(m.size());
  c.send_raw(m);
  llmfs_test::Reply r = c.recv(5);
  EXPECT_EQ(r.f.type, LF_Rerror);
  EXPECT_NE(std::string(r.f.ename).find("17"), std::string::npos) << r.f.ename;
  EXPECT_EQ(c.cat("pool/count"), "0\n");  // the connection goes on
}

TEST_F(Server, AMessageLargerThanMsizeEndsTheConnection) {
  Client c(addr_);
  c.version(4096);
  std::vector<uint8_t> m(5000, 0);
  m[0] = 5000 & 0xFF;
  m[1] = 5000 >> 8;
  m[4] = LF_Twrite;
  c.send_raw(m);
  EXPECT_FALSE(c.has_reply(0, 2000));
  Client again(addr_);  // the server goes on
  again.connect_fs();
  EXPECT_EQ(again.cat("pool/count"), "0\n");
}

// ---- sessions ----

TEST_F(Server, SessionGivesTheTokensOf9mlRun) {
  ASSERT_EQ(ctl("load " + files().p("a.bin") + " " + files().p("tok.bin")), "");
  Client c(addr_);
  c.connect_fs();
  std::string n = clone(c);
  EXPECT_EQ(c.cat(n + "/status"), "idle\n");
  EXPECT_EQ(c.cat(n + "/model"), "(default)\n");
  c.echo(n + "/ctl", "temp 0.8");
  c.echo(n + "/ctl", "topp 0.9\n");
  c.echo(n + "/ctl", "seed 42");
  c.echo(n + "/ctl", "steps 40");
  EXPECT_EQ(c.cat(n + "/ctl"), "temp 0.800000 topp 0.900000 seed 42 steps 40\n");
  c.echo(n + "/prompt", "Once upon a time");
  c.echo(n + "/ctl", "generate");
  std::string out = c.cat(n + "/output");  // blocks until the end
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(c.cat(n + "/ids"), run_ids(files().p("a.bin"), files().p("tok.bin"), "Once upon a time", 0.8f, 0.9f, 42, 40));
  EXPECT_EQ(c.cat(n + "/status").rfind("done ", 0), 0u);
  // greedy, and a second generation replaces the first
  c.echo(n + "/ctl", "temp 0");
  c.echo(n + "/ctl", "generate");
  c.cat(n + "/output");
  EXPECT_EQ(c.cat(n + "/ids"), run_ids(files().p("a.bin"), files().p("tok.bin"), "Once upon a time", 0.0f, 0.9f, 42, 40));
  c.echo(n + "/ctl", "close");
  EXPECT_EQ(error_of([&] { c.walk(n); }), "file does not exist");
}

TEST_F(Server, BadSettingsAreRefusedAndChangeNothing) {
  Client c(addr_);
  c.connect_fs();
  std::string n = clone(c);
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "temp -1"); }), "temp -1: expected a decimal number >= 0");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "topp 1.5"); }), "topp 1.5: expected a decimal number in [0, 1]");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "seed -3"); }), "seed -3: expected a whole number 0..2^64-1 (0: the time)");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "steps 0"); }), "steps 0: expected a whole number 1..65536 (--max-steps)");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "temp nan"); }), "temp nan: expected a decimal number >= 0");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "fly"); }).rfind("ctl: unknown command", 0), 0u);
  EXPECT_EQ(c.cat(n + "/ctl"), "temp 1.000000 topp 0.900000 seed 0 steps 256\n");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "generate"); }),
            "generate: no model: load one on the server's ctl, or bind a pool model");
  EXPECT_EQ(error_of([&] { c.echo(n + "/model", "nonesuch"); }), "model nonesuch: not in the pool (pool-load it first)");
}

TEST_F(Server, StreamReadsBlockUntilTokensAndFlushCancelsAWaitingRead) {
  ASSERT_EQ(ctl("load " + files().p("long.bin") + " " + files().p("tok.bin")), "");
  Client c(addr_);
  c.connect_fs();
  std::string n = clone(c);
  c.echo(n + "/ctl", "steps 4096");
  c.echo(n + "/ctl", "temp 0");
  uint32_t out = c.walk(n + "/output");
  c.open(out, LF_OREAD);
  uint32_t st = c.walk(n + "/stream");
  c.open(st, LF_OREAD);
  c.echo(n + "/ctl", "generate");
  uint16_t waiting = c.send_read(out, 0, 4096);  // blocks: generation runs
  std::string status = c.cat(n + "/status");
  EXPECT_EQ(status.rfind("generating ", 0), 0u) << status;
  lf_fcall fl{};
  fl.type = LF_Tflush;
  fl.oldtag = waiting;
  uint16_t ft = c.send(fl);
  llmfs_test::Reply r = c.recv(ft);
  EXPECT_EQ(r.f.type, LF_Rflush);
  // the stream: each read returns what is new, then EOF at the end
  std::string streamed;
  for (int i = 0; i < 100000; i++) {
    std::string d = c.read(st, streamed.size(), 4096);
    if (d.empty()) break;
    streamed += d;
  }
  EXPECT_EQ(c.cat(n + "/status").rfind("done ", 0), 0u);
  EXPECT_EQ(streamed, c.cat(n + "/output"));
  EXPECT_FALSE(c.has_reply(waiting, 200)) << "a flushed read was answered";
}

TEST_F(Server, ResetStopsAGenerationAndCloseEndsTheSession) {
  ASSERT_EQ(ctl("load " + files().p("long.bin") + " " + files().p("tok.bin")), "");
  Client c(addr_);
  c.connect_fs();
  std::string n = clone(c);
  c.echo(n + "/ctl", "steps 4096");
  c.echo(n + "/ctl", "generate");
  EXPECT_EQ(error_of([&] { c.echo(n + "/ctl", "generate"); }), "generate: session " + n + " is generating (reset stops it)");
  c.echo(n + "/ctl", "reset");
  EXPECT_EQ(c.cat(n + "/status"), "idle\n");
  EXPECT_EQ(c.cat(n + "/output"), "");
  c.echo(n + "/ctl", "generate");
  c.echo(n + "/ctl", "close");
  EXPECT_EQ(ctl("unload"), "");  // nothing holds the model any more
}

// ---- the pool ----

TEST_F(Server, PoolIsLeastRecentlyUsedFirstOutWithReferences) {
  Client c(addr_);
  c.connect_fs();
  const std::string tok = files().p("tok.bin");
  EXPECT_EQ(ctl("pool-limit 2 0"), "");
  EXPECT_EQ(c.cat("pool/limit"), "2 0\n");
  EXPECT_EQ(ctl("pool-load a " + files().p("a.bin") + " " + tok), "");
  EXPECT_EQ(ctl("pool-load b " + files().p("b.bin") + " " + tok), "");
  EXPECT_EQ(c.cat("pool/list"), "b,a\n");
  std::string s1 = clone(c);
  c.echo(s1 + "/model", "a");  // a session holds a, and a is now the most recent
  EXPECT_EQ(c.cat(s1 + "/model"), "a\n");
  EXPECT_EQ(c.cat("pool/list"), "a,b\n");
  EXPECT_EQ(ctl("pool-load c " + files().p("c.bin") + " " + tok), "");  // evicts b, not a
  EXPECT_EQ(c.cat("pool/list"), "c,a\n");
  EXPECT_EQ(c.cat("pool/count"), "2\n");
  EXPECT_EQ(ctl("pool-unload a"), "pool-unload a: in use by session " + s1);
  std::string s2 = clone(c);
  c.echo(s2 + "/model", "c");
  const std::string before = c.cat("pool/memory");
  // both in use: nothing can be evicted, and the failed load changes nothing
  EXPECT_EQ(ctl("pool-load b " + files().p("b.bin") + " " + tok),
            "pool-load b: the pool limit is 2 models and no loaded model can be evicted (each is in use by a session or the default)");
  EXPECT_EQ(c.cat("pool/list"), "c,a\n");
  EXPECT_EQ(c.cat("pool/memory"), before);
  EXPECT_EQ(ctl("pool-limit 1 0").rfind("pool-limit: the pool limit is 1 model", 0), 0u);
  EXPECT_EQ(c.cat("pool/limit"), "2 0\n");
  c.echo(s1 + "/model", "(default)");
  EXPECT_EQ(ctl("pool-unload a"), "");
  EXPECT_EQ(c.cat("pool/list"), "c\n");
  EXPECT_EQ(ctl("pool-unload zz"), "pool-unload zz: no model named zz in the pool");
  EXPECT_EQ(ctl("pool-load c " + files().p("a.bin") + " " + tok), "pool-load c: a model named c is loaded (pool-unload it first)");
}

TEST_F(Server, PoolByteLimitEvictsAndRefuses) {
  const std::string tok = files().p("tok.bin");
  EXPECT_EQ(ctl("pool-load a " + files().p("a.bin") + " " + tok), "");
  const uint64_t one = lf_pool_memory(srv_);
  EXPECT_EQ(ctl("pool-load b " + files().p("b.bin") + " " + tok), "");
  const uint64_t two = lf_pool_memory(srv_);
  // a byte limit that holds one model: setting it evicts the older one
  EXPECT_EQ(ctl("pool-limit 8 " + std::to_string(one + one / 2)), "");
  EXPECT_EQ(lf_pool_count(srv_), 1);
  Client c(addr_);
  c.connect_fs();
  EXPECT_EQ(c.cat("pool/list"), "b\n");
  std::string s = clone(c);
  c.echo(s + "/model", "b");
  std::string err = ctl("pool-load a " + files().p("a.bin") + " " + tok);
  // b (in use) and a together: about the two models' bytes as first loaded
  const std::string head = "pool-load a: needs ";
  ASSERT_EQ(err.rfind(head, 0), 0u) << err;
  EXPECT_NEAR(std::stod(err.substr(head.size())) / static_cast<double>(two), 1.0, 0.01) << err;
  EXPECT_NE(err.find(" bytes with every idle model evicted, over the pool limit of " + std::to_string(one + one / 2) + " bytes"),
            std::string::npos) << err;
  EXPECT_EQ(c.cat("pool/list"), "b\n");
}

TEST_F(Server, PoolMemoryIsWhatTheProcessHolds) {
  const uint64_t live0 = nm_alloc_live();
  EXPECT_EQ(lf_pool_memory(srv_), 0u);
  ASSERT_EQ(ctl("pool-load a " + files().p("a.bin") + " " + files().p("tok.bin")), "");
  // f32 llama2.c weights are read in place: mapped, the file's bytes
  const double held = static_cast<double>(nm_alloc_live() - live0) + static_cast<double>(fs::file_size(files().p("a.bin")));
  const double reported = static_cast<double>(lf_pool_memory(srv_));
  EXPECT_NEAR(reported / held, 1.0, 0.01) << reported << " reported, " << held << " held";
  ASSERT_EQ(ctl("pool-unload a"), "");
  EXPECT_EQ(lf_pool_memory(srv_), 0u);
  EXPECT_EQ(nm_alloc_live(), live0);
}

// ---- loading is confined ----

TEST_F(Server, LoadReadsOnlyBelowTheModelsFolders) {
  EXPECT_EQ(ctl("load /etc/passwd -"), "load: /etc/passwd: outside the --models folders");
  EXPECT_EQ(ctl("load " + files().p("../" + files().dir.filename().string() + "/a.bin") + " /etc/passwd"),
            "load: /etc/passwd: outside the --models folders");
  const std::string link = files().p("escape.bin");
  fs::create_symlink("/etc/passwd", link);
  EXPECT_EQ(ctl("load " + link + " -"), "load: " + link + ": outside the --models folders");
  fs::remove(link);
  EXPECT_EQ(ctl("load " + files().p("nonesuch.bin") + " -").rfind("load: " + files().p("nonesuch.bin") + ": ", 0), 0u);
  EXPECT_EQ(ctl("load " + files().p("a.bin") + " -"),
            "load: " + files().p("a.bin") + ": has no vocabulary of its own; name a tokenizer instead of -");
  EXPECT_EQ(ctl("load " + files().p("a.bin")), "ctl: usage: load MODEL TOKENIZER (- for the model's own vocabulary)");
  EXPECT_EQ(lf_pool_count(srv_), 0);
}

// ---- load: many sessions, clones, a client that goes away ----

TEST_F(Server, EightSessionsOnTwoModelsAtOnce) {
  const std::string tok = files().p("tok.bin");
  ASSERT_EQ(ctl("pool-load a " + files().p("a.bin") + " " + tok), "");
  ASSERT_EQ(ctl("pool-load b " + files().p("b.bin") + " " + tok), "");
  const uint64_t memory0 = lf_pool_memory(srv_);
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; i++)
    ts.emplace_back([&, i] {
      Client c(addr_);
      c.connect_fs();
      std::string n = clone(c);
      const std::string model = i % 2 ? "a" : "b";
      c.echo(n + "/model", model);
      c.echo(n + "/ctl", "seed " + std::to_string(i + 1));
      c.echo(n + "/ctl", "steps 200");
      c.echo(n + "/prompt", "Once upon a time");
      c.echo(n + "/ctl", "generate");
      c.cat(n + "/output");
      if (c.cat(n + "/ids") == run_ids(files().p(model + ".bin"), tok, "Once upon a time", 1.0f, 0.9f, i + 1, 200)) ok++;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(lf_pool_memory(srv_), memory0);
}

TEST_F(Server, CloneCloseCyclesAndADisconnectMidGenerationLeaveNothing) {
  ASSERT_EQ(ctl("load " + files().p("long.bin") + " " + files().p("tok.bin")), "");
  const uint64_t memory0 = lf_pool_memory(srv_);
  const uint64_t live0 = nm_alloc_live();
  {
    Client c(addr_);
    c.connect_fs();
    for (int i = 0; i < 200; i++) c.echo(clone(c) + "/ctl", "close");
  }
  for (int i = 0; i < 3; i++) {
    Client c(addr_);
    c.connect_fs();
    std::string n = clone(c);
    c.echo(n + "/ctl", "steps 4096");
    c.echo(n + "/ctl", "generate");
    c.send_read(c.walk(n + "/stream"), 0, 100);  // not open: an error that never comes back
    c.close();                                 // gone mid-generation
  }
  // the server notices each end; its sessions and caches go
  for (int i = 0; i < 500 && (lf_pool_memory(srv_) != memory0 || nm_alloc_live() > live0); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  Client c(addr_);
  c.connect_fs();
  EXPECT_EQ(c.cat("ctl").rfind("sessions 0 connections 1 models 1 ", 0), 0u) << c.cat("ctl");
  EXPECT_EQ(lf_pool_memory(srv_), memory0);
}

TEST_F(Server, SessionLimit) {
  TearDown();
  lf_limits lim;
  lf_limits_default(&lim);
  lim.max_sessions = 2;
  start(lim);
  Client c(addr_);
  c.connect_fs();
  clone(c);
  clone(c);
  EXPECT_EQ(error_of([&] { clone(c); }), "clone: 2 sessions are open, the server's limit (--max-sessions)");
}

}  // namespace
