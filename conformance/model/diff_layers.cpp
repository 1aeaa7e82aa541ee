// The step-by-step comparison of `9ml diff-layers` (diff_layers.hpp).
#include "diff_layers.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "model/forward.h"
#include "bounds.hpp"
#include "kernel.hpp"

namespace nineml::conformance {

const std::vector<std::string>& layer_steps(int layer) {
  static const std::vector<std::string> rest = {"attn_norm", "q",        "k",  "v",  "q_rope", "k_rope",
                                                "attn_out",  "wo",       "x_attn", "ffn_norm", "w1", "w3",
                                                "swiglu",    "w2",       "x_ffn"};
  static const std::vector<std::string> first = [] {
    std::vector<std::string> s = {"embedding"};
    s.insert(s.end(), rest.begin(), rest.end());
    return s;
  }();
  return layer == 0 ? first : rest;
}

const std::vector<std::string>& final_steps() {
  static const std::vector<std::string> s = {"final_norm", "logits"};
  return s;
}

void Trace::put(int pos, int layer, const std::string& step, std::span<const float> v) {
  steps_[{pos, layer, step}] = std::vector<double>(v.begin(), v.end());
}

void Trace::put(int pos, int layer, const std::string& step, std::span<const double> v) {
  steps_[{pos, layer, step}] = std::vector<double>(v.begin(), v.end());
}

const std::vector<double>* Trace::find(int pos, int layer, const std::string& step) const {
  const auto it = steps_.find({pos, layer, step});
  return it == steps_.end() ? nullptr : &it->second;
}

namespace {

// Bit for bit: the same value, the same sign of zero; any NaN equals any NaN.
bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

double difference(double a, double b) {
  if (same_bits(a, b)) return 0;
  if (std::isnan(a) || std::isnan(b)) return INFINITY;
  return a == b ? 0 : std::fabs(a - b);  // inf - inf of equal sign is caught by a == b
}

}  // namespace

LayerDiff diff_layers(const TracedRun& engine, const TracedRun& reference, const StepBound& bound,
                      const std::vector<int>& tokens, int n_layers) {
  Trace et, rt;
  engine(tokens, nullptr, et);
  reference(tokens, &et, rt);
  LayerDiff d;
  d.n_layers = n_layers;
  d.n_positions = int(tokens.size());
  d.bounded = bool(bound);
  for (int l = 0; l < n_layers; l++) d.stats.emplace_back(layer_steps(l).size());
  d.stats.emplace_back(final_steps().size());
  for (int pos = 0; pos < d.n_positions; pos++)
    for (int row = 0; row <= n_layers; row++) {
      const int layer = row < n_layers ? row : -1;
      const std::vector<std::string>& steps = layer >= 0 ? layer_steps(layer) : final_steps();
      for (std::size_t si = 0; si < steps.size(); si++) {
        const std::string& step = steps[si];
        const std::vector<double>* a = et.find(pos, layer, step);
        const std::vector<double>* b = rt.find(pos, layer, step);
        if (a == nullptr || b == nullptr || a->size() != b->size()) {
          if (!d.first)
            d.first = Divergence{pos, layer, step, 0, 0, 0, 0, 0,
                                 a == nullptr   ? "the engine does not report it"
                                 : b == nullptr ? "the reference does not report it"
                                                : fmt::format("the engine has {} values, the reference {}",
                                                              a->size(), b->size())};
          continue;
        }
        const std::vector<double> lim = bound ? bound(pos, layer, step, et) : std::vector<double>();
        StepStat& st = d.stats[std::size_t(row)][si];
        Divergence div{pos, layer, step, 0, 0, 0, 0, 0, ""};
        for (std::size_t i = 0; i < a->size(); i++) {
          const double err = difference((*a)[i], (*b)[i]);
          double ratio;
          if (bound) ratio = err == 0 ? 0 : lim[i] > 0 ? err / lim[i] : INFINITY;
          else ratio = same_bits((*a)[i], (*b)[i]) ? 0 : INFINITY;
          st.max_error = std::max(st.max_error, err);
          st.max_ratio = std::max(st.max_ratio, ratio);
          if (ratio > 1) {
            if (div.beyond++ == 0) {
              div.index = i;
              div.engine = (*a)[i];
              div.reference = (*b)[i];
              div.bound = bound ? lim[i] : 0;
            }
          }
        }
        if (div.beyond > 0 && !d.first) d.first = div;
      }
    }
  return d;
}

std::string divergence_line(const LayerDiff& d) {
  const std::string where = d.first ? fmt::format("position {}, layer {}, step {}", d.first->pos,
                                                  d.first->layer < 0 ? std::string("final")
                                                                     : std::to_string(d.first->layer),
                                                  d.first->step)
                                    : "";
  if (d.first && !d.first->missing.empty()) return fmt::format("first divergence: {}: {}", where, d.first->missing);
  if (d.first) {
    const Divergence& v = *d.first;
    return fmt::format("first divergence: {}: element {} engine {:.9g} reference {:.17g} (|diff| {:.3g}, {}); "
                       "{} element(s) of the step beyond",
                       where, v.index, v.engine, v.reference, difference(v.engine, v.reference),
                       d.bounded ? fmt::format("bound {:.3g}", v.bound) : std::string("bit for bit"), v.beyond);
  }
  double worst = 0;
  for (const auto& row : d.stats)
    for (const StepStat& s : row) worst = std::max(worst, d.bounded ? s.max_ratio : s.max_error);
  return d.bounded ? fmt::format("no divergence: {} position(s), {} layer(s), every step within its bound "
                                 "(worst error/bound {:.3g})",
                                 d.n_positions, d.n_layers, worst)
                   : fmt::format("no divergence: {} position(s), {} layer(s), every step bit for bit",
                                 d.n_positions, d.n_layers);
}

std::string layer_table(const LayerDiff& d) {
  // Columns: every step name once, in forward order.
  std::vector<std::string> cols = layer_steps(0);
  cols.insert(cols.end(), final_steps().begin(), final_steps().end());
  std::string out = fmt::format("{} per layer and step (max over positions and elements; - : no such step)\n",
                                d.bounded ? "error/bound" : "max |engine - reference|");
  out += fmt::format("{:>6}", "layer");
  for (const std::string& c : cols) out += fmt::format(" {:>10}", c);
  out += "\n";
  for (std::size_t row = 0; row < d.stats.size(); row++) {
    const bool fin = int(row) == d.n_layers;
    const std::vector<std::string>& steps = fin ? final_steps() : layer_steps(int(row));
    out += fmt::format("{:>6}", fin ? std::string("final") : std::to_string(row));
    for (const std::string& c : cols) {
      const auto it = std::find(steps.begin(), steps.end(), c);
      if (it == steps.end()) {
        out += fmt::format(" {:>10}", "-");
        continue;
      }
      const StepStat& s = d.stats[row][std::size_t(it - steps.begin())];
      out += fmt::format(" {:>10.3g}", d.bounded ? s.max_ratio : s.max_error);
    }
    out += "\n";
  }
  return out;
}

namespace {

void on_engine_step(void* arg, int pos, int layer, const char* step, const float* v, int n) {
  static_cast<Trace*>(arg)->put(pos, layer, step, std::span<const float>(v, std::size_t(n)));
}

}  // namespace

TracedRun engine_run(const nm_model* m, const nm_kernel_table* k) {
  return [m, k](const std::vector<int>& tokens, const Trace*, Trace& out) {
    const char* err = "";
    std::unique_ptr<nm_state, void (*)(nm_state*)> s(nm_state_new_ctx(m, int(tokens.size()), &err), nm_state_free);
    if (!s) throw std::runtime_error(std::string("engine: ") + err);
    s->trace = on_engine_step;
    s->trace_arg = &out;
    const nm_exec e{k, nullptr};
    const int n = int(tokens.size());
    for (int done = 0; done < n;) {
      const int T = std::min(n - done, int(NM_BATCH));
      if (nm_forward_batch(s.get(), m, &e, tokens.data() + done, T, done) != 0)
        throw std::runtime_error("engine: a token or position is out of range");
      for (int t = 0; t < T; t++)
        out.put(done + t, -1, "logits",
                std::span<const float>(nm_logits(s.get(), m, &e, t), std::size_t(m->cfg.vocab_size)));
      done += T;
    }
  };
}

TracedRun reference_run(const ref::Checkpoint& ck, ref::Mode mode, const ref::Transformer::Observer& variant) {
  return [ck, mode, variant](const std::vector<int>& tokens, const Trace* engine, Trace& out) {
    ref::Transformer tr(ck, mode);
    for (int pos = 0; pos < int(tokens.size()); pos++) {
      ref::Transformer::Observer o;
      o.on_float = [&](int l, const char* step, std::span<float> v) {
        if (variant.on_float) variant.on_float(l, step, v);
        out.put(pos, l, step, std::span<const float>(v));
      };
      o.on_double = [&](int l, const char* step, std::span<double> v) {
        if (variant.on_double) variant.on_double(l, step, v);
        out.put(pos, l, step, std::span<const double>(v));
        // Per-step teacher forcing: the next steps start from the engine's
        // value, so each step's error is its own, not the sum of earlier ones.
        const std::vector<double>* e = engine ? engine->find(pos, l, step) : nullptr;
        if (e != nullptr && e->size() == v.size()) std::copy(e->begin(), e->end(), v.begin());
      };
      tr.forward(tokens[std::size_t(pos)], pos, o);
    }
  };
}

namespace {

// A step's inputs from the engine's trace, as the floats the engine had.
std::vector<float> input(const Trace& t, int pos, int layer, const std::string& step) {
  const std::vector<double>* v = t.find(pos, layer, step);
  if (v == nullptr)
    throw std::runtime_error(fmt::format("diff-layers: the engine did not report step {} of layer {} at position {}",
                                         step, layer, pos));
  return std::vector<float>(v->begin(), v->end());
}

std::vector<float> slice(const std::vector<float>& t, int l, std::size_t per_layer) {
  return std::vector<float>(t.begin() + std::ptrdiff_t(std::size_t(l) * per_layer),
                            t.begin() + std::ptrdiff_t(std::size_t(l + 1) * per_layer));
}

// A conformance kernel's exact value on these inputs, and the bound it derives.
Expected kernel_expected(const char* name, CaseSpec c, const Tensors& in) {
  const Kernel* k = find_kernel(name);
  if (k == nullptr) throw std::logic_error(std::string("diff-layers: no conformance kernel ") + name);
  c.kernel = name;
  return k->expected(c, in);
}

std::vector<double> kernel_bound(const char* name, const CaseSpec& c, const Tensors& in) {
  return kernel_expected(name, c, in).bound;
}

}  // namespace

StepBound kernel_step_bounds(const ref::Checkpoint& ck) {
  const ref::Config& p = ck.config;
  if (p.rope_scaling.factor > 0)
    throw std::invalid_argument("diff-layers --mode exact: scaled RoPE (rope_scaling) has no derived per-step bound; "
                                "use --mode llama2c");
  return [ck](int pos, int layer, const std::string& step, const Trace& et) -> std::vector<double> {
    const ref::Config& p = ck.config;
    const std::size_t dim = std::size_t(p.dim), hidden = std::size_t(p.hidden_dim);
    const int hs = p.dim / p.n_heads, kvd = hs * p.n_kv_heads;
    auto matmul_expected = [](std::vector<float> x, std::vector<float> w, int n, int d) {
      CaseSpec c;
      c.set("n", n).set("d", d);
      return kernel_expected("matmul_f32", c,
                             {make_tensor("x", std::move(x)), make_tensor("w", std::move(w), {d, n})});
    };
    auto matmul = [&](std::vector<float> x, std::vector<float> w, int n, int d) {
      return matmul_expected(std::move(x), std::move(w), n, d).bound;
    };
    auto rmsnorm = [&](std::vector<float> x, std::vector<float> w) {
      CaseSpec c;
      c.set("n", int64_t(x.size())).set("eps", fmt::format("{:.9g}", p.norm_eps));
      return kernel_bound("rmsnorm", c, {make_tensor("x", std::move(x)), make_tensor("w", std::move(w))});
    };
    auto add = [](std::vector<float> x, std::vector<float> y) {
      CaseSpec c;
      c.set("n", int64_t(x.size()));
      return kernel_bound("residual_add", c, {make_tensor("x", std::move(x)), make_tensor("y", std::move(y))});
    };
    // The residual stream entering layer l: the embedding, or layer l-1's output.
    auto stream = [&](int l) { return l == 0 ? input(et, pos, 0, "embedding") : input(et, pos, l - 1, "x_ffn"); };
    const int l = layer;
    if (step == "embedding") return std::vector<double>(dim, 0.0);  // a copy of an f32 row
    if (step == "attn_norm") return rmsnorm(stream(l), slice(ck.rms_att, l, dim));
    if (step == "q" || step == "k" || step == "v") {
      const bool q = step == "q";
      const std::size_t rows = q ? dim : std::size_t(kvd);
      const std::vector<float>& w = q ? ck.wq : step == "k" ? ck.wk : ck.wv;
      Expected e = matmul_expected(input(et, pos, l, "attn_norm"), slice(w, l, rows * dim), p.dim, int(rows));
      if (p.qkv_bias) {
        // fl(y' + bias) with |y' - y| <= b: off y + bias by b + u(|y + bias| + b).
        const std::vector<float> bias = slice(q ? ck.bq : step == "k" ? ck.bk : ck.bv, l, rows);
        for (std::size_t i = 0; i < rows; i++)
          e.bound[i] += bounds::kU * (std::fabs(e.value[i] + bias[i]) + e.bound[i]);
      }
      return e.bound;
    }
    if (step == "q_rope" || step == "k_rope") {
      CaseSpec c;
      c.set("head_size", hs).set("pos", pos).set("theta", fmt::format("{:.9g}", p.rope_theta));
      return kernel_bound("rope", c, {make_tensor("vec", input(et, pos, l, step == "q_rope" ? "q" : "k"))});
    }
    if (step == "attn_out") {
      std::vector<float> kc, vc;
      for (int t = 0; t <= pos; t++) {
        const std::vector<float> kt = input(et, t, l, "k_rope"), vt = input(et, t, l, "v");
        kc.insert(kc.end(), kt.begin(), kt.end());
        vc.insert(vc.end(), vt.begin(), vt.end());
      }
      CaseSpec c;
      c.set("heads", p.n_heads).set("kv_heads", p.n_kv_heads).set("head_size", hs).set("pos", pos)
          .set("window", p.sliding_window);
      return kernel_bound("attention", c,
                          {make_tensor("q", input(et, pos, l, "q_rope")),
                           make_tensor("k_cache", std::move(kc), {pos + 1, kvd}),
                           make_tensor("v_cache", std::move(vc), {pos + 1, kvd})});
    }
    if (step == "wo") return matmul(input(et, pos, l, "attn_out"), slice(ck.wo, l, dim * dim), p.dim, p.dim);
    if (step == "x_attn") return add(stream(l), input(et, pos, l, "wo"));
    if (step == "ffn_norm") return rmsnorm(input(et, pos, l, "x_attn"), slice(ck.rms_ffn, l, dim));
    if (step == "w1" || step == "w3")
      return matmul(input(et, pos, l, "ffn_norm"), slice(step == "w1" ? ck.w1 : ck.w3, l, hidden * dim), p.dim,
                    p.hidden_dim);
    if (step == "swiglu") {
      CaseSpec c;
      c.set("n", p.hidden_dim);
      return kernel_bound("swiglu", c,
                          {make_tensor("hb", input(et, pos, l, "w1")), make_tensor("hb2", input(et, pos, l, "w3"))});
    }
    if (step == "w2") return matmul(input(et, pos, l, "swiglu"), slice(ck.w2, l, dim * hidden), p.hidden_dim, p.dim);
    if (step == "x_ffn") return add(input(et, pos, l, "x_attn"), input(et, pos, l, "w2"));
    if (step == "final_norm") return rmsnorm(input(et, pos, p.n_layers - 1, "x_ffn"), ck.rms_final);
    if (step == "logits") return matmul(input(et, pos, -1, "final_norm"), ck.classifier(), p.dim, p.vocab_size);
    throw std::logic_error("diff-layers: no bound for step " + step);
  };
}

}  // namespace nineml::conformance
