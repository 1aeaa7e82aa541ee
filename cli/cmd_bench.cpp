// `9ml bench`: the memory read-bandwidth probe, then decode and prefill
// tokens/s of a model (a file, or a generated llama2.c shape) at each
// thread count, each with its fraction of the measured bandwidth limit;
// with --llama-bench, also llama-bench's pp/tg lines (bench_llama.hpp).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.hpp"
#include "bench_llama.hpp"
#include "environment.hpp"
#include "commands.hpp"
#include "detail.hpp"
#include "formats/formats.h"
#include "kernels.h"
#include "kernel_table.h"
#include "model/forward.h"
#include "probe.hpp"

namespace nineml::cli {

namespace {

struct BenchOptions {
  std::string model, shape = "15m", type = "f32", simd, json, llama_bench;
  std::vector<int> threads{1, 2};
  int prompt = 128, tokens = 64, repeat = 5;
  bool no_probe = false;
};

// A model with random weights in memory, in llama2.c's shapes: the
// stories15M / stories110M configurations, f32 or Q8 (group 64, or the
// largest halving of it that divides the rows, as llama2.c's export).
class GeneratedModel {
 public:
  GeneratedModel(const std::string& shape, const std::string& type) {
    nm_config& c = m_.cfg;
    c = shape == "110m" ? make_config(768, 2048, 12, 12, 1024) : make_config(288, 768, 6, 6, 256);
    q8_ = type == "q8";  // shape and type are checked with the other arguments (add_bench)
    // As llama2.c's export: group 64, halved until it divides every row.
    while (c.dim % group_ != 0 || c.hidden_dim % group_ != 0) group_ /= 2;
    std::snprintf(m_.format, sizeof m_.format, "generated");
    int L = c.n_layers, d = c.dim, h = c.hidden_dim;
    m_.rms_att = ones(static_cast<size_t>(L) * d);
    m_.rms_ffn = ones(static_cast<size_t>(L) * d);
    m_.rms_final = ones(static_cast<size_t>(d));
    m_.token_embedding = tensor(c.vocab_size, d);
    m_.wcls = m_.token_embedding;
    for (auto* list : {&wq_, &wk_, &wv_, &wo_, &w1_, &w2_, &w3_}) list->resize(static_cast<size_t>(L));
    for (int l = 0; l < L; l++) {
      wq_[l] = tensor(d, d);
      wk_[l] = tensor(d, d);
      wv_[l] = tensor(d, d);
      wo_[l] = tensor(d, d);
      w1_[l] = tensor(h, d);
      w2_[l] = tensor(d, h);
      w3_[l] = tensor(h, d);
    }
    m_.wq = wq_.data(); m_.wk = wk_.data(); m_.wv = wv_.data(); m_.wo = wo_.data();
    m_.w1 = w1_.data(); m_.w2 = w2_.data(); m_.w3 = w3_.data();
  }
  GeneratedModel(const GeneratedModel&) = delete;
  GeneratedModel& operator=(const GeneratedModel&) = delete;
  // The tensors live in this object; m_.owned holds only what
  // nm_model_pack added.
  ~GeneratedModel() { nm_model_free(&m_); }
  nm_model* get() { return &m_; }

 private:
  static nm_config make_config(int dim, int hidden, int layers, int heads, int seq) {
    nm_config c{};
    std::snprintf(c.arch, sizeof c.arch, "llama2");
    c.dim = dim; c.hidden_dim = hidden; c.n_layers = layers; c.n_heads = heads; c.n_kv_heads = heads;
    c.vocab_size = 32000; c.seq_len = seq; c.rope_theta = 10000.0f; c.norm_eps = 1e-5f;
    c.shared_classifier = 1;
    return c;
  }
  float* ones(size_t n) {
    floats_.emplace_back(n, 1.0f);
    return floats_.back().data();
  }
  nm_tensor tensor(int rows, int cols) {
    nm_tensor t{};
    t.rows = rows;
    t.cols = cols;
    size_t n = static_cast<size_t>(rows) * cols;
    float scale = 1.0f / static_cast<float>(cols);
    if (q8_) {
      t.type = NM_T_Q8;
      t.group_size = group_;
      bytes_.emplace_back(n);
      for (auto& b : bytes_.back()) b = static_cast<int8_t>(static_cast<int>(rng_() % 255) - 127);
      t.q = bytes_.back().data();
      floats_.emplace_back(n / static_cast<size_t>(group_), scale / 127.0f);
      t.s = floats_.back().data();
    } else {
      t.type = NM_T_F32;
      floats_.emplace_back(n);
      std::uniform_real_distribution<float> u(-scale, scale);
      for (auto& v : floats_.back()) v = u(rng_);
      t.f = floats_.back().data();
    }
    return t;
  }
  nm_model m_{};
  bool q8_ = false;
  int group_ = 64;
  std::mt19937 rng_{42};
  std::vector<std::vector<float>> floats_;
  std::vector<std::vector<nm_i8>> bytes_;
  std::vector<nm_tensor> wq_, wk_, wv_, wo_, w1_, w2_, w3_;
};

double tensor_bytes(const nm_tensor& t) {
  double n = static_cast<double>(t.rows) * t.cols;
  switch (t.type) {
    case NM_T_Q8: return n + 4.0 * n / t.group_size;
    case NM_T_Q4_0: return n / 32 * 18;
    case NM_T_F16: case NM_T_BF16: return 2.0 * n;
    default:
      if (t.type >= NM_T_Q5_0 && t.type <= NM_T_Q6_K)
        return n / nm_block_elems(t.type - NM_T_Q5_0) * nm_block_bytes(t.type - NM_T_Q5_0);
      return 4.0 * n;
  }
}

// Weight bytes every token streams: all matrices, the classifier, the norms.
double bytes_per_token(const nm_model& m) {
  const nm_config& c = m.cfg;
  double b = tensor_bytes(m.wcls) + 4.0 * (2.0 * c.n_layers + 1) * c.dim;
  for (int l = 0; l < c.n_layers; l++)
    for (const nm_tensor* t : {m.wq, m.wk, m.wv, m.wo, m.w1, m.w2, m.w3}) b += tensor_bytes(t[l]);
  return b;
}

struct Timing {
  int threads;
  double prefill_tps, decode_tps;
  int prompt, tokens;                 // positions prefilled and decoded
  double prefill_s = 0, decode_s = 0;  // their wall times
};

// The spread of one figure over --repeat runs.
struct Spread {
  double median = 0, min = 0, max = 0, stddev = 0;
  std::vector<double> samples;
};
Spread spread_of(std::vector<double> v) {
  Spread s;
  s.samples = v;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  double mean = 0;
  for (double x : v) mean += x / static_cast<double>(n);
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  s.stddev = n > 1 ? std::sqrt(var / static_cast<double>(n - 1)) : 0;
  return s;
}
nlohmann::ordered_json spread_json(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}, {"samples", s.samples}};
}

// Positions 0..prompt-1 as one prefill (batched through the matrix-matrix
// kernels, nm_prefill), then prompt..prompt+tokens-1 decoded one by one.
// llama_way (--llama-bench) times the two as llama-bench's pp and tg tests:
// after its untimed warmup (the prompt prefilled, one position decoded:
// each run has a fresh state and pool, as each llama-bench test a fresh
// context), the prefill from position 0, then `tokens` decoded from
// position 0 again (depth 0, the cache rewritten), each clamped to the context.
Timing time_model(const nm_model& m, const nm_kernel_table* k, int threads, int prompt, int tokens,
                  bool llama_way) {
  const char* err = nullptr;
  std::unique_ptr<nm_state, void (*)(nm_state*)> s(nm_state_new(&m, &err), nm_state_free);
  if (!s) throw std::runtime_error(std::string("state: ") + (err ? err : "allocation failed"));
  std::unique_ptr<nm_pool, void (*)(nm_pool*)> pool(threads > 1 ? nm_pool_create(threads) : nullptr, nm_pool_free);
  if (threads > 1 && !pool) throw std::runtime_error("cannot start " + std::to_string(threads) + " threads");
  nm_exec e{k, pool.get()};
  int total, first;  // decoded: positions first..total-1
  if (llama_way) {
    prompt = std::min(prompt, s->ctx);
    total = std::min(tokens, s->ctx);
    first = 0;
  } else {
    total = std::min(prompt + tokens, s->ctx);
    prompt = std::min(prompt, total - 1);
    first = prompt;
  }
  // A fixed pseudo-random prompt (ids below the vocabulary size).
  std::vector<int> ids(static_cast<size_t>(prompt));
  for (int i = 0; i < prompt; i++) ids[static_cast<size_t>(i)] = 1 + (i * 7919) % (m.cfg.vocab_size - 1);
  if (llama_way && (nm_prefill(s.get(), &m, &e, ids.data(), prompt, 0, nullptr, nullptr) != 0 ||
                    !nm_forward(s.get(), &m, &e, 1, 0)))
    throw std::runtime_error("warmup failed");
  double t0 = nm_seconds();
  if (nm_prefill(s.get(), &m, &e, ids.data(), prompt, 0, nullptr, nullptr) != 0)
    throw std::runtime_error("prefill failed");
  double t1 = nm_seconds();
  int token = 1;
  for (int pos = first; pos < total; pos++) {
    float* logits = nm_forward(s.get(), &m, &e, token, pos);
    if (!logits) throw std::runtime_error("forward failed at pos " + std::to_string(pos));
    token = k->argmax(logits, m.cfg.vocab_size);  // greedy decoding, as `9ml run -t 0`
  }
  double t2 = nm_seconds();
  return {threads, prompt / (t1 - t0), (total - first) / (t2 - t1), prompt, total - first, t1 - t0, t2 - t1};
}

void print_probe(const char* when, const bench::Probe& p) {
  fmt::print("read bandwidth {}, {} MiB buffer (beyond L3): {:.2f} GB/s (1 thread), {:.2f} GB/s (2 threads)\n", when,
             p.dram_bytes >> 20, p.dram_gbps[0], p.dram_gbps[1]);
  fmt::print("read bandwidth {}, {} MiB buffer (in L3):     {:.2f} GB/s (1 thread), {:.2f} GB/s (2 threads)\n", when,
             p.cache_bytes >> 20, p.cache_gbps[0], p.cache_gbps[1]);
}

nlohmann::ordered_json probe_json(const bench::Probe& p) {
  return {{"beyond_l3_bytes", p.dram_bytes},
          {"beyond_l3_gbps", {p.dram_gbps[0], p.dram_gbps[1]}},
          {"in_l3_bytes", p.cache_bytes},
          {"in_l3_gbps", {p.cache_gbps[0], p.cache_gbps[1]}}};
}

// The targets for the generated shapes (docs/PERFORMANCE.md), at 2
// threads: a fraction of the bandwidth limit (memory-bound shapes) or
// tokens/s (15m q8, whose weights sit in L3), and prefill >= 3x decode per
// token everywhere. Judged on the median run.
struct Target {
  double fraction = 0, tokens_per_s = 0;
};
Target target_for(const BenchOptions& o) {
  if (!o.model.empty()) return {};
  if (o.shape == "110m") return {o.type == "f32" ? 0.90 : 0.80, 0};
  return o.type == "f32" ? Target{0.85, 0} : Target{0, 2000};
}

// A model file, loaded and checked before the probe; freed on every path out.
struct LoadedModel {
  nm_model m{};
  bool loaded = false;
  explicit LoadedModel(const std::string& path) {
    char err[512];
    if (nm_model_load(&m, path.c_str(), err, sizeof err) != 0) throw std::runtime_error(std::string("--model: ") + err);
    loaded = true;
    if (const char* bad = nm_model_check(&m)) throw std::runtime_error("--model " + path + ": " + bad);
  }
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;
  ~LoadedModel() {
    if (loaded) nm_model_free(&m);
  }
};

int run_bench(const BenchOptions& o) {
  // Every argument before the probe and the timed runs: the SIMD level,
  // --json writable, the model file loadable (docs/CLI.md).
  const nm_kernel_table* k = nm_kernels_select(o.simd.empty() ? nullptr : o.simd.c_str());
  if (!k)
    throw UsageError(fmt::format("--simd {}: unknown, or not available on this CPU",
                                 o.simd.empty() ? "$NINEML_SIMD" : o.simd));
  if (!o.json.empty()) check_writable_file("--json", o.json);
  if (!o.llama_bench.empty()) check_writable_file("--llama-bench", o.llama_bench);
  std::unique_ptr<LoadedModel> loaded;
  LlamaBenchRun llama;
  if (!o.model.empty()) {
    loaded = std::make_unique<LoadedModel>(o.model);
    if (!o.llama_bench.empty()) llama.model = llama_model_of_file(o.model, loaded->m.cfg);
  }
  nlohmann::ordered_json j;
  // Where it ran: commit, compiler and flags, CPU, SIMD levels (reports/environment.hpp).
  for (const auto& [key, value] : report::host_environment()) j["environment"][key] = value;
  j["kernels"] = k->name;
  j["cpus"] = nm_cpu_count();
  j["repeat"] = o.repeat;
  // The limit is probed before and after the model runs and the better of
  // the two taken, so a neighbour's burst during one probe does not move it.
  bench::Probe before{}, after{};
  if (!o.no_probe) {
    fmt::print(stderr, "bench: probing read bandwidth (before)\n");
    before = bench::run_probe();
    print_probe("before", before);
  }
  std::unique_ptr<GeneratedModel> gen;
  nm_model* m;
  std::string what;
  if (loaded) {
    m = &loaded->m;
    what = o.model;
  } else {
    fmt::print(stderr, "bench: generating the {} {} weights\n", o.shape, o.type);
    gen = std::make_unique<GeneratedModel>(o.shape, o.type);
    m = gen->get();
    what = "generated " + o.shape + " " + o.type;
    llama.model = llama_model_of_memory(*m, what);
  }
  int rc = 0;
  struct Runs {
    int threads;
    Spread prefill, decode;
  };
  std::vector<Runs> runs;
  // The level's Q8 layout, as `9ml run` uses it (kernel_table.h q8_pack).
  if (nm_model_pack(m, k) != 0) throw std::runtime_error("model: out of memory packing the Q8 weights");
  const double bpt = bytes_per_token(*m);
  for (int t : o.threads) {
    std::vector<double> prefill, decode;
    LlamaBenchTest pp, tg;
    for (int r = 0; r < o.repeat; r++) {
      fmt::print(stderr, "bench: {} thread(s), run {}/{}\n", t, r + 1, o.repeat);
      Timing x = time_model(*m, k, t, o.prompt, o.tokens, !o.llama_bench.empty());
      prefill.push_back(x.prefill_tps);
      decode.push_back(x.decode_tps);
      pp.threads = tg.threads = t;
      pp.n_prompt = x.prompt;  // as run: clamped to the context
      tg.n_gen = x.tokens;
      pp.seconds.push_back(x.prefill_s);
      tg.seconds.push_back(x.decode_s);
    }
    runs.push_back({t, spread_of(prefill), spread_of(decode)});
    llama.tests.push_back(pp);
    llama.tests.push_back(tg);
  }
  if (!o.no_probe) {
    fmt::print(stderr, "bench: probing read bandwidth (after)\n");
    after = bench::run_probe();
    print_probe("after", after);
    j["probe_before"] = probe_json(before);
    j["probe_after"] = probe_json(after);
  }
  fmt::print("model: {} (dim {}, layers {}, vocab {}), {:.1f} MB of weights per token, kernels {}\n", what,
             m->cfg.dim, m->cfg.n_layers, m->cfg.vocab_size, bpt / 1e6, k->name);
  fmt::print("median of {} runs [min-max]; limit = the better beyond-L3 probe at that thread count\n", o.repeat);
  fmt::print("{:>8} {:>28} {:>28} {:>9} {:>12} {:>9} {:>10}\n", "threads", "prefill tok/s", "decode tok/s",
             "prefill/", "decode GB/s", "limit", "of limit");
  j["model"] = what;
  j["bytes_per_token"] = bpt;
  j["prefill_tokens"] = o.prompt;
  j["decode_tokens"] = o.tokens;
  j["runs"] = nlohmann::ordered_json::array();
  const Target target = target_for(o);
  nlohmann::ordered_json verdicts = nlohmann::ordered_json::array();
  for (const Runs& rr : runs) {
    const Timing r{rr.threads, rr.prefill.median, rr.decode.median, 0, 0, 0, 0};
    int ti = std::min(r.threads, 2) - 1;
    double gbps = r.decode_tps * bpt / 1e9;
    double limit = o.no_probe ? 0 : std::max(before.dram_gbps[ti], after.dram_gbps[ti]);
    double fraction = limit > 0 ? gbps / limit : 0.0;
    double ratio = r.prefill_tps / r.decode_tps;
    auto cell = [](const Spread& s) { return fmt::format("{:.1f} [{:.1f}-{:.1f}]", s.median, s.min, s.max); };
    fmt::print("{:>8} {:>28} {:>28} {:>8.1f}x {:>12.2f} {:>9.2f} {:>9.0f}%\n", r.threads, cell(rr.prefill),
               cell(rr.decode), ratio, gbps, limit, 100 * fraction);
    j["runs"].push_back({{"threads", r.threads},
                         {"prefill_tokens_per_s", r.prefill_tps},
                         {"decode_tokens_per_s", r.decode_tps},
                         {"prefill", spread_json(rr.prefill)},
                         {"decode", spread_json(rr.decode)},
                         {"prefill_over_decode", ratio},
                         {"decode_gbps", gbps},
                         {"limit_gbps", limit},
                         {"fraction_of_limit", fraction}});
    auto verdict = [&](const std::string& what_, double got, double want) {
      bool met = got >= want;
      fmt::print("target, {} thread(s): {} >= {:g}: {} ({:.3g})\n", r.threads, what_, want, met ? "met" : "MISSED",
                 got);
      verdicts.push_back({{"threads", r.threads}, {"what", what_}, {"want", want}, {"got", got}, {"met", met}});
    };
    if (o.prompt >= 2) verdict("prefill/decode tokens per second", ratio, 3.0);
    if (r.threads == 2 && target.fraction > 0 && limit > 0) verdict("fraction of the bandwidth limit", fraction, target.fraction);
    if (r.threads == 2 && target.tokens_per_s > 0) verdict("decode tokens/s", r.decode_tps, target.tokens_per_s);
  }
  j["targets"] = verdicts;
  if (!o.json.empty()) report::detail::write_file(o.json, j.dump(2) + "\n");  // atomic (port.h)
  if (!o.llama_bench.empty()) {
    const auto env = report::host_environment();
    llama.commit = env.count("commit") ? env.at("commit") : "";
    llama.cpu = env.count("cpu_model") ? env.at("cpu_model") : "";
    llama.kernels = k->name;
    char when[32];
    std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    llama.time = when;
    fmt::print("\n{}", llama_bench_markdown(llama));
    report::detail::write_file(o.llama_bench, llama_bench_jsonl(llama));
  }
  return rc;
}

}  // namespace

Action add_bench(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  auto* sub = app.add_subcommand("bench", "Bandwidth probe, then decode/prefill tokens/s vs the bandwidth limit");
  sub->add_option("--model", o->model, "Model file (any format 9ml loads); default: a generated shape")
      ->type_name("FILE");
  sub->add_option("--shape", o->shape, "Generated llama2.c shape: 15m or 110m (default 15m)")->type_name("S");
  sub->add_option("--type", o->type, "Generated weight type: f32 or q8 (default f32)")->type_name("T");
  integer(sub->add_option("--threads", o->threads, "Thread counts to run, each 1..256 (default 1 2)")->type_name("N")->expected(1, 16),
          1, 256);
  sub->add_option("--simd", o->simd, "Kernel table: scalar, sse2, avx2, avx512 (default: $NINEML_SIMD, else best)")
      ->type_name("LEVEL");
  integer(sub->add_option("--repeat", o->repeat,
                          "Runs per thread count, 1..100; the median, min, max and stddev are reported (default 5)")
              ->type_name("N"), 1, 100);
  integer(sub->add_option("--prompt", o->prompt, "Prefill positions, 1..1048576 (default 128)")->type_name("N"), 1, 1 << 20);
  integer(sub->add_option("--tokens", o->tokens, "Decode positions, 1..1048576 (default 64)")->type_name("N"), 1, 1 << 20);
  sub->add_option("--json", o->json, "Also write the results as JSON to FILE")->type_name("FILE");
  sub->add_option("--llama-bench", o->llama_bench,
                  "Also time llama-bench's pp/tg tests: its markdown table on stdout, its jsonl records to FILE")
      ->type_name("FILE");
  sub->add_flag("--no-probe", o->no_probe, "Skip the bandwidth probe");
  return [o, sub]() {
    if (!o->model.empty() && (sub->count("--shape") > 0 || sub->count("--type") > 0))
      throw UsageError("--model: conflicts with --shape and --type (those describe a generated model)");
    if (o->shape != "15m" && o->shape != "110m") throw UsageError("--shape " + o->shape + ": expected 15m or 110m");
    if (o->type != "f32" && o->type != "q8") throw UsageError("--type " + o->type + ": expected f32 or q8");
    // llama-bench's usual pair is pp128 and tg128.
    if (!o->llama_bench.empty() && sub->count("--tokens") == 0) o->tokens = 128;
    return run_bench(*o);
  };
}

}  // namespace nineml::cli
