// `9ml diff-layers`' comparison (diff_layers.hpp): the engine agrees with
// the reference at every step of every architecture, and a reference with a
// deliberately planted bug is reported at the layer and step of the bug.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <stdexcept>

#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "diff_layers.hpp"
#include "engine_model.hpp"
#include "kernel_table.h"
#include "reference.hpp"

namespace nineml::conformance {
namespace {

// Three layers, so a bug planted in layer 1 or 2 has layers on both sides.
ref::Checkpoint three_layers(const std::string& arch) {
  ref::Config c = fixtures::arch_config(arch);
  c.n_layers = 3;
  return fixtures::make_checkpoint(c, 11);
}

// BOS and ids of the generated test vocabulary (378 tokens), teacher forced.
const std::vector<int> kTokens = {1, 363, 259, 365, 326, 12, 99};

LayerDiff diff(const ref::Checkpoint& engine_ck, const std::string& arch, const TracedRun& reference,
               const StepBound& bound) {
  EngineModel em(engine_ck, ref::Quant{}, arch);
  return diff_layers(engine_run(em.get(), nm_kernels_scalar()), reference, bound, kTokens,
                     engine_ck.config.n_layers);
}

class DiffLayers : public testing::TestWithParam<std::string> {};

TEST_P(DiffLayers, EngineEqualsLlama2cModeAtEveryStep) {
  const ref::Checkpoint ck = three_layers(GetParam());
  const LayerDiff d = diff(ck, GetParam(), reference_run(ck, ref::Mode::llama2c), {});
  EXPECT_FALSE(d.first) << divergence_line(d);
  EXPECT_EQ(d.stats.size(), 4u);
  for (const auto& row : d.stats)
    for (const StepStat& s : row) EXPECT_EQ(s.max_error, 0.0);
  EXPECT_NE(divergence_line(d).find("bit for bit"), std::string::npos);
}

TEST_P(DiffLayers, EngineWithinEachStepsBoundOfExactMode) {
  const ref::Checkpoint ck = three_layers(GetParam());
  if (ck.config.rope_scaling.factor > 0) {
    // Scaled RoPE (llama3) has no conformance kernel, so no derived bound.
    EXPECT_THROW(kernel_step_bounds(ck), std::invalid_argument);
    return;
  }
  const LayerDiff d = diff(ck, GetParam(), reference_run(ck, ref::Mode::exact), kernel_step_bounds(ck));
  EXPECT_FALSE(d.first) << divergence_line(d) << "\n" << layer_table(d);
  // The products round: a nonzero error somewhere, every one within its bound.
  double worst = 0;
  for (const auto& row : d.stats)
    for (const StepStat& s : row) worst = std::max(worst, s.max_error);
  EXPECT_GT(worst, 0.0);
}

INSTANTIATE_TEST_SUITE_P(EveryArchitecture, DiffLayers, testing::ValuesIn(fixtures::fixture_architectures()));

// Gemma's RMSNorm weight is (1 + w): a reference made with it in layer 1
// only (the engine without) parts at layer 1's attention norm, position 0.
TEST(DiffLayersVariant, RmsnormOnePlusWeightInLayer1) {
  const ref::Checkpoint ck = three_layers("llama2");
  ref::Checkpoint wrong = ck;
  const std::size_t dim = std::size_t(ck.config.dim);
  for (std::size_t i = dim; i < 2 * dim; i++) wrong.rms_att[i] += 1.0f;
  for (ref::Mode mode : {ref::Mode::llama2c, ref::Mode::exact}) {
    const LayerDiff d = diff(ck, "llama2", reference_run(wrong, mode),
                             mode == ref::Mode::exact ? kernel_step_bounds(ck) : StepBound());
    ASSERT_TRUE(d.first) << ref::mode_name(mode);
    EXPECT_EQ(d.first->pos, 0);
    EXPECT_EQ(d.first->layer, 1);
    EXPECT_EQ(d.first->step, "attn_norm");
    EXPECT_NE(divergence_line(d).find("position 0, layer 1, step attn_norm"), std::string::npos)
        << divergence_line(d);
  }
}

// RoPE skipped for k in layer 2: the variant puts back the k that RoPE was
// given (in exact mode the engine's, per-step teacher forcing). At position
// 0 the rotation is the identity (angle 0), so the first difference is
// position 1, layer 2, k_rope.
TracedRun rope_skipped_for_k_in_layer_2(const ref::Checkpoint& ck, ref::Mode mode) {
  return [ck, mode](const std::vector<int>& tokens, const Trace* engine, Trace& out) {
    int pos = -1;
    std::vector<float> kf;
    ref::Transformer::Observer skip;
    skip.on_float = [&](int l, const char* step, std::span<float> v) {
      if (l == 2 && std::string(step) == "k") kf.assign(v.begin(), v.end());
      if (l == 2 && std::string(step) == "k_rope") std::copy(kf.begin(), kf.end(), v.begin());
    };
    skip.on_double = [&](int l, const char* step, std::span<double> v) {
      if (l == 0 && std::string(step) == "embedding") pos++;
      if (l == 2 && std::string(step) == "k_rope") {
        const std::vector<double>* k = engine->find(pos, 2, "k");
        std::copy(k->begin(), k->end(), v.begin());
      }
    };
    reference_run(ck, mode, skip)(tokens, engine, out);
  };
}

TEST(DiffLayersVariant, RopeSkippedForKInLayer2) {
  const ref::Checkpoint ck = three_layers("llama2");
  for (ref::Mode mode : {ref::Mode::llama2c, ref::Mode::exact}) {
    const LayerDiff d = diff(ck, "llama2", rope_skipped_for_k_in_layer_2(ck, mode),
                             mode == ref::Mode::exact ? kernel_step_bounds(ck) : StepBound());
    ASSERT_TRUE(d.first) << ref::mode_name(mode);
    EXPECT_EQ(d.first->pos, 1);
    EXPECT_EQ(d.first->layer, 2);
    EXPECT_EQ(d.first->step, "k_rope");
    EXPECT_TRUE(d.first->missing.empty());
  }
}

// A run that leaves a step out is reported at that step, naming the run.
TEST(DiffLayersVariant, MissingStepIsADivergence) {
  const ref::Checkpoint ck = three_layers("llama2");
  const TracedRun full = reference_run(ck, ref::Mode::llama2c);
  const TracedRun no_swiglu = [&](const std::vector<int>& tokens, const Trace* engine, Trace& out) {
    Trace all;
    full(tokens, engine, all);
    for (int pos = 0; pos < int(tokens.size()); pos++)
      for (int l = -1; l < ck.config.n_layers; l++)
        for (const std::string& s : l < 0 ? final_steps() : layer_steps(l))
          if (const auto* v = all.find(pos, l, s); v != nullptr && !(l == 1 && s == "swiglu"))
            out.put(pos, l, s, std::span<const double>(*v));
  };
  const LayerDiff d = diff(ck, "llama2", no_swiglu, {});
  ASSERT_TRUE(d.first);
  EXPECT_EQ(d.first->layer, 1);
  EXPECT_EQ(d.first->step, "swiglu");
  EXPECT_EQ(d.first->missing, "the reference does not report it");
}

}  // namespace
}  // namespace nineml::conformance
