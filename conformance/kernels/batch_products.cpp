// The batched matrix products (prefill; kernel_table.h *_batch entries): T
// token rows through one call. Each is judged per token against its row
// kernel's exact value and bound (matmul_f32, matmul_q8_0, matmul_q4_0,
// matmul_f16, matmul_bf16, matmul_q5_0 .. matmul_q6_k: the
// same W, a different x per token), so a batch tile is never held to a
// looser standard than a single row; ref-llama2c runs the row kernel token
// by token.
#include <functional>

#include "common.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {

const Kernel* matmul_f32_kernel();
const Kernel* matmul_q8_kernel();
const Kernel* matmul_q4_0_kernel();
const Kernel* matmul_f16_kernel();
const Kernel* matmul_bf16_kernel();
const Kernel* block_matmul_kernel(ref::Block b);

namespace {

// The engine's batched call: out (T x d) from the T x n float rows and the
// row kernel's other inputs.
using BatchRun = std::function<void(const CaseSpec&, const Tensors&, std::span<const float> x_all, int T,
                                    const EngineExec&, float* out)>;

class BatchProduct final : public Kernel {
 public:
  BatchProduct(const Kernel* base, BatchRun run) : base_(base), run_(std::move(run)) {}
  std::string name() const override { return base_->name() + "_batch"; }
  std::string error_unit() const override { return base_->error_unit(); }
  std::string tolerance_note() const override {
    return "per token, " + base_->name() + "'s bound: " + base_->tolerance_note();
  }
  // The row kernel's shapes up to a 768 x 768 layer and its normal and
  // heavy inputs (the row kernel covers every distribution; per element the
  // batch computes the same), at token counts that leave every tile
  // remainder (tiles of 3 tokens and of 4 outputs).
  std::vector<CaseSpec> cases() const override {
    std::vector<CaseSpec> out;
    for (CaseSpec c : base_->cases()) {
      if (c.get_int("d") * c.get_int("n") > 768 * 768 || (c.dist != "normal" && c.dist != "heavy")) continue;
      // d 53: three 16-row panels and a remainder (packed Q8 layouts).
      std::vector<int64_t> ds{c.get_int("d")};
      if (c.get_int("d") == 5 && c.get_int("n") * 53 <= 768 * 768) ds.push_back(53);
      for (int64_t d : ds)
        for (int64_t T : {1, 2, 5}) {
          CaseSpec b = c;
          b.kernel = name();
          b.set("d", d).set("t", T);
          out.push_back(b);
        }
    }
    return out;
  }
  // The row kernel's inputs with x replaced by T rows: row t is x rotated by
  // 37 t places, negated for odd t (same distribution, different per token).
  Tensors inputs(const CaseSpec& c) const override {
    Tensors in = base_->inputs(c);
    const int T = static_cast<int>(c.get_int("t"));
    auto x = view<float>(in, "x");
    const size_t n = x.size();
    std::vector<float> all(n * static_cast<size_t>(T));
    for (int t = 0; t < T; t++)
      for (size_t j = 0; j < n; j++) {
        float v = x[(j + 37 * static_cast<size_t>(t)) % n];
        all[static_cast<size_t>(t) * n + j] = t % 2 ? -v : v;
      }
    for (Tensor& t : in)
      if (t.name == "x") t = make_tensor("x", std::move(all), {T, static_cast<int64_t>(n)});
    return in;
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    Expected e;
    for (int t = 0; t < static_cast<int>(c.get_int("t")); t++) {
      Expected one = base_->expected(c, token(in, c, t));
      e.value.insert(e.value.end(), one.value.begin(), one.value.end());
      e.bound.insert(e.bound.end(), one.bound.begin(), one.bound.end());
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    const int T = static_cast<int>(c.get_int("t"));
    if (!is_engine(impl)) {
      Output o;
      for (int t = 0; t < T; t++) {
        Output one = base_->run(c, token(in, c, t), impl);
        o.values.insert(o.values.end(), one.values.begin(), one.values.end());
        o.raw.insert(o.raw.end(), one.raw.begin(), one.raw.end());
      }
      return o;
    }
    Guarded<float> g(static_cast<size_t>(T * c.get_int("d")));
    run_(c, in, view<float>(in, "x"), T, exec_for(impl), g.data());
    return engine_output(name(), g);
  }

 private:
  // The row kernel's inputs for token t alone.
  static Tensors token(const Tensors& in, const CaseSpec& c, int t) {
    const size_t n = static_cast<size_t>(c.get_int("n"));
    auto all = view<float>(in, "x");
    Tensors one = in;
    for (Tensor& x : one)
      if (x.name == "x") x = make_tensor("x", std::vector<float>(all.begin() + t * n, all.begin() + (t + 1) * n));
    return one;
  }
  const Kernel* base_;
  BatchRun run_;
};

// Every token row quantized as runq quantizes activations.
void quantize_rows(std::span<const float> x_all, int T, int n, int gs, std::vector<int8_t>& q,
                   std::vector<float>& s) {
  q.assign(x_all.size(), 0);
  s.assign(x_all.size() / static_cast<size_t>(gs), 0.0f);
  for (int t = 0; t < T; t++)
    nm_q8_quantize(q.data() + static_cast<size_t>(t) * n, s.data() + static_cast<size_t>(t) * (n / gs),
                   x_all.data() + static_cast<size_t>(t) * n, n, gs, NM_ROUND_AWAY);
}

}  // namespace

const Kernel* batch_f32_kernel() {
  static BatchProduct k(matmul_f32_kernel(), [](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                                int T, const EngineExec& ex, float* out) {
    nm_par_matmul_f32_batch(ex.table, ex.pool, out, x.data(), view<float>(in, "w").data(),
                            static_cast<int>(c.get_int("n")), static_cast<int>(c.get_int("d")), T);
  });
  return &k;
}

const Kernel* batch_q8_kernel() {
  static BatchProduct k(matmul_q8_kernel(), [](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                               int T, const EngineExec& ex, float* out) {
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    const int gs = static_cast<int>(c.get_int("gs"));
    auto w = view<float>(in, "w");
    std::vector<int8_t> xq, wq(w.size());
    std::vector<float> xs, ws(w.size() / static_cast<size_t>(gs));
    quantize_rows(x, T, n, gs, xq, xs);
    nm_q8_quantize(wq.data(), ws.data(), w.data(), n * d, gs, NM_ROUND_EVEN);
    // As the engine runs it: through the level's packed layout where it has
    // one (kernel_table.h q8_pack; the rows past the last panel unpacked);
    // matmul_q8_0 checks the unpacked entry.
    std::vector<uint8_t> packed;
    const nm_i64 bytes = ex.table->q8_pack ? ex.table->q8_packed_size(n, d, gs) : 0;
    if (bytes > 0) {
      packed.resize(static_cast<size_t>(bytes));
      ex.table->q8_pack(packed.data(), wq.data(), ws.data(), n, d, gs);
    }
    nm_par_matmul_q8_batch(ex.table, ex.pool, out, xq.data(), xs.data(), wq.data(), ws.data(),
                           packed.empty() ? nullptr : packed.data(), n, d, gs, T);
  });
  return &k;
}

const Kernel* batch_q4_0_kernel() {
  static BatchProduct k(matmul_q4_0_kernel(), [](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                                 int T, const EngineExec& ex, float* out) {
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    std::vector<int8_t> xq;
    std::vector<float> xs;
    quantize_rows(x, T, n, 32, xq, xs);
    nm_par_matmul_q4_0_batch(ex.table, ex.pool, out, xq.data(), xs.data(), view<uint8_t>(in, "w").data(), n, d, T);
  });
  return &k;
}

const Kernel* batch_f16_kernel() {
  static BatchProduct k(matmul_f16_kernel(), [](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                                int T, const EngineExec& ex, float* out) {
    nm_par_matmul_f16_batch(ex.table, ex.pool, out, x.data(), view<uint16_t>(in, "w").data(),
                            static_cast<int>(c.get_int("n")), static_cast<int>(c.get_int("d")), T);
  });
  return &k;
}

const Kernel* batch_bf16_kernel() {
  static BatchProduct k(matmul_bf16_kernel(), [](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                                 int T, const EngineExec& ex, float* out) {
    nm_par_matmul_bf16_batch(ex.table, ex.pool, out, x.data(), view<uint16_t>(in, "w").data(),
                             static_cast<int>(c.get_int("n")), static_cast<int>(c.get_int("d")), T);
  });
  return &k;
}

// The GGUF block types, one batch kernel each (Block order).
const Kernel* batch_block_kernel(ref::Block b) {
  static const auto make = [](ref::Block t) {
    return BatchProduct(block_matmul_kernel(t), [t](const CaseSpec& c, const Tensors& in, std::span<const float> x,
                                                    int T, const EngineExec& ex, float* out) {
      const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
      std::vector<int8_t> xq;
      std::vector<float> xs;
      quantize_rows(x, T, n, 32, xq, xs);
      nm_par_matmul_blocks_batch(ex.table, ex.pool, static_cast<int>(t), out, xq.data(), xs.data(),
                                 view<uint8_t>(in, "w").data(), n, d, T);
    });
  };
  static const BatchProduct all[] = {make(ref::Block::q5_0), make(ref::Block::q5_1), make(ref::Block::q2_k),
                                     make(ref::Block::q3_k), make(ref::Block::q4_k), make(ref::Block::q5_k),
                                     make(ref::Block::q6_k)};
  return &all[static_cast<size_t>(b)];
}

}  // namespace nineml::conformance::kern
