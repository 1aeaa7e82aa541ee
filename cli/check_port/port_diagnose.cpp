// The likely kernel behind a port's first divergence (docs/CHECK_PORT.md).
#include "port_diagnose.hpp"

#include <fmt/core.h>

#include <cmath>
#include <stdexcept>

#include "formats/formats.h"
#include "kernel_table.h"
#include "model/forward.h"

namespace nineml::cli::port {

namespace {

// Known wrong variants of the position-dependent kernels, as ports get them
// wrong. They replace one entry of a copy of the scalar table; the forward
// pass runs single-threaded, so the model's dim can sit in a global.
int g_model_dim = 0;

void rope_none(float*, int, int, int, float) {}
void rope_next_position(float* v, int dim, int hs, int pos, float theta) { nm_rope(v, dim, hs, pos + 1, theta); }
void rope_inverse(float* v, int dim, int hs, int pos, float theta) { nm_rope(v, dim, hs, -pos, theta); }
void rope_over_model_dim(float* v, int dim, int hs, int pos, float theta) {
  for (int i = 0; i + 1 < dim; i += 2) {
    const float freq = 1.0f / std::pow(theta, static_cast<float>(i % hs) / static_cast<float>(g_model_dim));
    const float val = static_cast<float>(pos) * freq, c = std::cos(val), s = std::sin(val);
    const float a = v[i], b = v[i + 1];
    v[i] = a * c - b * s;
    v[i + 1] = a * s + b * c;
  }
}
// GPT-NeoX's pairing: element i with i + head_size/2 in each head.
void rope_half_split(float* v, int dim, int hs, int pos, float theta) {
  const int half = hs / 2;
  for (int h = 0; h + hs <= dim; h += hs)
    for (int i = 0; i < half; i++) {
      const float freq = 1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(hs));
      const float val = static_cast<float>(pos) * freq, c = std::cos(val), s = std::sin(val);
      const float a = v[h + i], b = v[h + i + half];
      v[h + i] = a * c - b * s;
      v[h + i + half] = a * s + b * c;
    }
}
std::vector<float> g_q;
// Scores not divided by sqrt(head_size).
void attention_unscaled(float* out, float* att, const float* q, const float* k, const float* v, int nh, int nkv,
                        int hs, int pos, int window, int h0, int h1) {
  g_q.assign(q, q + static_cast<size_t>(nh) * static_cast<size_t>(hs));
  for (float& x : g_q) x *= std::sqrt(static_cast<float>(hs));
  nm_attention_heads(out, att, g_q.data(), k, v, nh, nkv, hs, pos, window, h0, h1);
}

struct Variant {
  const char* kernel;
  const char* what;
  nm_kernel_table table;
};

double distance(const std::vector<float>& a, const float* b) {
  double d = 0;
  for (size_t j = 0; j < a.size(); j++) {
    const double x = std::fabs(static_cast<double>(a[j]) - static_cast<double>(b[j]));
    d = std::isnan(x) ? INFINITY : std::max(d, x);
  }
  return d;
}

}  // namespace

std::optional<size_t> first_logits_divergence(const Expected& e, const std::vector<std::vector<float>>& logits,
                                              size_t rows) {
  for (size_t p = 0; p < rows && p < logits.size() && p < e.logits.size(); p++)
    if (!(distance(e.logits[p], logits[p].data()) <= e.tol[p])) return p;
  return std::nullopt;
}

struct Diagnoser::Impl {
  nm_model model{};
  std::vector<Variant> variants;
  ~Impl() { nm_model_free(&model); }

  // The logits at position `pos` with tokens[0..pos] fed on table k.
  std::vector<float> run(const nm_kernel_table* k, const std::vector<int>& tokens, size_t pos) {
    const char* why = nullptr;
    nm_state* s = nm_state_new_ctx(&model, static_cast<int>(pos) + 1, &why);
    if (s == nullptr) throw std::runtime_error(std::string("diagnosis: ") + why);
    nm_exec ex{k, nullptr};
    float* l = nullptr;
    for (size_t p = 0; p <= pos; p++) l = nm_forward(s, &model, &ex, tokens[p], static_cast<int>(p));
    std::vector<float> out(l, l + model.cfg.vocab_size);
    nm_state_free(s);
    return out;
  }

  // The token t fed at `pos` (after tokens[0..pos-1]) whose logits are
  // nearest the port's row, and that distance.
  std::pair<int, double> nearest_token(const std::vector<int>& tokens, size_t pos, const std::vector<float>& row) {
    const char* why = nullptr;
    nm_state* s = nm_state_new_ctx(&model, static_cast<int>(pos) + 1, &why);
    if (s == nullptr) throw std::runtime_error(std::string("diagnosis: ") + why);
    nm_exec ex{nm_kernels_scalar(), nullptr};
    for (size_t p = 0; p < pos; p++) nm_forward(s, &model, &ex, tokens[p], static_cast<int>(p));
    std::pair<int, double> best{-1, INFINITY};
    // Each call rewrites only position pos's cache row: every t sees the same prefix.
    for (int t = 0; t < model.cfg.vocab_size; t++) {
      const double d = distance(row, nm_forward(s, &model, &ex, t, static_cast<int>(pos)));
      if (d < best.second) best = {t, d};
    }
    nm_state_free(s);
    return best;
  }
};

Diagnoser::Diagnoser(const std::string& model_path) : impl_(new Impl) {
  char err[512];
  if (nm_model_load(&impl_->model, model_path.c_str(), err, sizeof err) != 0) {
    delete impl_;
    throw std::runtime_error(err);
  }
  g_model_dim = impl_->model.cfg.dim;
  const nm_kernel_table base = *nm_kernels_scalar();
  auto add = [&](const char* kernel, const char* what, auto patch) {
    Variant v{kernel, what, base};
    patch(v.table);
    impl_->variants.push_back(v);
  };
  add("rope", "no rotation", [](nm_kernel_table& t) { t.rope = rope_none; });
  add("rope", "rotating by the next position", [](nm_kernel_table& t) { t.rope = rope_next_position; });
  add("rope", "rotating the other way", [](nm_kernel_table& t) { t.rope = rope_inverse; });
  add("rope", "frequencies over the model's dim instead of the head size", [](nm_kernel_table& t) { t.rope = rope_over_model_dim; });
  add("rope", "GPT-NeoX pairing (i, i + head_size/2) instead of adjacent pairs", [](nm_kernel_table& t) { t.rope = rope_half_split; });
  add("attention", "scores not divided by sqrt(head_size)", [](nm_kernel_table& t) { t.attention_heads = attention_unscaled; });
}

Diagnoser::~Diagnoser() { delete impl_; }

std::string Diagnoser::explain(const Expected& e, const nm_vocab& vocab, const std::optional<Divergence>& div,
                               const std::vector<std::vector<float>>* logits, bool ids_known) {
  auto piece = [&](int prev, int t) { return shown_piece(vocab, prev, t); };
  // 1. The port's prompt ids themselves differ.
  if (div && ids_known && div->index < static_cast<size_t>(e.n_prompt))
    return fmt::format("likely kernel: tokenizer (the prompt encodes differently: token {} is {} where the reference "
                       "has {})",
                       div->index, div->got ? std::to_string(*div->got) : std::string("missing"),
                       e.tokens[div->index]);
  // 2. With logits: the first position they leave the tolerance.
  const size_t shared = div ? div->index : e.tokens.size();  // positions 0..shared-1 were fed the same tokens
  std::optional<size_t> q;
  if (logits != nullptr) {
    // Inside the prompt the position fed the port's first wrong token tells
    // which token it was: look one further. After it, the choice itself is
    // in question (3. below), so only the positions fed the same tokens.
    const bool in_prompt = div && div->index < static_cast<size_t>(e.n_prompt);
    q = first_logits_divergence(e, *logits, std::min(shared + (in_prompt ? 1 : 0), e.logits.size()));
  }
  if (q && *q == 0)
    return "likely kernel: one that does not depend on the position (embedding, rmsnorm, matmul, swiglu or the "
           "classifier): position 0 (BOS alone) already differs, where RoPE is the identity and attention copies V";
  if (q) {
    const size_t p = *q;
    const std::vector<float>& row = (*logits)[p];
    const double base = distance(e.logits[p], row.data());
    const auto [t, dt] = impl_->nearest_token(e.tokens, p, row);
    if (dt <= e.tol[p] && t != (p < e.tokens.size() ? e.tokens[p] : -1)) {
      const bool in_prompt = p < static_cast<size_t>(e.n_prompt);
      return fmt::format("likely kernel: {} (the port's logits at position {} are the reference's for token {} {} "
                         "fed there instead of {} {})",
                         in_prompt ? "tokenizer" : "sampler (argmax)", p, t, piece(e.tokens[p - 1], t),
                         p < e.tokens.size() ? e.tokens[p] : -1,
                         p < e.tokens.size() ? piece(e.tokens[p - 1], e.tokens[p]) : std::string("(none)"));
    }
    const Variant* best = nullptr;
    double best_d = INFINITY;
    std::vector<int> fed(e.tokens.begin(), e.tokens.begin() + static_cast<std::ptrdiff_t>(std::min(p + 1, e.tokens.size())));
    if (fed.size() == p + 1)
      for (const Variant& v : impl_->variants) {
        const double d = distance(impl_->run(&v.table, fed, p), row.data());
        if (d < best_d) best_d = d, best = &v;
      }
    if (best != nullptr && best_d <= e.tol[p])
      return fmt::format("likely kernel: {} (position 0 agrees; at position {} the port's logits are the reference's "
                         "with {}'s variant '{}')",
                         best->kernel, p, best->kernel, best->what);
    std::string closest = best != nullptr && best_d < 0.5 * base
                              ? fmt::format("; nearest known mistake: {}, {} ({:.3g} from the port vs the reference's {:.3g})",
                                            best->kernel, best->what, best_d, base)
                              : "";
    return fmt::format("likely kernel: a position-dependent one, rope or attention (position 0 agrees, position {} "
                       "differs by {:.3g} > {:.3g}, and no other token fed there explains it{})",
                       p, base, e.tol[p], closest);
  }
  if (!div) return "";
  const size_t k = div->index;
  // 3. The logits agree where the inputs did, yet another token was chosen.
  if (logits != nullptr && k > 0 && k - 1 < logits->size()) {
    const size_t p = k - 1;
    if (e.margin[p] <= 2 * e.tol[p])
      return fmt::format("a near tie: the logits agree within tolerance up to position {}, where the reference's top-2 "
                         "margin {:.3g} is within twice the tolerance {:.3g} (float order may flip it)",
                         p, e.margin[p], e.tol[p]);
    if (k >= static_cast<size_t>(e.n_prompt))
      return fmt::format("likely kernel: sampler (argmax): the logits agree within tolerance at position {}, yet the "
                         "port chose another token (top-2 margin {:.3g})",
                         p, e.margin[p]);
  }
  // 4. Without logits: only where the divergence sits.
  if (k < static_cast<size_t>(e.n_prompt))
    return "likely: tokenizer or piece decoding (the echoed prompt differs; -z and the tokenizer's merges, "
           "byte fallback and the leading space)";
  if (k == 1)
    return "likely kernel: one that does not depend on the position (the first token is predicted at position 0, "
           "where RoPE is the identity)";
  return fmt::format("the prompt matched and the output differs from position {}: a forward-pass kernel (rope and "
                     "attention if the port is right at position 0){}",
                     k - 1,
                     ids_known ? "" : ", or a tokenizer whose ids print the same text; dump logits (--logits-file) "
                                      "or print ids (--parse ids) to tell");
}

}  // namespace nineml::cli::port
