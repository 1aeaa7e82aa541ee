// llama2.c v0 and v1; v2 (Q8 groups, exporter rounding: ties to even) is the
// engine's portable writer, nm_write_v2, which Plan 9's export also runs.
#include <cmath>
#include <stdexcept>

#include "formats/formats.h"
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
  if (version == 2) {  // the engine's portable writer (engine/formats/write_v2.c), shared with Plan 9's export
    char err[512];
    if (nm_write_v2(&m, path.c_str(), group_size, err, sizeof err) != 0) throw std::runtime_error(err);
    return;
  }
  s.u32(0x616b3432);
  s.i32(version);
  params(s, c, false);
  s.u8(c.shared_classifier ? 1 : 0);
  s.pad_to(256);
  s.floats(norms(m.rms_att, L * dim));
  s.floats(norms(m.rms_ffn, L * dim));
  s.floats(norms(m.rms_final, dim));
  s.floats(tensor_floats(m.token_embedding));
  for (auto arr : mats) s.floats(stack(m, arr));
  if (!c.shared_classifier) s.floats(tensor_floats(m.wcls));
  s.save(path);
}

}  // namespace nineml::writers
