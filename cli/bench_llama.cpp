// llama-bench's output formats for `9ml bench --llama-bench` (field names,
// column widths and number formats as llama.cpp's tools/llama-bench prints
// them; which fields are filled and how: docs/CLI.md, "bench").
#include "bench_llama.hpp"

#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "formats/formats.h"
#include "kernels.h"

namespace nineml::cli {

namespace {

// llama.cpp names a model's storage by its file type: "all F32" when every
// tensor is f32, else the quantization of the matrices ("Q8_0", "F16").
std::string ftype_name(int dtype) {
  return dtype == NM_DT_F32 ? "all F32" : nm_dtype_name(dtype);
}

// The architecture as llama.cpp names it: Llama 2, Llama 3 and Mistral
// files are all its "llama".
std::string arch_name(const nm_config& c) {
  std::string a = c.arch;
  return a == "llama2" || a == "llama3" || a == "mistral" ? "llama" : a;
}

// A size label from the parameter count ("111K", "15M", "1.2B", "7B"). llama.cpp
// takes its label from a per-architecture table of layer counts ("?B" when
// the count is not listed), which 9ml does not copy.
std::string size_label(uint64_t params) {
  double p = static_cast<double>(params);
  if (p < 1e6) return fmt::format("{:.0f}K", p / 1e3);
  if (p < 1e9) return fmt::format("{:.0f}M", p / 1e6);
  return p < 1e10 ? fmt::format("{:.1f}B", p / 1e9) : fmt::format("{:.0f}B", p / 1e9);
}

std::string type_of(const nm_config& c, uint64_t params, int dtype) {
  return arch_name(c) + " " + size_label(params) + " " + ftype_name(dtype);
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// Bessel-corrected, 0 for one sample (as llama-bench's stdev).
double stddev(const std::vector<double>& v) {
  if (v.size() <= 1) return 0;
  double m = mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Tokens/s of each repetition: llama-bench averages these, not the times.
std::vector<double> rates(const LlamaBenchTest& t) {
  std::vector<double> ts;
  for (double s : t.seconds) ts.push_back((t.n_prompt + t.n_gen) / s);
  return ts;
}

std::vector<double> nanoseconds(const LlamaBenchTest& t) {
  std::vector<double> ns;
  for (double s : t.seconds) ns.push_back(std::round(s * 1e9));
  return ns;
}

std::string test_name(const LlamaBenchTest& t) {
  return t.n_gen == 0 ? fmt::format("pp{}", t.n_prompt) : fmt::format("tg{}", t.n_gen);
}

// One markdown cell as llama-bench's "| %*s |": a negative width is
// left-aligned; widths count bytes, so "±" (2 bytes) takes one more.
std::string cell(const std::string& v, int width) {
  char buf[256];
  std::snprintf(buf, sizeof buf, " %*s |", width, v.c_str());
  return buf;
}

}  // namespace

LlamaBenchModel llama_model_of_file(const std::string& path, const nm_config& c) {
  char err[512];
  nm_file_info fi;
  if (nm_file_info_load(&fi, path.c_str(), err, sizeof err) != 0) throw std::runtime_error(std::string("--model: ") + err);
  LlamaBenchModel m;
  m.filename = path;
  // The matrices' storage names the file: the dtype holding most of their elements.
  std::map<int, uint64_t> matrix_elements;
  for (int i = 0; i < fi.n_tensors; i++) {
    const nm_tensor_info& t = fi.tensors[i];
    if (std::string(t.name).rfind("freq_cis", 0) == 0) continue;  // llama2.c's RoPE table: not a weight
    uint64_t n = 1;
    for (int d = 0; d < t.n_dims; d++) n *= t.shape[d];
    m.params += n;
    m.size += t.nbytes;
    if (t.n_dims >= 2) matrix_elements[t.dtype] += n;
  }
  nm_file_info_free(&fi);
  int dtype = NM_DT_F32;
  uint64_t most = 0;
  for (auto [d, n] : matrix_elements)
    if (n > most) most = n, dtype = d;
  m.type = type_of(c, m.params, dtype);
  return m;
}

LlamaBenchModel llama_model_of_memory(const nm_model& mod, const std::string& what) {
  const nm_config& c = mod.cfg;
  LlamaBenchModel m;
  m.filename = what;
  int dtype = NM_DT_F32;
  auto add = [&](const nm_tensor& t) {
    uint64_t n = static_cast<uint64_t>(t.rows) * static_cast<uint64_t>(t.cols);
    m.params += n;
    switch (t.type) {
      case NM_T_Q8: m.size += n + 4 * (n / static_cast<uint64_t>(t.group_size)); dtype = NM_DT_Q8_GROUP; break;
      case NM_T_Q4_0: m.size += n / 32 * 18; dtype = NM_DT_Q4_0; break;
      default:
        if (t.type >= NM_T_Q5_0 && t.type <= NM_T_Q6_K) {
          const int blk = t.type - NM_T_Q5_0;
          m.size += n / uint64_t(nm_block_elems(blk)) * uint64_t(nm_block_bytes(blk));
          dtype = NM_DT_Q5_0 + blk;
        } else {
          m.size += 4 * n;
        }
    }
  };
  add(mod.token_embedding);
  if (!c.shared_classifier) add(mod.wcls);
  for (int l = 0; l < c.n_layers; l++)
    for (const nm_tensor* t : {mod.wq, mod.wk, mod.wv, mod.wo, mod.w1, mod.w2, mod.w3}) add(t[l]);
  uint64_t norms = (2 * static_cast<uint64_t>(c.n_layers) + 1) * static_cast<uint64_t>(c.dim);
  m.params += norms;
  m.size += 4 * norms;
  m.type = type_of(c, m.params, dtype);
  return m;
}

std::string llama_bench_markdown(const LlamaBenchRun& r) {
  // llama-bench's CPU columns and widths (negative: left-aligned).
  const std::vector<std::pair<std::string, int>> cols = {{"model", -30}, {"size", 10},   {"params", 10}, {"backend", -10},
                                                         {"threads", 7}, {"test", 15}, {"t/s", 20}};
  std::string out = "|", rule = "|";
  for (const auto& [name, w] : cols) {
    out += cell(name, w);
    rule += fmt::format(" {:->{}}{} |", "", std::abs(w) - 1, w > 0 ? ':' : '-');
  }
  out += "\n" + rule + "\n";
  const LlamaBenchModel& m = r.model;
  std::string size = m.size < (1ull << 30) ? fmt::format("{:.2f} MiB", m.size / 1048576.0)
                                           : fmt::format("{:.2f} GiB", m.size / 1073741824.0);
  std::string params = m.params < 1000000000ull ? fmt::format("{:.2f} M", m.params / 1e6)
                                                : fmt::format("{:.2f} B", m.params / 1e9);
  for (const LlamaBenchTest& t : r.tests) {
    std::vector<double> ts = rates(t);
    out += fmt::format("|{}{}{}{}{}{}{}\n", cell(m.type, -30), cell(size, 10), cell(params, 10), cell("CPU", -10),
                       cell(std::to_string(t.threads), 7), cell(test_name(t), 15),
                       cell(fmt::format("{:.2f} ± {:.2f}", mean(ts), stddev(ts)), 21));
  }
  out += fmt::format("\nbuild: 9ml {} (kernels {})\n", r.commit, r.kernels);
  return out;
}

std::string llama_bench_jsonl(const LlamaBenchRun& r) {
  std::string out;
  for (const LlamaBenchTest& t : r.tests) {
    std::vector<double> ts = rates(t), ns = nanoseconds(t);
    nlohmann::ordered_json j;
    j["build_commit"] = r.commit;
    j["cpu_info"] = r.cpu;
    j["backends"] = "CPU";
    j["model_filename"] = r.model.filename;
    j["model_type"] = r.model.type;
    j["model_size"] = r.model.size;
    j["model_n_params"] = r.model.params;
    j["n_batch"] = NM_BATCH;   // nm_prefill's batch: positions per matrix-matrix pass
    j["n_ubatch"] = NM_BATCH;
    j["n_threads"] = t.threads;
    j["type_k"] = "f32";       // the KV cache is f32
    j["type_v"] = "f32";
    j["n_prompt"] = t.n_prompt;
    j["n_gen"] = t.n_gen;
    j["n_depth"] = 0;
    j["test_time"] = r.time;
    j["avg_ns"] = static_cast<uint64_t>(mean(ns));
    j["stddev_ns"] = static_cast<uint64_t>(stddev(ns));
    j["avg_ts"] = mean(ts);
    j["stddev_ts"] = stddev(ts);
    std::vector<uint64_t> ins;
    for (double x : ns) ins.push_back(static_cast<uint64_t>(x));
    j["samples_ns"] = ins;
    j["samples_ts"] = ts;
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace nineml::cli
