// Tokens/s through llmfs (a 9P client on a loopback socket, the server in
// this process) against the same generation called directly, as `9ml run`
// does; and four sessions generating at once. Google Benchmark; the model
// is a seeded 15M-shaped llama2.c file written to a temporary folder
// (docs/PERFORMANCE.md, "llmfs").
//   nineml_bench_llmfs [--steps N] [benchmark flags]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
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

namespace {

int g_steps = 256;

struct Setup {
  fs::path dir;
  std::string model, tok, addr;
  lf_server* srv = nullptr;
  int listener = -1;
  std::thread serving;
  Setup() {
    dir = fs::temp_directory_path() / ("llmfs_bench_" + std::to_string(getpid()));
    fs::create_directories(dir);
    nineml::ref::Config c = nineml::fixtures::arch_config("llama2", 256);
    c.dim = 288;
    c.hidden_dim = 768;
    c.n_layers = 6;
    c.n_heads = 6;
    c.n_kv_heads = 6;
    model = (dir / "m.bin").string();
    tok = (dir / "tok.bin").string();
    nineml::ref::save_v0(nineml::fixtures::make_checkpoint(c, 15), model);
    nineml::fixtures::write_test_vocab(tok);
    lf_limits lim;
    lf_limits_default(&lim);
    char err[512];
    srv = lf_server_new(&lim, err, sizeof err);
    lf_server_allow(srv, dir.c_str(), err, sizeof err);
    if (lf_server_ctl(srv, ("load " + model + " " + tok).c_str(), err, sizeof err) != 0)
      throw std::runtime_error(err);
    listener = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
    char bound[256];
    nm_announced(listener, bound, sizeof bound);
    addr = bound;
    serving = std::thread([this] {
      char e[256];
      lf_serve(srv, listener, e, sizeof e);
    });
  }
  ~Setup() {
    nm_announce_close(listener);
    serving.join();
    lf_server_free(srv);
    fs::remove_all(dir);
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// `9ml run`'s loop on the engine: tokens generated.
void BM_direct(benchmark::State& state) {
  Setup& s = setup();
  nm_model m;
  nm_vocab v{};
  char err[512];
  nm_model_load(&m, s.model.c_str(), err, sizeof err);
  nm_vocab_from_file(&v, s.tok.c_str(), 0, err, sizeof err);
  const nm_kernel_table* k = nm_kernels_select(nullptr);
  nm_model_pack(&m, k);
  int ids[8], n = 0;
  nm_tok_encode(&v, "Once", 4, 1, 0, ids, 8, &n, err, sizeof err);
  int64_t tokens = 0;
  for (auto _ : state) {
    const char* why = nullptr;
    nm_state* st = nm_state_new_ctx(&m, g_steps, &why);
    nm_sampler sp;
    nm_sampler_init(&sp, m.cfg.vocab_size, 1.0f, 0.9f, 42);
    nm_exec ex{k, nullptr};
    nm_gen_callbacks cb{nullptr, nullptr, nullptr, nullptr};
    tokens += nm_generate(st, &m, &ex, &sp, ids, n, g_steps, &cb);
    nm_sampler_free(&sp);
    nm_state_free(st);
  }
  state.counters["tok/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  nm_vocab_free(&v);
  nm_model_free(&m);
}

// One session through the file system: generate, then read ids (waits).
int64_t generate_through_llmfs(llmfs_test::Client& c, const std::string& n) {
  c.echo(n + "/ctl", "generate");
  std::string ids = c.cat(n + "/ids");
  size_t g = ids.find("generated:");
  int64_t count = 0;
  for (size_t i = g; i < ids.size(); i++) count += ids[i] == ' ';
  size_t p = ids.find('\n');
  for (size_t i = 0; i < p; i++) count += ids[i] == ' ';
  return count - 1;  // positions = prompt + generated - 1
}

void BM_llmfs(benchmark::State& state) {
  Setup& s = setup();
  const int sessions = static_cast<int>(state.range(0));
  std::vector<std::unique_ptr<llmfs_test::Client>> clients;
  std::vector<std::string> ns;
  for (int i = 0; i < sessions; i++) {
    clients.push_back(std::make_unique<llmfs_test::Client>(s.addr));
    clients.back()->connect_fs();
    std::string n = clients.back()->cat("clone");
    n.pop_back();
    ns.push_back(n);
    clients.back()->echo(n + "/ctl", "seed 42");
    clients.back()->echo(n + "/ctl", "steps " + std::to_string(g_steps));
    clients.back()->echo(n + "/prompt", "Once");
  }
  int64_t tokens = 0;
  for (auto _ : state) {
    std::vector<std::thread> ts;
    std::vector<int64_t> got(static_cast<size_t>(sessions));
    for (int i = 0; i < sessions; i++)
      ts.emplace_back([&, i] { got[static_cast<size_t>(i)] = generate_through_llmfs(*clients[static_cast<size_t>(i)], ns[static_cast<size_t>(i)]); });
    for (auto& t : ts) t.join();
    for (int64_t g : got) tokens += g;
  }
  state.counters["tok/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_direct)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_llmfs)->Arg(1)->Arg(4)->ArgName("sessions")->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; i++) {
    if (std::strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
      g_steps = std::atoi(argv[++i]);
      continue;
    }
    rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
