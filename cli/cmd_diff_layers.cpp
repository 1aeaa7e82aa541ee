// `9ml diff-layers MODEL`: the engine and the reference side by side on one
// prompt, step by step, and the first step where they part
// (conformance/model/diff_layers.hpp, docs/PORTING_MODELS.md).
#include <fmt/core.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.hpp"
#include "checkpoint_of_model.hpp"
#include "commands.hpp"
#include "diff_layers.hpp"
#include "formats/formats.h"
#include "kernel_table.h"
#include "vocab.hpp"

namespace nineml::cli {

namespace {

struct DiffOptions {
  // scalar: the one table whose every step is llama2c's bit for bit; the
  // SIMD levels sum in their own order (docs/SIMD.md), so compare those in
  // exact mode.
  std::string model, tokenizer, prompt = "Once upon a time", mode = "llama2c", simd = "scalar";
  int steps = 0;  // 0: the prompt's length
};

// The first matrix of m not stored as f32, f16 or bf16 (whose products the
// reference's f32 matmul reproduces), or "" when there is none.
std::string quantized_matrix(const nm_model& m) {
  auto plain = [](const nm_tensor& t) { return t.type == NM_T_F32 || t.type == NM_T_F16 || t.type == NM_T_BF16; };
  for (int l = 0; l < m.cfg.n_layers; l++)
    for (const nm_tensor* t : {&m.wq[l], &m.wk[l], &m.wv[l], &m.wo[l], &m.w1[l], &m.w2[l], &m.w3[l]})
      if (!plain(*t)) return fmt::format("layer {}'s matrices", l);
  return plain(m.wcls) ? "" : "the classifier";
}

int run_diff_layers(const DiffOptions& o) {
  const ref::Mode mode = o.mode == "exact" ? ref::Mode::exact : ref::Mode::llama2c;
  const nm_kernel_table* k = nm_kernels_select(o.simd.c_str());
  if (k == nullptr) throw UsageError("--simd " + o.simd + ": unknown, or not available on this CPU");
  if (o.tokenizer.empty() && !is_gguf(o.model))
    throw UsageError("MODEL " + o.model + " embeds no vocabulary (not GGUF): give -z TOKENIZER");

  // The engine runs the file as `9ml run` does; the reference its weights
  // as f32 (quantized ones dequantized), both from the engine's loader.
  char err[512];
  auto free_model = [](nm_model* m) {
    nm_model_free(m);
    delete m;
  };
  std::unique_ptr<nm_model, decltype(free_model)> m(new nm_model{}, free_model);
  if (nm_model_load(m.get(), o.model.c_str(), err, sizeof err) != 0) throw std::runtime_error(err);
  std::string arch;
  const ref::Checkpoint ck = conformance::checkpoint_of_model(o.model, &arch);
  const std::string quantized = quantized_matrix(*m);
  if (!quantized.empty() && mode == ref::Mode::exact)
    throw std::runtime_error(o.model + ": " + quantized +
                             " are quantized; exact mode bounds f32/f16/bf16 products only (9ml accuracy bounds "
                             "quantized ones)");

  Vocab vocab(o.tokenizer.empty() ? o.model : o.tokenizer, 0);
  std::vector<int> ids(std::size_t(nm_tok_encode_max(int(o.prompt.size()))));
  int n = 0;
  if (nm_tok_encode(&vocab.v, o.prompt.data(), int(o.prompt.size()), 1, 0, ids.data(), int(ids.size()), &n, err,
                    sizeof err) != 0)
    throw std::runtime_error(std::string("-i: ") + err);
  ids.resize(std::size_t(n));
  for (int id : ids)
    if (id >= ck.config.vocab_size)
      throw std::runtime_error(fmt::format("-z: token {} is outside the model's vocabulary of {}", id,
                                           ck.config.vocab_size));
  const int steps = o.steps == 0 ? n : o.steps;
  if (steps > ck.config.seq_len)
    throw std::runtime_error(fmt::format("--steps {}: more than the model's seq_len {}", steps, ck.config.seq_len));
  // Past the prompt, the reference's greedy tokens (llama2c mode): both
  // runs are fed the same ids at every position.
  std::vector<int> tokens(ids.begin(), ids.begin() + std::min(n, steps));
  if (steps > n) tokens = ref::generate(ck, ref::Mode::llama2c, ids, steps, 0.0f, 0.9f, 0).tokens;
  if (int(tokens.size()) > steps) tokens.resize(std::size_t(steps));

  const conformance::StepBound bound =
      mode == ref::Mode::exact ? conformance::kernel_step_bounds(ck) : conformance::StepBound();
  const conformance::LayerDiff d = conformance::diff_layers(conformance::engine_run(m.get(), k),
                                                            conformance::reference_run(ck, mode), bound, tokens,
                                                            ck.config.n_layers);
  std::string ids_line;
  for (int t : tokens) ids_line += (ids_line.empty() ? "" : " ") + std::to_string(t);
  fmt::print("diff-layers: {} ({}), engine {} vs reference {} mode, tokens: {}\n", o.model, arch, k->name, o.mode,
             ids_line);
  if (!quantized.empty())
    fmt::print("note: {} are quantized: the reference runs their dequantized values in f32, so the products "
               "differ by design (9ml accuracy bounds them)\n",
               quantized);
  fmt::print("{}{}\n", conformance::layer_table(d), conformance::divergence_line(d));
  return d.first ? 1 : 0;
}

}  // namespace

Action add_diff_layers(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  auto* sub = app.add_subcommand("diff-layers",
                                 "Run the engine and the reference side by side on one prompt and print the first "
                                 "step of the first layer where they diverge (docs/PORTING_MODELS.md)");
  sub->add_option("MODEL", o->model, "A model in any format 9ml loads")->required();
  sub->add_option("-z,--tokenizer", o->tokenizer,
                  "llama2.c tokenizer.bin or tokenizer.json (default: the GGUF model's embedded vocabulary)")
      ->type_name("TOKENIZER");
  sub->add_option("-i,--prompt", o->prompt, "Prompt, encoded with BOS (default: \"Once upon a time\")")
      ->type_name("PROMPT");
  integer(sub->add_option("--steps", o->steps,
                          "Positions to compare, 0..1048576 (0, the default: the prompt's; past the prompt the "
                          "reference's greedy tokens)")
              ->type_name("N"),
          0, 1 << 20);
  sub->add_option("--mode", o->mode,
                  "llama2c: every step bit for bit; exact: each step within its derived bound on the engine's own "
                  "inputs (docs/TOLERANCES.md)")
      ->check(CLI::IsMember({"llama2c", "exact"}))
      ->type_name("MODE");
  sub->add_option("--simd", o->simd,
                  "Kernel table: scalar (the default: llama2c mode is bit for bit on it), sse2, avx2, avx512 (their "
                  "reductions sum in another order: compare them with --mode exact)")
      ->type_name("LEVEL");
  return [o] { return run_diff_layers(*o); };
}

}  // namespace nineml::cli
