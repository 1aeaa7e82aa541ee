// `9ml bench --llama-bench FILE`: the run's figures as llama.cpp's
// llama-bench prints them (its markdown table, its jsonl records), so the
// two tools' lines can be put side by side (docs/PERFORMANCE.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/forward.h"

namespace nineml::cli {

// The model columns llama-bench fills from its loaded model.
struct LlamaBenchModel {
  std::string filename;  // model_filename: the path given (or "generated 15m f32")
  std::string type;      // model_type: "ARCH LABEL FTYPE", e.g. "llama 15M Q8_0"
  uint64_t size = 0;     // model_size: bytes of the weight tensors
  uint64_t params = 0;   // model_n_params: their element count
};

// From the file's tensors as stored (nm_file_info, as `9ml info` counts).
// Throws std::runtime_error when the file cannot be listed.
LlamaBenchModel llama_model_of_file(const std::string& path, const nm_config& c);
// For a model generated in memory: its tensors as they are held.
LlamaBenchModel llama_model_of_memory(const nm_model& m, const std::string& what);

// One llama-bench test: pp N (n_prompt) or tg N (n_gen) at a thread count,
// one wall time per repetition.
struct LlamaBenchTest {
  int threads = 1, n_prompt = 0, n_gen = 0;
  std::vector<double> seconds;
};

struct LlamaBenchRun {
  LlamaBenchModel model;
  std::vector<LlamaBenchTest> tests;
  std::string commit, cpu, kernels, time;  // time: RFC 3339, UTC
};

// llama-bench's `-o md` table (CPU columns: model, size, params, backend,
// threads, test, t/s), then its build line naming 9ml.
std::string llama_bench_markdown(const LlamaBenchRun& r);
// llama-bench's `-o jsonl`: one object per test, its field names and order,
// only the fields 9ml can fill (docs/CLI.md, "bench").
std::string llama_bench_jsonl(const LlamaBenchRun& r);

}  // namespace nineml::cli
