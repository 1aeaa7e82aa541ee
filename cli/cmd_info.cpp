// `9ml info MODEL [--json]`: format, architecture, hyper-parameters,
// parameter count, bytes (held, read per token, in the file), and the
// tensor table as stored.
#include <fmt/core.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "formats/formats.h"
#include "kernels.h"
#include "kernel_table.h"
#include "model/forward.h"

namespace nineml::cli {

namespace {

// How the engine holds a loaded matrix (model.h NM_T_*): the type its
// products read and the bytes it occupies.
const char* tensor_type_name(const nm_tensor& t) {
  switch (t.type) {
    case NM_T_F32: return "f32";
    case NM_T_Q8: return "q8";
    case NM_T_Q4_0: return "q4_0";
    case NM_T_F16: return "f16";
    case NM_T_BF16: return "bf16";
    case NM_T_Q5_0: return "q5_0";
    case NM_T_Q5_1: return "q5_1";
    case NM_T_Q2_K: return "q2_k";
    case NM_T_Q3_K: return "q3_k";
    case NM_T_Q4_K: return "q4_k";
    case NM_T_Q5_K: return "q5_k";
    case NM_T_Q6_K: return "q6_k";
  }
  return "?";
}

uint64_t tensor_bytes(const nm_tensor& t) {
  const uint64_t n = uint64_t(t.rows) * uint64_t(t.cols);
  switch (t.type) {
    case NM_T_Q8: return n + 4 * (n / uint64_t(t.group_size));
    case NM_T_Q4_0: return n / 32 * 18;
    case NM_T_F16: case NM_T_BF16: return 2 * n;
  }
  if (t.type >= NM_T_Q5_0 && t.type <= NM_T_Q6_K)
    return n / uint64_t(nm_block_elems(t.type - NM_T_Q5_0)) * uint64_t(nm_block_bytes(t.type - NM_T_Q5_0));
  return 4 * n;
}

// Every matrix of the model once (the classifier only when not shared).
uint64_t matrix_bytes(const nm_model& m) {
  uint64_t b = tensor_bytes(m.token_embedding);
  for (int l = 0; l < m.cfg.n_layers; l++)
    for (const nm_tensor* w : {m.wq, m.wk, m.wv, m.wo, m.w1, m.w2, m.w3}) b += tensor_bytes(w[l]);
  if (!m.cfg.shared_classifier) b += tensor_bytes(m.wcls);
  return b;
}

}  // namespace

Action add_info(CLI::App& app) {
  struct Opts {
    std::string model;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("info", "Describe a model file (any format; detected by content)");
  sub->add_option("MODEL", o->model, "Model file")->required();
  sub->add_flag("--json", o->json, "Print JSON instead of text");
  return [o]() {
    char err[512];
    nm_model m;
    if (nm_model_load(&m, o->model.c_str(), err, sizeof err) != 0) {
      fmt::print(stderr, "9ml info: {}\n", err);
      return 1;
    }
    nm_file_info fi;
    if (nm_file_info_load(&fi, o->model.c_str(), err, sizeof err) != 0) {
      nm_model_free(&m);
      fmt::print(stderr, "9ml info: {}\n", err);
      return 1;
    }
    // Bytes per token as `9ml run` reads them: packed for the level it
    // picks ($NINEML_SIMD or the best), forward.h nm_model_read_bytes.
    const nm_kernel_table* table = nm_kernels_select(nullptr);
    if (!table || nm_model_pack(&m, table) != 0) {
      nm_file_info_free(&fi);
      nm_model_free(&m);
      fmt::print(stderr, "9ml info: {}\n", table ? "out of memory packing the Q8 weights"
                                                 : "$NINEML_SIMD: unknown, or not available on this CPU");
      return table ? 1 : 2;
    }
    const nm_config& c = m.cfg;
    uint64_t params = 0, bytes = 0;
    nlohmann::json tensors = nlohmann::json::array();
    std::map<std::string, int> per_type;  // stored type -> tensors (a K-quant mix shows its parts)
    for (int i = 0; i < fi.n_tensors; i++) {
      const nm_tensor_info& t = fi.tensors[i];
      uint64_t n = 1;
      std::vector<uint64_t> shape(t.shape, t.shape + t.n_dims);
      for (uint64_t d : shape) n *= d;
      bool legacy = std::string(t.name).rfind("freq_cis", 0) == 0;
      if (!legacy) params += n;
      bytes += t.nbytes;
      per_type[nm_dtype_name(t.dtype)]++;
      tensors.push_back({{"name", t.name}, {"type", nm_dtype_name(t.dtype)}, {"shape", shape},
                         {"offset", t.offset}, {"bytes", t.nbytes}});
      if (t.dtype == NM_DT_Q8_GROUP) tensors.back()["group_size"] = t.group_size;
    }
    nlohmann::json j = {
        {"file", o->model}, {"format", m.format}, {"architecture", c.arch},
        {"dim", c.dim}, {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers}, {"n_heads", c.n_heads},
        {"n_kv_heads", c.n_kv_heads}, {"head_size", c.dim / c.n_heads}, {"vocab_size", c.vocab_size},
        {"seq_len", c.seq_len}, {"rope_theta", c.rope_theta}, {"norm_eps", c.norm_eps},
        {"sliding_window", c.sliding_window}, {"shared_classifier", c.shared_classifier != 0},
        {"rope_scaling", {{"factor", c.rope_scaling.factor}, {"low_freq_factor", c.rope_scaling.low_freq_factor},
                          {"high_freq_factor", c.rope_scaling.high_freq_factor},
                          {"original_max_position", c.rope_scaling.original_max_position}}},
        {"embedded_vocab", m.vocab_n}, {"weight_type", tensor_type_name(m.wq[0])},
        {"classifier_type", tensor_type_name(m.wcls)}, {"matrix_bytes", matrix_bytes(m)},
        {"kernels", table->name}, {"bytes_per_token", nm_model_read_bytes(&m, table)},
        {"parameters", params}, {"tensor_bytes", bytes},
        {"file_bytes", std::filesystem::file_size(o->model)}, {"tensor_types", per_type}, {"tensors", tensors}};
    nm_file_info_free(&fi);
    nm_model_free(&m);
    if (o->json) {
      fmt::print("{}\n", j.dump(1));
      return 0;
    }
    for (const char* k : {"file", "format", "architecture", "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
                          "head_size", "vocab_size", "seq_len", "rope_theta", "norm_eps", "sliding_window",
                          "shared_classifier", "embedded_vocab", "weight_type", "classifier_type", "matrix_bytes",
                          "kernels", "bytes_per_token", "parameters", "tensor_bytes", "file_bytes"})
      fmt::print("{:<18} {}\n", k, j[k].is_string() ? j[k].get<std::string>() : j[k].dump());
    std::string types;
    for (const auto& [name, count] : per_type) types += (types.empty() ? "" : ", ") + name + " " + std::to_string(count);
    fmt::print("{:<18} {}\n", "tensor_types", types);
    if (c.rope_scaling.factor != 0.0f) fmt::print("{:<18} {}\n", "rope_scaling", j["rope_scaling"].dump());
    fmt::print("\n{:<44} {:<8} {:<16} {:>12} {:>10}\n", "tensor", "type", "shape", "offset", "bytes");
    for (const auto& t : tensors) {
      std::string shape;
      for (const auto& d : t["shape"]) shape += (shape.empty() ? "" : "x") + d.dump();
      fmt::print("{:<44} {:<8} {:<16} {:>12} {:>10}\n", t["name"].get<std::string>(), t["type"].get<std::string>(),
                 shape, t["offset"].get<uint64_t>(), t["bytes"].get<uint64_t>());
    }
    return 0;
  };
}

}  // namespace nineml::cli
