// llama2.c v0, v1 and v2 (Q8_0 groups, exporter rounding: ties to even).
#include <cmath>
#include <stdexcept>

#include "kernels.h"
#include "sink.hpp"
#include "writer_parts.hpp"

namespace nineml::writers {

namespace {

void params(Sink& s, const nm_config& c, bool v0) {
  int vocab = c.vocab_size;
  if (v0 && !c.shared_classifier) vocab = -vocab;
  for (int v : {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, vocab, c.seq_len}) s.i32(v);
}

std::vector<float> norms(const float* p, int n) { return std::vector<float>(p, p + n); }

// Layer-stacked matrices of one role, concatenated.
std::vector<float> stack(const nm_model& m, nm_tensor* const nm_model::*arr) {
  std::vector<float> all;
  for (int l = 0; l < m.cfg.n_layers; l++) {
    auto v = tensor_floats((m.*arr)[l]);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

void q8(Sink& s, const nm_tensor& t, int gs) {
  auto f = tensor_floats(t);
  if (f.size() % static_cast<size_t>(gs) != 0) throw std::runtime_error("group size does not divide a tensor");
  std::vector<int8_t> q(f.size());
  std::vector<float> sc(f.size() / static_cast<size_t>(gs));
  nm_q8_quantize(q.data(), sc.data(), f.data(), static_cast<int>(f.size()), gs, NM_ROUND_EVEN);
  s.bytes(q.data(), q.size());
  s.floats(sc);
}

}  // namespace

void write_llama2c(const nm_model& m, const std::string& path, int version, int group_size) {
  const nm_config& c = m.cfg;
  int L = c.n_layers, dim = c.dim;
  Sink s;
  nm_tensor* const nm_model::*mats[7] = {&nm_model::wq, &nm_model::wk, &nm_model::wv, &nm_model::wo,
                                          &nm_model::w1, &nm_model::w2, &nm_model::w3};
  if (version == 0) {
    params(s, c, true);
    s.floats(tensor_floats(m.token_embedding));
    s.floats(norms(m.rms_att, L * dim));
    for (int k = 0; k < 4; k++) s.floats(stack(m, mats[k]));
    s.floats(norms(m.rms_ffn, L * dim));
    for (int k = 4; k < 7; k++) s.floats(stack(m, mats[k]));
    s.floats(norms(m.rms_final, dim));
    // Legacy RoPE tables, as llama2.c's export wrote them (cos, then sin).
    int hs = dim / c.n_heads;
    std::vector<float> re, im;
    for (int t = 0; t < c.seq_len; t++)
      for (int j = 0; j < hs / 2; j++) {
        double freq = 1.0 / std::pow(10000.0, (2.0 * j) / hs);
        re.push_back(static_cast<float>(std::cos(t * freq)));
        im.push_back(static_cast<float>(std::sin(t * freq)));
      }
    s.floats(re);
    s.floats(im);
    if (!c.shared_classifier) s.floats(tensor_floats(m.wcls));
    s.save(path);
    return;
  }
  s.u32(0x616b3432);
  s.i32(version);
  params(s, c, false);
  s.u8(c.shared_classifier ? 1 : 0);
  int gs = group_size > 0 ? group_size : default_group_size(c.dim, c.hidden_dim);
  if (version == 2) {
    if (dim % gs != 0 || c.hidden_dim % gs != 0)
      throw std::runtime_error(path + ": group size " + std::to_string(gs) + " does not divide dim " +
                               std::to_string(dim) + " and hidden_dim " + std::to_string(c.hidden_dim));
    s.i32(gs);
  }
  s.pad_to(256);
  s.floats(norms(m.rms_att, L * dim));
  s.floats(norms(m.rms_ffn, L * dim));
  s.floats(norms(m.rms_final, dim));
  if (version == 1) {
    s.floats(tensor_floats(m.token_embedding));
    for (auto arr : mats) s.floats(stack(m, arr));
    if (!c.shared_classifier) s.floats(tensor_floats(m.wcls));
  } else {
    q8(s, m.token_embedding, gs);
    for (auto arr : mats)
      for (int l = 0; l < L; l++) q8(s, (m.*arr)[l], gs);
    if (!c.shared_classifier) q8(s, m.wcls, gs);
  }
  s.save(path);
}

}  // namespace nineml::writers
