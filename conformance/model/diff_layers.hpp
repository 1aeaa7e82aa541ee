// `9ml diff-layers`: the engine and the reference run side by side on one
// prompt (the same tokens into both), every named step of every layer
// recorded, and the first step where they part beyond that step's bound
// reported (docs/PORTING_MODELS.md). The comparison takes two runs as
// callables, so a test can hand it a deliberately wrong variant.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "kernel_table.h"
#include "model.h"
#include "reference.hpp"

namespace nineml::conformance {

// A layer's steps in forward order (layer 0 starts with "embedding"), and
// the steps after the last layer, reported with layer -1.
const std::vector<std::string>& layer_steps(int layer);
const std::vector<std::string>& final_steps();

// Every step's values at every position of one run.
class Trace {
 public:
  void put(int pos, int layer, const std::string& step, std::span<const float> v);
  void put(int pos, int layer, const std::string& step, std::span<const double> v);
  const std::vector<double>* find(int pos, int layer, const std::string& step) const;

 private:
  std::map<std::tuple<int, int, std::string>, std::vector<double>> steps_;
};

// A run over tokens at positions 0.. recording every step into `out`. The
// reference's run gets the engine's trace (`engine`; nullptr for the engine
// itself): in exact mode it continues every step from the engine's value.
using TracedRun = std::function<void(const std::vector<int>& tokens, const Trace* engine, Trace& out)>;

// The bound, per element, on the engine's value of a step against the
// exact value of that step on the engine's own inputs (read from `engine`).
// An empty StepBound means bit for bit (llama2c mode).
using StepBound = std::function<std::vector<double>(int pos, int layer, const std::string& step, const Trace& engine)>;

struct Divergence {
  int pos = 0, layer = 0;
  std::string step;
  std::size_t index = 0;     // the first element beyond the bound
  double engine = 0, reference = 0, bound = 0;
  std::size_t beyond = 0;    // elements of the step beyond the bound
  std::string missing;       // nonempty: a run did not report the step (which one)
};

struct StepStat {
  double max_error = 0;  // max |engine - reference| over elements and positions
  double max_ratio = 0;  // max error / bound (bit for bit: 0, or inf for any difference)
};

struct LayerDiff {
  int n_layers = 0, n_positions = 0;
  bool bounded = false;  // exact mode (bounds) or bit for bit
  std::optional<Divergence> first;
  // [layer][step of layer_steps(layer)], then one row of final_steps().
  std::vector<std::vector<StepStat>> stats;
};

// Runs both over tokens and compares every step in order: position, then
// layer, then step. Throws std::runtime_error when a run fails.
LayerDiff diff_layers(const TracedRun& engine, const TracedRun& reference, const StepBound& bound,
                      const std::vector<int>& tokens, int n_layers);

// "no divergence ..." or "first divergence: position P, layer L, step S, ...".
std::string divergence_line(const LayerDiff& d);
// One row per layer, one column per step: max error (bit for bit) or the
// max error / bound ratio (exact mode).
std::string layer_table(const LayerDiff& d);

// The engine (nm_forward_batch in prefill batches, then nm_logits per
// position) on model m with kernel table k, through its nm_trace hook.
TracedRun engine_run(const nm_model* m, const nm_kernel_table* k);

// The reference on ck in `mode`. `variant` (may be empty) sees every step
// first and may change it: tests plant deliberate bugs with it. In exact
// mode each step is recorded, then replaced by the engine's value, so every
// step is the exact result of that step on the engine's inputs.
TracedRun reference_run(const ref::Checkpoint& ck, ref::Mode mode, const ref::Transformer::Observer& variant = {});

// Exact mode's per-step bounds: each step's conformance kernel bound
// (conformance/kernels/, docs/TOLERANCES.md) on the engine's inputs to that
// step and ck's weights. Throws std::invalid_argument for a model whose
// steps have no derived bound (scaled RoPE).
StepBound kernel_step_bounds(const ref::Checkpoint& ck);

}  // namespace nineml::conformance
