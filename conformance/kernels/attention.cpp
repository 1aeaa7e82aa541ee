// Multi-head attention with GQA, causal, optional sliding window.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

// The nominal length is the number of cached positions (pos + 1); model
// sizes use real head layouts (15M: 6x48, 110M: 12x64, GQA 32/8 heads).
void attention_shape(CaseSpec& c, int64_t len, size_t index) {
  int64_t heads = 4, kv = 2, hs = 8;
  if (len == 64) { heads = 4; kv = 4; hs = 16; }
  if (len == 288) { heads = 6; kv = 6; hs = 48; }
  if (len == 768) { heads = 12; kv = 12; hs = 64; }
  if (len == 2048) { heads = 8; kv = 2; hs = 64; }
  if (len == 4096) { heads = 8; kv = 2; hs = 128; }
  if (len == 32000) { heads = 2; kv = 1; hs = 8; }
  int64_t window = (index % 3 == 2 && len > 2) ? len / 3 : 0;
  c.set("heads", heads).set("kv_heads", kv).set("head_size", hs).set("pos", len - 1).set("window", window);
}

struct Shape {
  int heads, kv, hs, pos, window;
  explicit Shape(const CaseSpec& c)
      : heads(static_cast<int>(c.get_int("heads"))),
        kv(static_cast<int>(c.get_int("kv_heads"))),
        hs(static_cast<int>(c.get_int("head_size"))),
        pos(static_cast<int>(c.get_int("pos"))),
        window(static_cast<int>(c.get_int("window"))) {}
  int start() const { return window > 0 && pos - window + 1 > 0 ? pos - window + 1 : 0; }
};

class Attention final : public Kernel {
 public:
  std::string name() const override { return "attention"; }
  std::string tolerance_note() const override {
    return "scores: gamma(hs) sum|q k| / sqrt(hs) + 2u; softmax bound with perturbed inputs; "
           "output: gamma(T) sum|a v| + sum |da| |v|";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, attention_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    Shape s(c);
    auto rng = rng_for(c);
    int64_t kv_dim = static_cast<int64_t>(s.kv) * s.hs, rows = s.pos + 1;
    auto q = fixtures::make_floats(c.dist, static_cast<int64_t>(s.heads) * s.hs, rng);
    auto k = fixtures::make_floats(c.dist, rows * kv_dim, rng);
    auto v = fixtures::make_floats(c.dist, rows * kv_dim, rng);
    return {make_tensor("q", std::move(q)), make_tensor("k_cache", std::move(k), {rows, kv_dim}),
            make_tensor("v_cache", std::move(v), {rows, kv_dim})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    Shape s(c);
    auto q = view<float>(in, "q"), k = view<float>(in, "k_cache"), v = view<float>(in, "v_cache");
    Expected e{ref::exact::attention(q, k, v, s.heads, s.kv, s.hs, s.pos, s.window), {}};
    e.bound.assign(e.value.size(), 0);
    const int kv_dim = s.kv * s.hs, kv_mul = s.heads / s.kv, t0 = s.start(), T = s.pos - t0 + 1;
    const double scale = 1.0 / std::sqrt(static_cast<double>(s.hs));
    for (int h = 0; h < s.heads; h++) {
      const float* qh = q.data() + h * s.hs;
      std::vector<double> score(static_cast<size_t>(T)), derr(static_cast<size_t>(T));
      for (int t = t0; t <= s.pos; t++) {
        const float* kt = k.data() + static_cast<size_t>(t) * kv_dim + (h / kv_mul) * s.hs;
        double dot = 0, mag = 0;
        for (int i = 0; i < s.hs; i++) {
          dot += static_cast<double>(qh[i]) * kt[i];
          mag += std::fabs(static_cast<double>(qh[i]) * kt[i]);
        }
        score[static_cast<size_t>(t - t0)] = dot * scale;
        derr[static_cast<size_t>(t - t0)] =
            (gamma(s.hs) * mag + 2.0 * s.hs * kEta) * scale * (1 + gamma(2)) + std::fabs(dot * scale) * gamma(2);
      }
      std::vector<double> p(score.size());
      double m = -INFINITY, sum = 0;
      for (double x : score) m = std::max(m, x);
      for (size_t t = 0; t < p.size(); t++) sum += (p[t] = std::exp(score[t] - m));
      for (double& x : p) x /= sum;
      auto dp = bounds::softmax(score, p, derr);
      for (int i = 0; i < s.hs; i++) {
        double acc = 0, prop = 0;
        for (int t = t0; t <= s.pos; t++) {
          double vt = std::fabs(static_cast<double>(v[static_cast<size_t>(t) * kv_dim + (h / kv_mul) * s.hs + i]));
          size_t j = static_cast<size_t>(t - t0);
          acc += (p[j] + dp[j]) * vt;
          prop += dp[j] * vt;
        }
        e.bound[static_cast<size_t>(h * s.hs + i)] = gamma(T) * acc + prop + 2.0 * T * kEta;
      }
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    Shape s(c);
    auto q = view<float>(in, "q"), k = view<float>(in, "k_cache"), v = view<float>(in, "v_cache");
    if (!is_engine(impl))
      return float_output(ref::llama2c::attention(q, k, v, s.heads, s.kv, s.hs, s.pos, s.window));
    Guarded<float> g(static_cast<size_t>(s.heads) * s.hs);
    std::vector<float> att(static_cast<size_t>(s.heads) * (s.pos + 1));
    auto ex = exec_for(impl);
    nm_par_attention(ex.table, ex.pool, g.data(), att.data(), q.data(), k.data(), v.data(), s.heads, s.kv, s.hs,
                     s.pos, s.window);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    Shape s(c);
    return float_output(out_f32(outs, 0, static_cast<int64_t>(s.heads) * s.hs));
  }
};

}  // namespace

const Kernel* attention_kernel() { static Attention k; return &k; }

}  // namespace nineml::conformance::kern
