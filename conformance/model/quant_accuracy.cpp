// Quantized models against f32, step by step (quant_accuracy.hpp).
#include "quant_accuracy.hpp"

#include "json_real.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "bounds.hpp"
#include "internal/blocks.hpp"
#include "engine_model.hpp"
#include "fault.hpp"
#include "kernels.h"
#include "kernels/q8_common.hpp"
#include "model/forward.h"
#include "model/generate.h"

namespace nineml::conformance {

namespace {

constexpr double kU16 = 0x1p-11;      // binary16 unit roundoff (normal halves)
constexpr double kEta16 = 0x1p-25;    // absolute error of rounding to a subnormal half
constexpr double kMinNormal = 0x1p-126;

// gamma for double arithmetic: the exact products are summed in double.
double gamma64(long long n) {
  const double nu = double(n) * 0x1p-53;
  return nu / (1 - nu);
}

// error / bound as the report shows it: a NaN anywhere never passes, and a
// zero bound allows only a zero error.
double error_over_bound(double err, double bound) {
  if (std::isnan(err) || std::isnan(bound)) return INFINITY;
  if (bound > 0) return err / bound;
  return err > 0 ? INFINITY : 0;
}

}  // namespace

WeightQuantizer quantizer_for(ref::Storage s) {
  switch (s) {
    case ref::Storage::q8: return WeightQuantizer::q8_runq;
    case ref::Storage::q8_0: return WeightQuantizer::q8_0_gguf;
    case ref::Storage::q4_0: return WeightQuantizer::q4_0;
    case ref::Storage::q5_0: case ref::Storage::q5_1: case ref::Storage::q2_k: case ref::Storage::q3_k:
    case ref::Storage::q4_k: case ref::Storage::q5_k: case ref::Storage::q6_k: case ref::Storage::q4_k_m:
    case ref::Storage::q5_k_m: return WeightQuantizer::gguf_blocks;
    default: throw std::invalid_argument("quant_accuracy: pick a quantized storage");
  }
}

namespace {

bool is_block(const nm_tensor& t) { return t.type >= NM_T_Q5_0 && t.type <= NM_T_Q6_K; }
ref::Block block_of(const nm_tensor& t) { return static_cast<ref::Block>(t.type - NM_T_Q5_0); }
std::span<const uint8_t> block_span(const nm_tensor& t) {
  const ref::Block b = block_of(t);
  const size_t n = size_t(t.rows) * size_t(t.cols);
  return {t.blocks, n / size_t(ref::block_elems(b)) * size_t(ref::block_bytes(b))};
}

// The integer range of q in a block type (the contract's signed q).
std::pair<int, int> q_range(ref::Block b) {
  switch (b) {
    case ref::Block::q5_0: return {-16, 15};
    case ref::Block::q5_1: return {0, 31};
    case ref::Block::q2_k: return {0, 3};
    case ref::Block::q3_k: return {-4, 3};
    case ref::Block::q4_k: return {0, 15};
    case ref::Block::q5_k: return {0, 31};
    case ref::Block::q6_k: return {-32, 31};
  }
  return {0, 0};
}

// |stored - w| for one element of a block type, from its stored grid d1*q -
// m1 (d1 = d*sc and m1 exact in double):
// - K types round every value again against the stored scales,
//   l = nearest_int(fl(fl(w + m1) / d1)) clamped to the range: at most half
//   a step plus the quotient's rounding (gamma(2) of |t| <= qmax + 1 steps)
//   inside the range, the distance to the range's end outside it; a
//   sub-block whose scale rounded to 0 holds -m1 for every value.
// - Q5_0/Q5_1 round against the float d before it is stored as fp16
//   (quant_q5.cpp), as Q4_0: up to 16 (31) times the fp16 rounding of d on
//   top, and Q5_0's level clamps at 31 (one full step) when w/d > 15.
double block_element_bound(ref::Block b, double w, double d, double sc, double m1, int q_lo, int q_hi) {
  using namespace bounds;
  const double d1 = d * sc, ad = std::fabs(d);
  const int qmax = std::max(-q_lo, q_hi);
  if (b == ref::Block::q5_0 || b == ref::Block::q5_1) {
    const double A = (ad + kEta16) / (1 - kU16);  // |d| before the fp16 store
    if (b == ref::Block::q5_0) {
      if (ad == 0) return std::fabs(w) + 16 * kEta16;
      const double r = w / d > 15 ? 1.0 : 0.5 + 16 * gamma(2) + 33 * kU;
      return A * r + 16 * (kU16 * A + kEta16);
    }
    const double am = (std::fabs(m1) + kEta16) / (1 - kU16);
    return A * (0.5 + 31 * gamma(3) + 32 * kU) + 31 * (kU16 * A + kEta16) + kU16 * am + kEta16;
  }
  if (d1 == 0) return std::fabs(w) + std::fabs(m1);
  const double lo = std::min(d1 * q_lo, d1 * q_hi) - m1, hi = std::max(d1 * q_lo, d1 * q_hi) - m1;
  const double outside = w < lo ? lo - w : w > hi ? w - hi : 0.0;
  return outside + std::fabs(d1) * (0.5 + gamma(2) * (qmax + 1));
}

}  // namespace

WeightBound::WeightBound(const float* w, const nm_tensor& stored)
    : w_(w), q_(WeightQuantizer::gguf_blocks), group_(32) {
  if (!is_block(stored)) throw std::invalid_argument("WeightBound: not a block-type tensor");
  const ref::Block b = block_of(stored);
  const int E = ref::block_elems(b), B = ref::block_bytes(b);
  const auto [q_lo, q_hi] = q_range(b);
  const long long n = (long long)stored.rows * stored.cols;
  element_.resize(size_t(n));
  for (long long k = 0; k < n / E; k++) {
    const ref::internal::DecodedBlock u = ref::internal::decode_block(b, stored.blocks + size_t(k) * size_t(B));
    for (int j = 0; j < E; j++) {
      const double m1 = u.min == ref::internal::MinTerm::minus ? double(u.dmin) * u.m[size_t(j)]
                        : u.min == ref::internal::MinTerm::plus ? -double(u.dmin)
                                                                : 0.0;
      element_[size_t(k * E + j)] = block_element_bound(b, w[k * E + j], u.d, u.sc[size_t(j)], m1, q_lo, q_hi);
    }
  }
}

WeightBound::WeightBound(const float* w, long long n, WeightQuantizer q, int group)
    : w_(w), q_(q), group_(q == WeightQuantizer::q8_runq ? group : 32) {
  if (group_ < 1 || n % group_ != 0) throw std::invalid_argument("WeightBound: length not a multiple of the group");
  param_.resize(size_t(n / group_));
  for (size_t g = 0; g < param_.size(); g++) {
    const float* wg = w + g * size_t(group_);
    float amax = 0.0f, m = 0.0f;
    for (int i = 0; i < group_; i++)
      if (std::fabs(wg[i]) > amax) {  // the first element of largest magnitude, as the quantizers pick it
        amax = std::fabs(wg[i]);
        m = wg[i];
      }
    switch (q_) {
      case WeightQuantizer::q8_runq: param_[g] = double(amax) / 127.0; break;     // exact scale
      case WeightQuantizer::q8_0_gguf: param_[g] = double(amax / 127.0f); break;  // the float d llama.cpp computes
      case WeightQuantizer::q4_0: param_[g] = double(m / -8.0f); break;           // signed d, exact unless subnormal
      case WeightQuantizer::gguf_blocks: throw std::invalid_argument("WeightBound: a block tensor needs its stored blocks");
    }
  }
}

double WeightBound::operator()(long long i) const {
  using namespace bounds;
  if (q_ == WeightQuantizer::gguf_blocks) return element_[size_t(i)];
  const double w = w_[i], aw = std::fabs(w), p = param_[size_t(i / group_)];
  switch (q_) {
    case WeightQuantizer::q8_runq:
      // the exporter: s = fl(max|w|/127), q = round(fl(w/s)): as the activation quantizer
      return kern::q8_element_bound(w, p);
    case WeightQuantizer::q8_0_gguf: {
      // q = roundf(fl(w * fl(1/d))), |q| <= 127, stored d16 = fp16(d):
      // |d q - w| <= d/2 + gamma(2)|w|, |q||d16 - d| <= 127 (u16 d + eta16)
      if (p < kMinNormal) return aw + 127 * (p * (1 + kU16) + kEta16);
      return p / 2 + gamma(2) * aw + 127 * (kU16 * p + kEta16);
    }
    case WeightQuantizer::q4_0: {
      // v = fl(fl(w * fl(1/d)) + 8.5), q = min(15, (int)v): with |w/d| <= 8,
      // |(q-8) - w/d| <= 1/2 + 8 gamma(2) + 17u, or <= 1 where the nibble
      // clamps (w/d >= 7.5 - that slack > 7); then |q-8| <= 8 times the
      // fp16 rounding of d.
      const double ad = std::fabs(p);
      if (ad < kMinNormal) return aw + 8 * (ad * (1 + kU16) + kEta16);
      const double r = w / p > 7 ? 1.0 : 0.5 + 8 * gamma(2) + 17 * kU;
      return ad * r + 8 * (kU16 * ad + kEta16);
    }
    case WeightQuantizer::gguf_blocks: break;
  }
  return INFINITY;
}

double activation_bound(double x, double exact_group_scale) { return kern::q8_element_bound(x, exact_group_scale); }

QuantStep quant_step(int pos, const std::vector<float>& W, const std::vector<float>& W_hat, int dim, int group,
                     const float* x_q, const float* x_f, const float* l_q, const float* l_f, int vocab,
                     const std::vector<double>* mag, int ops) {
  // h: the derived bound of each element's activation quantization error.
  std::vector<nm_i8> q(static_cast<size_t>(dim));
  std::vector<float> s(static_cast<size_t>(dim / group));
  nm_q8_quantize(q.data(), s.data(), x_q, dim, group, NM_ROUND_AWAY);
  std::vector<double> h(static_cast<size_t>(dim));
  for (int i = 0; i < dim; i++) h[size_t(i)] = kern::q8_element_bound(x_q[i], s[size_t(i / group)]);
  const double g_quant = bounds::gamma(dim / group + ops), g_f32 = bounds::gamma(dim);

  QuantStep st;
  st.pos = pos;
  st.top_f32 = static_cast<int>(std::max_element(l_f, l_f + vocab) - l_f);
  st.top_quant = static_cast<int>(std::max_element(l_q, l_q + vocab) - l_q);
  double second = -INFINITY;
  for (int j = 0; j < vocab; j++)
    if (j != st.top_f32) second = std::max(second, double(l_f[j]));
  st.margin_f32 = double(l_f[st.top_f32]) - second;
  st.gap = double(l_f[st.top_f32]) - double(l_f[st.top_quant]);
  for (int j = 0; j < vocab; j++) {
    const float* w = W.data() + size_t(j) * dim;
    const float* wh = W_hat.data() + size_t(j) * dim;
    double quant = 0, acc = 0, prop = 0, f32acc = 0;
    for (int i = 0; i < dim; i++) {
      const double ax = std::fabs(double(x_q[i])) + h[size_t(i)];
      quant += std::fabs(double(wh[i]) - double(w[i])) * ax + std::fabs(double(w[i])) * h[size_t(i)];
      // with mag: W_hat holds the block's exact values rounded to float, so
      // their rounding (u |w^|) joins the weight error
      const double mg = mag ? (*mag)[size_t(j) * size_t(dim) + size_t(i)] : std::fabs(double(wh[i]));
      if (mag) quant += bounds::kU * std::fabs(double(wh[i])) * ax;
      acc += mg * ax;
      prop += std::fabs(double(w[i])) * std::fabs(double(x_q[i]) - double(x_f[i]));
      f32acc += std::fabs(double(w[i]) * double(x_f[i]));
    }
    const double Q = quant + g_quant * acc, A = g_f32 * f32acc;
    const double bound = Q + prop + A;
    const double err = std::fabs(double(l_q[j]) - double(l_f[j]));
    const double ratio = error_over_bound(err, bound);
    if (err > st.max_error || std::isnan(err)) {
      st.max_error = err;
      st.bound_at_max_error = bound;
    }
    if (ratio > st.worst_ratio) {
      st.worst_ratio = ratio;
      st.classifier_share = bound > 0 ? Q / bound : 0;
    }
  }
  return st;
}

namespace {

std::vector<float> dequantized(const nm_tensor& t) {
  std::vector<float> out(size_t(t.rows) * size_t(t.cols));
  switch (t.type) {
    case NM_T_Q8:
      nm_q8_dequantize(out.data(), t.q, t.s, t.rows * t.cols, t.group_size);
      break;
    case NM_T_Q4_0:
      nm_dequant_q4_0(out.data(), t.blocks, t.rows * t.cols);
      break;
    case NM_T_F16:
      nm_f16_to_f32(out.data(), t.h, t.rows * t.cols);
      break;
    case NM_T_BF16:
      nm_bf16_to_f32(out.data(), t.h, t.rows * t.cols);
      break;
    default:
      if (is_block(t)) {  // the exact stored values, rounded to float
        const std::vector<double> v = ref::exact::dequant(block_of(t), block_span(t), t.rows * t.cols);
        std::transform(v.begin(), v.end(), out.begin(), [](double x) { return float(x); });
        break;
      }
      std::copy(t.f, t.f + out.size(), out.begin());
  }
  return out;
}

struct Run {
  nm_state* s;
  explicit Run(const nm_model* m) {
    const char* why = nullptr;
    s = nm_state_new(m, &why);
    if (!s) throw std::runtime_error(std::string("quant_accuracy: ") + (why ? why : "state"));
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run() { nm_state_free(s); }
};

// One tensor of the network in both models, with its weights' bound.
struct Pair {
  std::string name;
  const nm_tensor* f32;
  const nm_tensor* quant;
  WeightBound bound;
  std::vector<double> mag;  // block types: |d sc q| + |dmin m| per element (the float terms' sizes)
};

std::vector<double> block_magnitudes(const nm_tensor& t) {
  const ref::exact::BlockTerms bt = ref::exact::dequant_terms(block_of(t), block_span(t), t.rows * t.cols);
  std::vector<double> m(bt.scaled.size());
  for (size_t i = 0; i < m.size(); i++) m[i] = std::fabs(bt.scaled[i]) + std::fabs(bt.offset[i]);
  return m;
}

// The f32 run's products in call order: weights, input and shape.
struct Call {
  const float* w;
  int n;
  std::vector<float> x;
};
struct Recorder {
  const nm_kernel_table* base;
  std::vector<Call> calls;
  bool split = false;  // a call covered only some rows (no exceptions through the C engine)
};
thread_local Recorder* t_recorder = nullptr;

void record(const float* x, const float* w, int n, int T) {
  for (int t = 0; t < T; t++)
    t_recorder->calls.push_back(Call{w, n, std::vector<float>(x + size_t(t) * size_t(n), x + size_t(t + 1) * size_t(n))});
}
void recording_rows(float* out, const float* x, const float* w, int n, int r0, int r1) {
  t_recorder->base->matmul_f32_rows(out, x, w, n, r0, r1);
  t_recorder->split |= r0 != 0;
  record(x, w, n, 1);
}
void recording_batch(float* out, const float* x, const float* w, int n, int d, int T, int r0, int r1) {
  t_recorder->base->matmul_f32_batch(out, x, w, n, d, T, r0, r1);
  t_recorder->split |= r0 != 0 || r1 != d;
  record(x, w, n, T);
}

// Gate 2 for one product: the engine's quantized W^ x against the exact
// W x; returns max |got - exact| / B_i and, for the classifier, C_i.
double check_product(const Pair& p, const float* x, const nm_exec& e, nm_state* scratch, std::vector<double>* C) {
  const nm_tensor& wf = *p.f32;
  const nm_tensor& wq = *p.quant;
  const int n = wf.cols, d = wf.rows;
  std::vector<float> out(static_cast<size_t>(d));
  float* outs[1] = {out.data()};
  const nm_tensor* ws[1] = {&wq};
  nm_linear_batch(scratch, &e, x, 1, 1, outs, ws);
  const bool blk = is_block(wq);
  fault::apply(blk ? "matmul_" + std::string(ref::block_name(block_of(wq)))
                   : wq.type == NM_T_Q4_0 ? "matmul_q4_0" : "matmul_q8_0",
               out);

  const int ag = wq.type == NM_T_Q4_0 || blk ? 32 : wq.group_size, G = n / ag;
  std::vector<double> ex(static_cast<size_t>(n));
  for (int g = 0; g < G; g++) {
    double amax = 0;
    for (int j = g * ag; j < (g + 1) * ag; j++) amax = std::max(amax, std::fabs(double(x[j])));
    for (int j = g * ag; j < (g + 1) * ag; j++) ex[size_t(j)] = activation_bound(x[j], amax / 127.0);
  }
  // A block type's group: fl(S d), fl(M dmin), their difference, * xs, +=:
  // two more operations than Q4_0's, on the two terms' magnitudes.
  const double g_acc = bounds::gamma(G + (blk ? 4 : 2)), g_exact = gamma64(n), g_f32 = bounds::gamma(n);
  const int ops = blk ? 5 : 3;
  if (C) C->assign(size_t(d), 0.0);
  double worst = 0;
  for (int i = 0; i < d; i++) {
    const float* w = wf.f + size_t(i) * size_t(n);
    const long long base = (long long)i * n;
    double exact = 0, abs_wx = 0, lin = 0, mag = 0;
    for (int j = 0; j < n; j++) {
      const double aw = std::fabs(double(w[j])), ax = std::fabs(double(x[j])), ew = p.bound(base + j);
      const double e_x = ex[size_t(j)];
      exact += double(w[j]) * double(x[j]);  // the product of two floats is exact in double
      abs_wx += aw * ax;
      lin += aw * e_x + ax * ew + ew * e_x;
      mag += (blk ? p.mag[size_t(base + j)] : aw + ew) * (ax + e_x);
    }
    const double B = lin + g_acc * mag + double(ops) * G * bounds::kEta + g_exact * abs_wx;
    const double err = std::fabs(double(out[size_t(i)]) - exact);
    const double ratio = error_over_bound(err, B);
    worst = std::max(worst, ratio);
    if (C) (*C)[size_t(i)] = B + g_f32 * abs_wx + 2.0 * n * bounds::kEta;
  }
  return worst;
}

// Gate 1 for one tensor: every stored element against its derived bound.
WeightCheck check_weights(const Pair& p) {
  const nm_tensor& wf = *p.f32;
  const nm_tensor& wq = *p.quant;
  const long long n = (long long)wf.rows * wf.cols;
  WeightCheck c{p.name, n, 0};
  std::vector<float> q4;
  std::vector<double> blocks;
  if (wq.type == NM_T_Q4_0) q4 = dequantized(wq);  // d16 (q-8) is exact in float
  if (is_block(wq)) blocks = ref::exact::dequant(block_of(wq), block_span(wq), int(n));  // exact stored values
  for (long long i = 0; i < n; i++) {
    const double stored = is_block(wq)            ? blocks[size_t(i)]
                          : wq.type == NM_T_Q4_0 ? double(q4[size_t(i)])
                                                 : double(wq.q[i]) * double(wq.s[i / wq.group_size]);  // exact in double
    const double err = std::fabs(stored - double(wf.f[i])), b = p.bound(i);
    c.worst_ratio = std::max(c.worst_ratio, error_over_bound(err, b));
  }
  return c;
}

bool same_shape(const nm_tensor& a, const nm_tensor& b) { return a.rows == b.rows && a.cols == b.cols; }

}  // namespace

QuantReport quant_accuracy(const nm_model* mf, const nm_model* mq, WeightQuantizer quantizer, const nm_kernel_table* k,
                           int steps, const std::vector<int>& prompt, const std::string& arch,
                           const std::string& storage) {
  if (prompt.empty()) throw std::invalid_argument("quant_accuracy: empty prompt");
  const nm_config &cf = mf->cfg, &cq = mq->cfg;
  if (cf.dim != cq.dim || cf.hidden_dim != cq.hidden_dim || cf.n_layers != cq.n_layers ||
      cf.vocab_size != cq.vocab_size || cf.shared_classifier != cq.shared_classifier || cf.n_layers < 1)
    throw std::invalid_argument("quant_accuracy: the two models differ in shape");
  const int dim = cf.dim, vocab = cf.vocab_size;

  // Both models' tensors side by side, each with its weights' bound.
  std::vector<Pair> pairs;
  auto add = [&](const std::string& name, const nm_tensor& f, const nm_tensor& q) {
    if (f.type != NM_T_F32 || (q.type != NM_T_Q8 && q.type != NM_T_Q4_0 && !is_block(q)) || !same_shape(f, q))
      throw std::invalid_argument("quant_accuracy: " + name + ": need an f32 tensor and a quantized one of its shape");
    // A block storage's tensors are each of their own type (the mix, the
    // fallbacks); the others are all of the quantizer's.
    WeightQuantizer wqz = quantizer;
    if (quantizer == WeightQuantizer::gguf_blocks && !is_block(q))
      wqz = q.type == NM_T_Q4_0 ? WeightQuantizer::q4_0 : WeightQuantizer::q8_0_gguf;
    if (is_block(q) != (wqz == WeightQuantizer::gguf_blocks) || (q.type == NM_T_Q4_0) != (wqz == WeightQuantizer::q4_0) ||
        (q.type == NM_T_Q8 && quantizer == WeightQuantizer::gguf_blocks && q.group_size != 32))
      throw std::invalid_argument("quant_accuracy: " + name + ": stored type does not match the quantizer");
    if (is_block(q))
      pairs.push_back(Pair{name, &f, &q, WeightBound(f.f, q), block_magnitudes(q)});
    else
      pairs.push_back(Pair{name, &f, &q, WeightBound(f.f, (long long)f.rows * f.cols, wqz, q.group_size), {}});
  };
  add("token_embedding", mf->token_embedding, mq->token_embedding);
  for (int l = 0; l < mf->cfg.n_layers; l++) {
    const std::string L = "layers." + std::to_string(l) + ".";
    add(L + "wq", mf->wq[l], mq->wq[l]);
    add(L + "wk", mf->wk[l], mq->wk[l]);
    add(L + "wv", mf->wv[l], mq->wv[l]);
    add(L + "wo", mf->wo[l], mq->wo[l]);
    add(L + "w1", mf->w1[l], mq->w1[l]);
    add(L + "w3", mf->w3[l], mq->w3[l]);
    add(L + "w2", mf->w2[l], mq->w2[l]);
  }
  if (!mf->cfg.shared_classifier) add("wcls", mf->wcls, mq->wcls);
  std::unordered_map<const float*, size_t> by_weights;
  for (size_t i = 0; i < pairs.size(); i++) by_weights.emplace(pairs[i].f32->f, i);
  const size_t cls = by_weights.at(mf->wcls.f);  // the classifier (the embedding when shared)

  QuantReport rep;
  rep.arch = arch;
  rep.storage = storage;
  for (const Pair& p : pairs) {
    rep.weights.push_back(check_weights(p));
    rep.weight_worst_ratio = std::max(rep.weight_worst_ratio, rep.weights.back().worst_ratio);
  }

  // The f32 model's greedy tokens (the sequence both models are fed).
  const nm_exec e{k, nullptr};
  std::vector<int> tokens(prompt.begin(), prompt.begin() + 1);
  {
    Run r(mf);
    nm_sampler sp;
    if (nm_sampler_init(&sp, vocab, 0.0f, 0.0f, 1) != 0) throw std::runtime_error("quant_accuracy: sampler");
    nm_gen_callbacks cb{nullptr, nullptr, nullptr, nullptr};
    std::vector<int> gen;
    auto on_token = [](void* arg, int, int token) { static_cast<std::vector<int>*>(arg)->push_back(token); };
    cb.on_token = on_token;
    cb.arg = &gen;
    nm_generate(r.s, mf, &e, &sp, prompt.data(), static_cast<int>(prompt.size()), steps, &cb);
    nm_sampler_free(&sp);
    tokens.insert(tokens.end(), gen.begin(), gen.end());
  }

  std::vector<float> W(mf->wcls.f, mf->wcls.f + size_t(vocab) * size_t(dim));
  const std::vector<float> W_hat = dequantized(mq->wcls);
  const bool cls_block = is_block(mq->wcls);
  const int act_group = mq->wcls.type == NM_T_Q4_0 || cls_block ? 32 : mq->wcls.group_size;
  nm_kernel_table recording = *k;
  recording.matmul_f32_rows = recording_rows;
  recording.matmul_f32_batch = recording_batch;
  Recorder rec{k, {}};
  const nm_exec e_rec{&recording, nullptr};
  Run rf(mf), rq(mq), scratch(mq);
  const int n = std::min<int>(steps, static_cast<int>(tokens.size()));
  for (int pos = 0; pos < n; pos++) {
    const int token = tokens[size_t(pos)];
    rec.calls.clear();
    t_recorder = &rec;
    const float* lf = nm_forward(rf.s, mf, &e_rec, token, pos);
    t_recorder = nullptr;
    const float* lq = nm_forward(rq.s, mq, &e, token, pos);
    if (!lf || !lq) throw std::runtime_error("quant_accuracy: forward failed at " + std::to_string(pos));
    if (rec.split) throw std::logic_error("quant_accuracy: a product split over rows (the recording table needs no pool)");
    QuantStep st = quant_step(pos, W, W_hat, dim, act_group, rq.s->x, rf.s->x, lq, lf, vocab,
                              cls_block ? &pairs[cls].mag : nullptr, cls_block ? 4 : 2);
    st.token = token;

    // Gate 2: every product of this step, teacher-forced on the f32 input.
    std::vector<double> C;
    bool saw_classifier = false;
    for (const Call& c : rec.calls) {
      auto it = by_weights.find(c.w);
      if (it == by_weights.end()) throw std::logic_error("quant_accuracy: a product on unknown weights");
      const Pair& p = pairs[it->second];
      const bool is_cls = it->second == cls && c.n == dim && &c == &rec.calls.back();
      const double r = check_product(p, c.x.data(), e, scratch.s, is_cls ? &C : nullptr);
      saw_classifier |= is_cls;
      st.products++;
      if (st.product_worst.empty() || r > st.product_worst_ratio) {
        st.product_worst_ratio = r;
        st.product_worst = is_cls ? "classifier" : p.name;
      }
    }
    if (!saw_classifier) throw std::logic_error("quant_accuracy: the classifier's product was not recorded");
    st.cls_bound_max = *std::max_element(C.begin(), C.end());
    st.cls_bound_pair = C[size_t(st.top_f32)] + C[size_t(st.top_quant)];
    if (st.top_f32 != st.top_quant) st.cause = st.gap <= st.cls_bound_pair ? "explained" : "carried";

    rep.agree += st.top_f32 == st.top_quant;
    rep.explained += st.cause == "explained";
    rep.carried += st.cause == "carried";
    rep.worst_ratio = std::max(rep.worst_ratio, st.worst_ratio);
    rep.product_worst_ratio = std::max(rep.product_worst_ratio, st.product_worst_ratio);
    rep.steps.push_back(st);
  }
  return rep;
}

QuantReport quant_accuracy(const ref::Checkpoint& ck, const std::string& arch, ref::Storage storage, int steps,
                           const std::vector<int>& prompt, int group) {
  const WeightQuantizer quantizer = quantizer_for(storage);
  EngineModel f32(ck, ref::Quant{ref::Storage::f32, 32}, arch);
  EngineModel qm(ck, ref::Quant{storage, storage == ref::Storage::q8 ? group : 32}, arch);
  return quant_accuracy(f32.get(), qm.get(), quantizer, nm_kernels_scalar(), steps, prompt, arch,
                        ref::storage_name(storage));
}

double top1_floor(ref::Storage s) {
  switch (s) {
    case ref::Storage::q8:
    case ref::Storage::q8_0: return 0.90;
    case ref::Storage::q4_0: return 0.60;
    case ref::Storage::q5_0:
    case ref::Storage::q5_1:
    case ref::Storage::q2_k:
    case ref::Storage::q3_k:
    case ref::Storage::q4_k:
    case ref::Storage::q5_k:
    case ref::Storage::q6_k:
    case ref::Storage::q4_k_m:
    case ref::Storage::q5_k_m: return -1;  // not measured on a trained model yet: reported, not gated
    case ref::Storage::f32:
    case ref::Storage::f16:
    case ref::Storage::bf16: break;
  }
  return 1.0;
}

nlohmann::ordered_json to_json(const QuantReport& r) {
  nlohmann::ordered_json j;
  j["schema"] = "9ml-quant-accuracy/1";
  j["arch"] = r.arch;
  j["storage"] = r.storage;
  j["steps"] = r.steps.size();
  j["top1_agreement"] = r.top1_agreement();
  j["top1_threshold"] = r.top1_threshold < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.top1_threshold);
  j["top1_holds"] = r.top1_holds();
  j["disagreements_explained"] = r.explained;
  j["disagreements_carried"] = r.carried;
  j["weights_worst_error_over_bound"] = report::json_real(r.weight_worst_ratio);
  j["products_worst_error_over_bound"] = report::json_real(r.product_worst_ratio);
  j["worst_error_over_bound"] = report::json_real(r.worst_ratio);
  j["bound_holds"] = r.bound_holds();
  j["weights"] = nlohmann::ordered_json::array();
  for (const WeightCheck& w : r.weights)
    j["weights"].push_back(
        {{"tensor", w.tensor}, {"elements", w.elements}, {"worst_error_over_bound", report::json_real(w.worst_ratio)}});
  j["rows"] = nlohmann::ordered_json::array();
  for (const QuantStep& s : r.steps)
    j["rows"].push_back({{"pos", s.pos},
                         {"token", s.token},
                         {"top1_f32", s.top_f32},
                         {"top1_quant", s.top_quant},
                         {"agree", s.top_f32 == s.top_quant},
                         {"margin_f32", report::json_real(s.margin_f32)},
                         {"gap_f32", report::json_real(s.gap)},
                         {"max_logit_error", report::json_real(s.max_error)},
                         {"bound_at_max_error", report::json_real(s.bound_at_max_error)},
                         {"worst_error_over_bound", report::json_real(s.worst_ratio)},
                         {"classifier_share_of_bound", report::json_real(s.classifier_share)},
                         {"classifier_bound_max", report::json_real(s.cls_bound_max)},
                         {"classifier_bound_pair", report::json_real(s.cls_bound_pair)},
                         {"disagreement", s.cause.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.cause)},
                         {"products_checked", s.products},
                         {"products_worst_error_over_bound", report::json_real(s.product_worst_ratio)},
                         {"products_worst_tensor", s.product_worst}});
  return j;
}

std::string to_table(const QuantReport& r) {
  const double pct = 100.0 * r.top1_agreement();
  std::string out = fmt::format(
      "{} {} vs f32, {} steps: top-1 agreement {}/{} ({:.1f}%{}), worst error/bound {:.5f} ({})\n", r.arch, r.storage,
      r.steps.size(), r.agree, r.steps.size(), pct,
      r.top1_threshold < 0 ? std::string()
                           : fmt::format("; floor {:g}%{}", 100 * r.top1_threshold, r.top1_holds() ? "" : " NOT MET"),
      std::max({r.worst_ratio, r.product_worst_ratio, r.weight_worst_ratio}),
      r.bound_holds() ? "bound holds" : "BOUND VIOLATED");
  out += fmt::format(
      "  weights: {} tensors, worst error/bound {:.5f}; products (teacher-forced): worst {:.5f}; logits (end to end): "
      "worst {:.5f}; disagreements: {} explained by the classifier, {} carried in\n",
      r.weights.size(), r.weight_worst_ratio, r.product_worst_ratio, r.worst_ratio, r.explained, r.carried);
  out += fmt::format("{:>5} {:>6} {:>6} {:>5} {:>10} {:>10} {:>10} {:>8} {:>10} {:>8} {}\n", "pos", "f32", "quant",
                     "agree", "margin", "gap", "max |dl|", "err/bnd", "cls bound", "prod/bnd", "cause");
  for (const QuantStep& s : r.steps)
    out += fmt::format("{:>5} {:>6} {:>6} {:>5} {:>10.4g} {:>10.4g} {:>10.4g} {:>8.3f} {:>10.4g} {:>8.3f} {}\n", s.pos,
                       s.top_f32, s.top_quant, s.top_f32 == s.top_quant ? "yes" : "NO", s.margin_f32, s.gap,
                       s.max_error, s.worst_ratio, s.cls_bound_max, s.product_worst_ratio,
                       s.cause.empty() ? "-" : s.cause);
  return out;
}

}  // namespace nineml::conformance
