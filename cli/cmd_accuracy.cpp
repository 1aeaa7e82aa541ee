// `9ml accuracy`: a quantized storage against f32, step by step: stored
// weights, teacher-forced products and logits against their derived bounds
// (exit 1 when one fails), top-1 agreement and each disagreement's cause
// (conformance/model/quant_accuracy.hpp, docs/TOLERANCES.md).
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "args.hpp"
#include "checkpoint_gen.hpp"
#include "checkpoint_of_model.hpp"
#include "commands.hpp"
#include "detail.hpp"
#include "quant_accuracy.hpp"

namespace nineml::cli {

namespace {

struct AccuracyOptions {
  std::string arch = "llama2", storage = "q8_0", model, json;
  int steps = 0;  // 0: min(256, seq_len)
  double min_top1 = -1;  // < 0: the storage's floor for a trained model (--model), none for generated weights
  uint64_t seed = 11;
  bool summary = false;
};

constexpr const char* kStorages = "q8, q8_0, q4_0, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, q4_k_m or q5_k_m";

ref::Storage storage_from(const std::string& s) {
  const auto st = ref::storage_from_name(s);
  if (!st || *st == ref::Storage::f32 || *st == ref::Storage::f16 || *st == ref::Storage::bf16)
    throw UsageError("--storage " + s + ": expected " + kStorages);
  return *st;
}

bool k_storage(ref::Storage s) {
  return s == ref::Storage::q2_k || s == ref::Storage::q3_k || s == ref::Storage::q4_k || s == ref::Storage::q5_k ||
         s == ref::Storage::q6_k || s == ref::Storage::q4_k_m || s == ref::Storage::q5_k_m;
}

// The matrices whose type is not the storage's own (llama.cpp's fallbacks
// for rows a K type cannot hold, or the mix's choice), as "NAME TYPE" text.
std::string other_types(const ref::Checkpoint& ck, ref::Storage s) {
  const ref::Config& c = ck.config;
  const int base = ref::gguf_matrix_type(s, ref::Matrix::attn_q, -1, c.n_layers, 256, true);
  std::map<int, int> count;
  auto add = [&](ref::Matrix m, int layer, int row_len) {
    count[ref::gguf_matrix_type(s, m, layer, c.n_layers, row_len, !c.shared_classifier)]++;
  };
  add(ref::Matrix::token_embd, -1, c.dim);
  if (!c.shared_classifier) add(ref::Matrix::output, -1, c.dim);
  for (int l = 0; l < c.n_layers; l++) {
    for (ref::Matrix m : {ref::Matrix::attn_q, ref::Matrix::attn_k, ref::Matrix::attn_v, ref::Matrix::attn_output,
                          ref::Matrix::ffn_gate, ref::Matrix::ffn_up})
      add(m, l, c.dim);
    add(ref::Matrix::ffn_down, l, c.hidden_dim);
  }
  auto name = [](int t) -> std::string {
    if (const auto b = ref::block_of_ggml_type(t)) return ref::block_name(*b);
    return t == 8 ? "q8_0" : t == 2 ? "q4_0" : t == 1 ? "f16" : "f32";
  };
  std::string out;
  for (const auto& [t, n] : count)
    if (t != base) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + name(t);
  return out;
}

int run_accuracy(const AccuracyOptions& o) {
  const ref::Storage storage = storage_from(o.storage);
  if (!o.json.empty()) check_writable_file("--json", o.json);
  ref::Checkpoint ck;
  std::string arch = o.arch;
  if (!o.model.empty()) {
    // Any format the engine loads, dequantized to f32; its own architecture.
    ck = conformance::checkpoint_of_model(o.model, &arch);  // throws "PATH: problem"
  } else {
    // The K storages on rows they hold (dim 256, hidden 512); on the small
    // shape every K matrix would fall back to Q5_0/Q5_1/Q8_0/Q4_0.
    ck = fixtures::make_checkpoint(k_storage(storage) ? fixtures::kquant_config(o.arch, 256)
                                                      : fixtures::arch_config(o.arch, 256),
                                   o.seed);
  }
  // runq's group: 64, halved until it divides dim and hidden_dim (llama2.c's export)
  int group = 64;
  while (group > 1 && (ck.config.dim % group != 0 || ck.config.hidden_dim % group != 0)) group /= 2;
  if (storage != ref::Storage::q8 && (ck.config.dim % 32 != 0 || ck.config.hidden_dim % 32 != 0))
    throw std::runtime_error(fmt::format("--storage {}: dim {} and hidden_dim {} must be multiples of the block size 32",
                                         o.storage, ck.config.dim, ck.config.hidden_dim));
  if (storage != ref::Storage::q8) {
    const std::string other = other_types(ck, storage);
    if (!other.empty())
      fmt::print("note: --storage {} on dim {}, hidden_dim {}: {} of the matrices as llama.cpp types them "
                 "(the mix, or its fallback for rows a K type cannot hold; docs/FORMATS.md)\n",
                 o.storage, ck.config.dim, ck.config.hidden_dim, other);
  }
  const int steps = o.steps == 0 ? std::min(256, ck.config.seq_len) : o.steps;
  if (steps < 1 || steps > ck.config.seq_len)
    throw std::runtime_error("--steps " + std::to_string(o.steps) + ": expected 1.." + std::to_string(ck.config.seq_len));
  conformance::QuantReport r = conformance::quant_accuracy(ck, arch, storage, steps, {1}, group);
  // Generated weights carry planted outliers (hard to quantize on purpose):
  // their agreement is reported, and gated only when the user asks.
  r.top1_threshold = o.min_top1 >= 0 ? o.min_top1 : !o.model.empty() ? conformance::top1_floor(storage) : -1;
  const std::string table = conformance::to_table(r);
  fmt::print("{}", o.summary ? table.substr(0, table.find('\n') + 1) : table);
  if (!o.json.empty()) report::detail::write_file(o.json, conformance::to_json(r).dump(2) + "\n");  // atomic (port.h)
  if (!r.top1_holds())
    fmt::print(stderr, "9ml accuracy: top-1 agreement {:.1f}% is below the {} floor {:g}% ({}; docs/TOLERANCES.md)\n",
               100 * r.top1_agreement(), o.storage, 100 * r.top1_threshold,
               o.min_top1 >= 0 ? "--min-top1" : "trained models");
  return r.bound_holds() && r.top1_holds() ? 0 : 1;
}

}  // namespace

Action add_accuracy(CLI::App& app) {
  auto o = std::make_shared<AccuracyOptions>();
  auto* sub = app.add_subcommand("accuracy", "A quantized storage against f32: weights, products and logits vs derived bounds; top-1 agreement");
  sub->add_option("--arch", o->arch, "Generated fixture architecture: llama2, llama3, mistral, qwen2 (default llama2)")
      ->check(CLI::IsMember({"llama2", "llama3", "mistral", "qwen2"}));
  sub->add_option("--model", o->model,
                  "A model file in any format 9ml loads (quantized weights are dequantized to f32 first; its "
                  "architecture is the file's) instead of the generated weights")
      ->type_name("FILE");
  sub->add_option("--storage", o->storage,
                  "q8 (runq: group 64, halved to divide the rows), q8_0, q4_0, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, "
                  "q6_k, q4_k_m or q5_k_m (default q8_0)")
      ->type_name("S");
  integer(sub->add_option("--steps", o->steps, "Greedy f32 steps to compare, 0..seq_len (0, the default: 256, at most seq_len)")
              ->type_name("N"), 0, 1 << 20);
  unsigned_integer(sub->add_option("--seed", o->seed, "Seed of the generated weights, 0..2^64-1 (default 11)")->type_name("S"));
  real(sub->add_option("--min-top1", o->min_top1,
                       "Least top-1 agreement accepted, 0..1 (default: the storage's floor for a --model file, "
                       "docs/TOLERANCES.md; none for generated weights); below it: exit 1")
           ->type_name("F"),
       0, 1);
  sub->add_option("--json", o->json, "Also write the per-step report as JSON")->type_name("FILE");
  sub->add_flag("--summary", o->summary, "Print only the summary line");
  return [o, sub]() {
    if (!o->model.empty() && sub->count("--arch") > 0)
      throw UsageError("--arch: conflicts with --model (the file names its architecture)");
    return run_accuracy(*o);
  };
}

}  // namespace nineml::cli
