// Quantized models against f32, step by step (quant_accuracy.hpp).
#include "quant_accuracy.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "bounds.hpp"
#include "engine_model.hpp"
#include "kernels.h"
#include "kernels/q8_common.hpp"
#include "model/forward.h"
#include "model/generate.h"

namespace nineml::conformance {

QuantStep quant_step(int pos, const std::vector<float>& W, const std::vector<float>& W_hat, int dim, int group,
                     const float* x_q, const float* x_f, const float* l_q, const float* l_f, int vocab) {
  // h: the derived bound of each element's activation quantization error.
  std::vector<nm_i8> q(static_cast<size_t>(dim));
  std::vector<float> s(static_cast<size_t>(dim / group));
  nm_q8_quantize(q.data(), s.data(), x_q, dim, group, NM_ROUND_AWAY);
  std::vector<double> h(static_cast<size_t>(dim));
  for (int i = 0; i < dim; i++) h[size_t(i)] = kern::q8_element_bound(x_q[i], s[size_t(i / group)]);
  const double g_quant = bounds::gamma(dim / group + 2), g_f32 = bounds::gamma(dim);

  QuantStep st;
  st.pos = pos;
  st.top_f32 = static_cast<int>(std::max_element(l_f, l_f + vocab) - l_f);
  st.top_quant = static_cast<int>(std::max_element(l_q, l_q + vocab) - l_q);
  double second = -INFINITY;
  for (int j = 0; j < vocab; j++)
    if (j != st.top_f32) second = std::max(second, double(l_f[j]));
  st.margin_f32 = double(l_f[st.top_f32]) - second;
  for (int j = 0; j < vocab; j++) {
    const float* w = W.data() + size_t(j) * dim;
    const float* wh = W_hat.data() + size_t(j) * dim;
    double quant = 0, acc = 0, prop = 0, f32acc = 0;
    for (int i = 0; i < dim; i++) {
      const double ax = std::fabs(double(x_q[i])) + h[size_t(i)];
      quant += std::fabs(double(wh[i]) - double(w[i])) * ax + std::fabs(double(w[i])) * h[size_t(i)];
      acc += std::fabs(double(wh[i])) * ax;
      prop += std::fabs(double(w[i])) * std::fabs(double(x_q[i]) - double(x_f[i]));
      f32acc += std::fabs(double(w[i]) * double(x_f[i]));
    }
    const double Q = quant + g_quant * acc, A = g_f32 * f32acc;
    const double bound = Q + prop + A;
    const double err = std::fabs(double(l_q[j]) - double(l_f[j]));
    const double ratio = bound > 0 ? err / bound : (err > 0 ? INFINITY : 0);
    if (err > st.max_error) {
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
    default:
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
  ~Run() { nm_state_free(s); }
};

}  // namespace

QuantReport quant_accuracy(const ref::Checkpoint& ck, const std::string& arch, ref::Storage storage, int steps,
                           const std::vector<int>& prompt, int group) {
  if (storage == ref::Storage::f32) throw std::invalid_argument("quant_accuracy: pick a quantized storage");
  EngineModel f32(ck, ref::Quant{ref::Storage::f32, 32}, arch);
  EngineModel qm(ck, ref::Quant{storage, storage == ref::Storage::q8 ? group : 32}, arch);
  const nm_model* mf = f32.get();
  const nm_model* mq = qm.get();
  const int dim = mf->cfg.dim, vocab = mf->cfg.vocab_size;
  nm_exec e{nm_kernels_scalar(), nullptr};

  // The f32 model's greedy tokens (the sequence both models are fed).
  std::vector<int> tokens(prompt.begin(), prompt.begin() + 1);
  {
    Run r(mf);
    nm_sampler sp;
    if (nm_sampler_init(&sp, vocab, 0.0f, 0.0f, 1) != 0) throw std::runtime_error("quant_accuracy: sampler");
    nm_gen_callbacks cb{nullptr, nullptr, nullptr};
    std::vector<int> gen;
    auto on_token = [](void* arg, int, int token) { static_cast<std::vector<int>*>(arg)->push_back(token); };
    cb.on_token = on_token;
    cb.arg = &gen;
    nm_generate(r.s, mf, &e, &sp, prompt.data(), static_cast<int>(prompt.size()), steps, &cb);
    nm_sampler_free(&sp);
    tokens.insert(tokens.end(), gen.begin(), gen.end());
  }

  const std::vector<float>& W = ck.classifier();
  const std::vector<float> W_hat = dequantized(mq->wcls);
  const int act_group = mq->wcls.type == NM_T_Q4_0 ? 32 : mq->wcls.group_size;
  QuantReport rep;
  rep.arch = arch;
  rep.storage = ref::storage_name(storage);
  Run rf(mf), rq(mq);
  const int n = std::min<int>(steps, static_cast<int>(tokens.size()));
  for (int pos = 0; pos < n; pos++) {
    const float* lf = nm_forward(rf.s, mf, &e, tokens[size_t(pos)], pos);
    const float* lq = nm_forward(rq.s, mq, &e, tokens[size_t(pos)], pos);
    if (!lf || !lq) throw std::runtime_error("quant_accuracy: forward failed at " + std::to_string(pos));
    QuantStep st = quant_step(pos, W, W_hat, dim, act_group, rq.s->x, rf.s->x, lq, lf, vocab);
    rep.agree += st.top_f32 == st.top_quant;
    rep.worst_ratio = std::max(rep.worst_ratio, st.worst_ratio);
    rep.steps.push_back(st);
  }
  return rep;
}

nlohmann::ordered_json to_json(const QuantReport& r) {
  nlohmann::ordered_json j;
  j["arch"] = r.arch;
  j["storage"] = r.storage;
  j["steps"] = r.steps.size();
  j["top1_agreement"] = r.steps.empty() ? 0.0 : double(r.agree) / double(r.steps.size());
  j["worst_error_over_bound"] = r.worst_ratio;
  j["bound_holds"] = r.bound_holds();
  j["rows"] = nlohmann::ordered_json::array();
  for (const QuantStep& s : r.steps)
    j["rows"].push_back({{"pos", s.pos},
                         {"top1_f32", s.top_f32},
                         {"top1_quant", s.top_quant},
                         {"agree", s.top_f32 == s.top_quant},
                         {"margin_f32", s.margin_f32},
                         {"max_logit_error", s.max_error},
                         {"bound_at_max_error", s.bound_at_max_error},
                         {"worst_error_over_bound", s.worst_ratio},
                         {"classifier_share_of_bound", s.classifier_share}});
  return j;
}

std::string to_table(const QuantReport& r) {
  std::string out = fmt::format("{} {} vs f32, {} steps: top-1 agreement {}/{} ({:.1f}%), worst error/bound {:.3f} ({})\n",
                                r.arch, r.storage, r.steps.size(), r.agree, r.steps.size(),
                                r.steps.empty() ? 0.0 : 100.0 * r.agree / double(r.steps.size()), r.worst_ratio,
                                r.bound_holds() ? "bound holds" : "BOUND VIOLATED");
  out += fmt::format("{:>5} {:>6} {:>6} {:>5} {:>10} {:>12} {:>12} {:>9} {:>10}\n", "pos", "f32", "quant", "agree",
                     "margin", "max |dl|", "its bound", "err/bnd", "clf share");
  for (const QuantStep& s : r.steps)
    out += fmt::format("{:>5} {:>6} {:>6} {:>5} {:>10.4g} {:>12.4g} {:>12.4g} {:>9.3f} {:>10.2f}\n", s.pos, s.top_f32,
                       s.top_quant, s.top_f32 == s.top_quant ? "yes" : "NO", s.margin_f32, s.max_error,
                       s.bound_at_max_error, s.worst_ratio, s.classifier_share);
  return out;
}

}  // namespace nineml::conformance
