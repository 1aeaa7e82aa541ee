// Quantized generation against f32 (issue 3): per step of a greedy f32
// generation, teacher-forced, the quantized model's top-1 agreement and its
// logit error against a bound (docs/TOLERANCES.md, "Quantized models
// against f32"):
//
//   |l_q - l_f|_j <= Q_j + P_j + A_j
//   Q_j = sum_i |dW_ji| (|x_i| + h_i) + |W_ji| h_i + gamma(G+2) sum_i |W^_ji| (|x_i| + h_i)
//         the quantized classifier on the quantized run's hidden state x: dW the
//         stored weights' error (W^ - W, exact from the file), h the derived
//         Q8 half-step bound of x's activation quantization, and the
//         engine's per-group float accumulation
//   P_j = sum_i |W_ji| |x_i - x_f,i|   the hidden-state divergence of the
//         earlier (quantized) layers carried through the classifier (measured)
//   A_j = gamma(n) sum_i |W_ji x_f,i|  the f32 run's own accumulation
//
// The bound holds by the triangle inequality for any correct engine, so a
// violation is a defect, not noise.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reference.hpp"

namespace nineml::conformance {

struct QuantStep {
  int pos = 0;
  int top_f32 = 0, top_quant = 0;
  double margin_f32 = 0;           // f32 top-1 minus top-2 logit
  double max_error = 0;            // max_j |l_q - l_f|
  double bound_at_max_error = 0;   // the bound of that j
  double worst_ratio = 0;          // max_j error / bound
  double classifier_share = 0;     // Q / (Q + P + A) at the worst-ratio j
};

struct QuantReport {
  std::string arch, storage;
  std::vector<QuantStep> steps;
  int agree = 0;
  double worst_ratio = 0;
  bool bound_holds() const { return worst_ratio <= 1.0; }
};

// One step's check: the classifier W (f32, vocab x dim), the stored W^
// (dequantized), the activation group size, both runs' final hidden states
// and logits.
QuantStep quant_step(int pos, const std::vector<float>& W, const std::vector<float>& W_hat, int dim, int group,
                     const float* x_q, const float* x_f, const float* l_q, const float* l_f, int vocab);

// The whole run: `steps` positions of the f32 model's greedy generation from
// `prompt`, fed to both models. storage: q8 (runq, group `group`), q8_0,
// q4_0 (blocks of 32; `group` is ignored).
QuantReport quant_accuracy(const ref::Checkpoint& ck, const std::string& arch, ref::Storage storage, int steps,
                           const std::vector<int>& prompt, int group = 32);

nlohmann::ordered_json to_json(const QuantReport& r);
std::string to_table(const QuantReport& r);

}  // namespace nineml::conformance
