// `9ml convert IN OUT --to FORMAT` and `9ml quantize IN OUT [--to T] [--group-size G]`.
#include <fmt/core.h>

#include <memory>

#include "args.hpp"
#include "commands.hpp"
#include "formats/formats.h"
#include "writers.hpp"

namespace nineml::cli {

namespace {

struct Opts {
  std::string in, out, to;
  int group_size = 0;
  bool config_json = false;
};

int run(const Opts& o, const char* cmd, const std::vector<std::string>& allowed) {
  auto t = writers::parse_target(o.to);
  if (!t || std::find(allowed.begin(), allowed.end(), writers::target_name(*t)) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    fmt::print(stderr, "9ml {}: --to {}: unknown target (known: {})\n", cmd, o.to, list);
    return 2;
  }
  if (o.group_size < 0 || (o.group_size > 0 && *t != writers::Target::v2)) {
    fmt::print(stderr, "9ml {}: --group-size {}: only a positive size for --to v2\n", cmd, o.group_size);
    return 2;
  }
  if (o.config_json && !writers::is_safetensors(*t)) {
    fmt::print(stderr, "9ml {}: --config-json: only for --to safetensors-*\n", cmd);
    return 2;
  }
  // The output replaces OUT only when complete (port.h nm_out), but a
  // command that names its input as its output is a slip: refuse it.
  if (nm_same_file(o.in.c_str(), o.out.c_str())) {
    fmt::print(stderr, "9ml {}: OUT {} is the input file\n", cmd, o.out);
    return 2;
  }
  if (o.config_json && nm_same_file(o.in.c_str(), writers::config_json_path(o.out).c_str())) {
    fmt::print(stderr, "9ml {}: --config-json: {} is the input file\n", cmd, writers::config_json_path(o.out));
    return 2;
  }
  char err[512];
  nm_model m;
  if (nm_model_load(&m, o.in.c_str(), err, sizeof err) != 0) {
    fmt::print(stderr, "9ml {}: {}\n", cmd, err);
    return 1;
  }
  try {
    writers::write_model(m, o.out, *t, {.group_size = o.group_size, .config_json = o.config_json});
  } catch (const std::exception& e) {
    nm_model_free(&m);
    fmt::print(stderr, "9ml {}: {}\n", cmd, e.what());
    return 1;
  }
  fmt::print("{} ({}, {}) -> {} ({})\n", o.in, m.format, m.cfg.arch, o.out, writers::target_name(*t));
  if (writers::is_safetensors(*t) && !o.config_json)
    fmt::print(stderr, "9ml {}: note: loading {} needs config.json beside it (add --config-json to write it)\n", cmd,
               o.out);
  nm_model_free(&m);
  return 0;
}

}  // namespace

Action add_convert(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("convert", "Convert a model to another format");
  sub->add_option("IN", o->in, "Input model (any format)")->required();
  sub->add_option("OUT", o->out, "Output file (replaced only once complete; never IN)")->required();
  sub->add_option("--to", o->to,
                  "v0, v1, v2, gguf-f32|f16|bf16|q8_0|q4_0|q5_0|q5_1|q2_k|q3_k|q4_k|q5_k|q6_k|q4_k_m|q5_k_m, "
                  "safetensors-f32|f16|bf16")
      ->required();
  sub->add_flag("--config-json", o->config_json,
                "safetensors: also write config.json beside OUT (replacing one there), which loading OUT needs");
  return [o]() {
    return run(*o, "convert", writers::target_names());
  };
}

Action add_quantize(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  o->to = "v2";
  auto* sub = app.add_subcommand("quantize", "Quantize a model (llama2.c v2 Q8_0; GGUF Q8_0, Q4_0, Q5_0, Q5_1, the K-quants "
                                               "and llama.cpp's Q4_K_M/Q5_K_M mixes)");
  sub->add_option("IN", o->in, "Input model (any format)")->required();
  sub->add_option("OUT", o->out, "Output file (replaced only once complete; never IN)")->required();
  sub->add_option("--to", o->to,
                  "v2 (default), gguf-q8_0, gguf-q4_0, gguf-q5_0, gguf-q5_1, gguf-q2_k, gguf-q3_k, gguf-q4_k, "
                  "gguf-q5_k, gguf-q6_k, gguf-q4_k_m, gguf-q5_k_m");
  integer(sub->add_option("--group-size", o->group_size,
                          "v2 group size, 1..1073741824 (default: 64 halved until it divides dim and hidden_dim)"),
          1, 1 << 30);
  return [o]() {
    return run(*o, "quantize", {"v2", "gguf-q8_0", "gguf-q4_0", "gguf-q5_0", "gguf-q5_1", "gguf-q2_k", "gguf-q3_k",
                                "gguf-q4_k", "gguf-q5_k", "gguf-q6_k", "gguf-q4_k_m", "gguf-q5_k_m"});
  };
}

}  // namespace nineml::cli
