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

void params(OutFile& s, const nm_config& c, bool v0) {
  int vocab = c.vocab_size;
  if (v0 && !c.shared_classifier) vocab = -vocab;
  for (int v : {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, vocab, c.seq_len}) s.i32(v);
}

// One role's matrices, layer after layer (llama2.c stacks them), one
// tensor in memory at a time; its source pages go back once written.
void put(OutFile& s, const nm_model& m, const nm_tensor& t) {
  FloatView v = float_view(t);
  put_floats_dropping(s, m, v.p, v.n);
  nm_model_drop_tensor(&m, &t);
}

void stack(OutFile& s, const nm_model& m, nm_tensor* const nm_model::*arr) {
  for (int l = 0; l < m.cfg.n_layers; l++) put(s, m, (m.*arr)[l]);
}

}  // namespace

void write_llama2c(const nm_model& m, const std::string& path, int version, int group_size) {
  const nm_config& c = m.cfg;
  int L = c.n_layers, dim = c.dim;
  nm_tensor* const nm_model::*mats[7] = {&nm_model::wq, &nm_model::wk, &nm_model::wv, &nm_model::wo,
                                          &nm_model::w1, &nm_model::w2, &nm_model::w3};
  size_t norms = static_cast<size_t>(L) * static_cast<size_t>(dim);
  if (version == 2) {  // the engine's portable writer (engine/formats/write_v2.c), shared with Plan 9's export
    char err[512];
    if (nm_write_v2(&m, path.c_str(), group_size, err, sizeof err) != 0) throw std::runtime_error(err);
    return;
  }
  OutFile s(path);
  if (version == 0) {
    params(s, c, true);
    put(s, m, m.token_embedding);
    s.floats(m.rms_att, norms);
    for (int k = 0; k < 4; k++) stack(s, m, mats[k]);
    s.floats(m.rms_ffn, norms);
    for (int k = 4; k < 7; k++) stack(s, m, mats[k]);
    s.floats(m.rms_final, static_cast<size_t>(dim));
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
    if (!c.shared_classifier) put(s, m, m.wcls);
    s.commit();
    return;
  }
  s.u32(0x616b3432);
  s.i32(version);
  params(s, c, false);
  s.u8(c.shared_classifier ? 1 : 0);
  s.pad_to(256);
  s.floats(m.rms_att, norms);
  s.floats(m.rms_ffn, norms);
  s.floats(m.rms_final, static_cast<size_t>(dim));
  put(s, m, m.token_embedding);
  for (auto arr : mats) stack(s, m, arr);
  if (!c.shared_classifier) put(s, m, m.wcls);
  s.commit();
}

}  // namespace nineml::writers
