// Quantized generation against f32 (issue 3), step by step, with derived
// bounds (docs/TOLERANCES.md, "Quantized models against f32"). Both models
// are fed the f32 model's greedy tokens. Three gates, all derived:
//
// 1. Weights: every stored element within its quantizer's derived error
//    bound e_w, computed from the f32 weights alone (runq Q8: half a step
//    plus the rounded quotient; GGUF Q8_0: the same with the fp16 scale's
//    rounding; Q4_0: half a step, a full step where the nibble clamps, plus
//    the fp16 scale's rounding).
// 2. Products, teacher-forced: at every step, every matrix product of the
//    f32 run (every layer's wq wk wv wo w1 w3 w2 and the classifier) is
//    recomputed by the engine with the quantized tensor on the very same f32
//    activation x, and each output element must be within
//      B_i = sum_j (|w_j| e_x,j + |x_j| e_w,j + e_w,j e_x,j)
//            + gamma(G+2) sum_j (|w_j| + e_w,j)(|x_j| + e_x,j) + 3 G eta
//            + gamma_64(n) sum_j |w_j x_j|
//    of the exact product W x (computed in double; the last term is that
//    computation's own error), e_x the Q8 activation element bound.
// 3. End to end, the classifier: every logit of the quantized run within
//    Q_j + P_j + A_j (the quantized classifier on the quantized run's own
//    hidden state, the measured hidden-state divergence carried through
//    |W|, and the f32 accumulation; quant_step below).
//
// Not gated, reported: top-1 agreement per step and each disagreement's
// cause. With C_j = B_j (classifier, teacher-forced) + A_j (the f32 run's
// accumulation), the classifier alone can swap the f32 top-1 b with a only
// if l_f[b] - l_f[a] <= C_a + C_b: such a disagreement is "explained" by
// the classifier's quantization; otherwise it was "carried" in by the
// earlier quantized layers' divergence.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec.h"
#include "model.h"
#include "reference.hpp"

namespace nineml::conformance {

struct QuantStep {
  int pos = 0, token = 0;
  int top_f32 = 0, top_quant = 0;
  double margin_f32 = 0;           // f32 top-1 minus top-2 logit
  double gap = 0;                  // l_f[top_f32] - l_f[top_quant] (0 when they agree)
  double max_error = 0;            // max_j |l_q - l_f|, end to end
  double bound_at_max_error = 0;   // Q + P + A of that j
  double worst_ratio = 0;          // max_j |l_q - l_f| / (Q + P + A)
  double classifier_share = 0;     // Q / (Q + P + A) at the worst-ratio j
  double cls_bound_max = 0;        // max_j C_j (teacher-forced classifier + f32 accumulation)
  double cls_bound_pair = 0;       // C_top_f32 + C_top_quant
  std::string cause;               // "" (agree), "explained" or "carried"
  int products = 0;                // teacher-forced products checked at this step
  double product_worst_ratio = 0;  // max over them of |got - exact| / B_i
  std::string product_worst;       // the tensor of that maximum, e.g. "layers.1.w2"
};

struct WeightCheck {
  std::string tensor;
  long long elements = 0;
  double worst_ratio = 0;  // max |stored - w| / e_w
};

struct QuantReport {
  std::string arch, storage;
  std::vector<QuantStep> steps;
  std::vector<WeightCheck> weights;
  int agree = 0, explained = 0, carried = 0;
  double worst_ratio = 0;          // gate 3
  double product_worst_ratio = 0;  // gate 2
  double weight_worst_ratio = 0;   // gate 1
  bool bound_holds() const { return worst_ratio <= 1.0 && product_worst_ratio <= 1.0 && weight_worst_ratio <= 1.0; }
  // Gate 4, a quality floor rather than a derived bound: the least top-1
  // agreement accepted (top1_floor() for a trained model, or the user's
  // --min-top1); negative: not gated.
  double top1_threshold = -1;
  double top1_agreement() const { return steps.empty() ? 0.0 : double(agree) / double(steps.size()); }
  bool top1_holds() const { return top1_threshold < 0 || top1_agreement() >= top1_threshold; }
};

// The least top-1 agreement with f32 a trained model's storage must reach
// (docs/TOLERANCES.md, "Top-1 floors"): measured on real checkpoints with a
// margin; generated weights with planted outliers are not held to it.
double top1_floor(ref::Storage s);

// Which quantizer made a stored tensor (the element bound depends on it).
// gguf_blocks: a GGUF block storage (q5_0 ... q6_k and the K-quant mixes):
// each tensor's bound follows its stored type (Q8_0 or Q4_0 for the
// fallbacks, else the block type's rule, from the stored block).
enum class WeightQuantizer { q8_runq, q8_0_gguf, q4_0, gguf_blocks };
WeightQuantizer quantizer_for(ref::Storage s);

// Derived bound on |stored - w| for element i of one tensor quantized by q
// (group: runq's group size; Q8_0 and Q4_0 use blocks of 32), from the f32
// weights w alone.
class WeightBound {
 public:
  WeightBound(const float* w, long long n, WeightQuantizer q, int group);
  // A tensor stored in a block type (NM_T_Q5_0..NM_T_Q6_K): the bound from
  // its stored grid (docs/TOLERANCES.md, "Block types").
  WeightBound(const float* w, const nm_tensor& stored);
  double operator()(long long i) const;

 private:
  const float* w_;
  WeightQuantizer q_;
  int group_;
  std::vector<double> param_;  // per group: runq s = max|w|/127; Q8_0 d = fl(amax/127); Q4_0 d = m/-8
  std::vector<double> element_;  // block types: the bound of each element
};

// Derived bound on the activation quantizer's error (runq's rule, ties away).
double activation_bound(double x, double exact_group_scale);

// Step check of gate 3 (see above): the classifier W (f32, vocab x dim), the
// stored W^ (dequantized), the activation group size, both runs' final
// hidden states and logits.
// mag: per element, the magnitude the product sums in float (|W^| unless
// given: a block type's |d sc q| + |dmin m|); ops: float operations per
// group after the exact integer sum (2 for Q8/Q4_0, 4 with a min term).
QuantStep quant_step(int pos, const std::vector<float>& W, const std::vector<float>& W_hat, int dim, int group,
                     const float* x_q, const float* x_f, const float* l_q, const float* l_f, int vocab,
                     const std::vector<double>* mag = nullptr, int ops = 2);

// The whole run: `steps` positions of the f32 model's greedy generation from
// `prompt`, fed to both models. storage: q8 (runq, group `group`), q8_0,
// q4_0 (blocks of 32; `group` is ignored).
QuantReport quant_accuracy(const ref::Checkpoint& ck, const std::string& arch, ref::Storage storage, int steps,
                           const std::vector<int>& prompt, int group = 32);

// The same on two engine models with the same shape: f32 (every tensor
// NM_T_F32) and quant (its tensors made by `quantizer` from f32's weights).
// Both runs and the products use kernel table k, single-threaded (the f32
// run's products are recorded in call order). Throws std::invalid_argument
// when the models differ in shape or a tensor's type does not fit.
QuantReport quant_accuracy(const nm_model* f32, const nm_model* quant, WeightQuantizer quantizer,
                           const nm_kernel_table* k, int steps, const std::vector<int>& prompt,
                           const std::string& arch, const std::string& storage);

nlohmann::ordered_json to_json(const QuantReport& r);
std::string to_table(const QuantReport& r);

}  // namespace nineml::conformance
