// Google Benchmark of the model-file parsers on large tensor lists: a
// sharded safetensors index of 40,000 entries over 4 shards (the case that
// once took a minute: every entry scanned all earlier ones), and one
// safetensors file of 40,000 tensors. Parsing only (nm_file_info_load):
// headers, JSON, the name index, the span checks; no weights converted.
//   build/bench/nineml_bench_formats [--benchmark_filter=REGEX]
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "formats/formats.h"

namespace {

namespace fs = std::filesystem;

// Hugging Face-like names (MoE experts give models this many tensors).
std::string tensor_name(int i) {
  return "model.layers." + std::to_string(i / 1000) + ".mlp.experts." + std::to_string(i % 1000) +
         ".gate_proj.weight";
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
}

// One safetensors file holding tensors first..first+n-1, each F32 [1].
void write_shard(const fs::path& p, int first, int n) {
  std::string h = "{";
  for (int i = 0; i < n; i++)
    h += std::string(i ? "," : "") + "\"" + tensor_name(first + i) + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" +
         std::to_string(4 * i) + "," + std::to_string(4 * i + 4) + "]}";
  h += "}";
  while (h.size() % 8 != 0) h += ' ';
  std::string out(8, '\0');
  uint64_t len = h.size();
  std::memcpy(out.data(), &len, 8);
  out += h;
  out.append(static_cast<size_t>(4 * n), '\0');
  write_file(p, out);
}

struct Corpus {
  fs::path dir;
  static constexpr int kEntries = 40000, kShards = 4;
  Corpus() {
    dir = fs::temp_directory_path() / ("nm_bench_formats_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string config =
        "{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":96,\"num_hidden_layers\":2,"
               "\"num_attention_heads\":4,\"vocab_size\":40,\"max_position_embeddings\":16}";
    write_file(dir / "config.json", config);
    std::string idx = "{\"metadata\":{},\"weight_map\":{";
    const int per = kEntries / kShards;
    for (int s = 0; s < kShards; s++) {
      std::string shard = "model-0000" + std::to_string(s + 1) + "-of-0000" + std::to_string(kShards) + ".safetensors";
      write_shard(dir / shard, s * per, per);
      for (int i = s * per; i < (s + 1) * per; i++)
        idx += std::string(i ? "," : "") + "\"" + tensor_name(i) + "\":\"" + shard + "\"";
    }
    idx += "}}";
    write_file(dir / "model.safetensors.index.json", idx);
    fs::create_directories(dir / "single");
    write_file(dir / "single" / "config.json", config);
    write_shard(dir / "single" / "model.safetensors", 0, kEntries);
  }
  ~Corpus() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Corpus& corpus() {
  static Corpus c;
  return c;
}

void parse(benchmark::State& state, const fs::path& path, int want) {
  char err[512];
  for (auto _ : state) {
    nm_file_info info;
    if (nm_file_info_load(&info, path.c_str(), err, sizeof err) != 0) {
      state.SkipWithError(err);
      return;
    }
    if (info.n_tensors != want) {
      nm_file_info_free(&info);
      state.SkipWithError("wrong tensor count");
      return;
    }
    nm_file_info_free(&info);
  }
  state.counters["entries"] = want;
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(want), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_safetensors_index_40k(benchmark::State& state) {
  parse(state, corpus().dir / "model.safetensors.index.json", Corpus::kEntries);
}
BENCHMARK(BM_safetensors_index_40k)->Name("safetensors_index/40000")->Unit(benchmark::kMillisecond);

void BM_safetensors_file_40k(benchmark::State& state) {
  parse(state, corpus().dir / "single" / "model.safetensors", Corpus::kEntries);
}
BENCHMARK(BM_safetensors_file_40k)->Name("safetensors_file/40000")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
