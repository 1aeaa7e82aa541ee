// checkpoint_of_model.cpp: an engine-loaded model as a reference checkpoint
// (checkpoint_of_model.hpp).
#include "checkpoint_of_model.hpp"

#include <stdexcept>

#include "formats/formats.h"
#include "writers.hpp"

namespace nineml::conformance {

namespace {

// One nm_model owned here, freed on every way out.
struct Loaded {
  nm_model m{};
  explicit Loaded(const std::string& path) {
    char err[512];
    if (nm_model_load(&m, path.c_str(), err, sizeof err) != 0) throw std::runtime_error(err);
  }
  ~Loaded() { nm_model_free(&m); }
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;
};

void append(std::vector<float>& to, const nm_tensor& t) {
  std::vector<float> f = writers::tensor_floats(t);
  to.insert(to.end(), f.begin(), f.end());
}

void append_layers(std::vector<float>& to, const nm_tensor* ts, int layers) {
  for (int l = 0; l < layers; l++) append(to, ts[l]);
}

}  // namespace

ref::Checkpoint checkpoint_of_model(const std::string& path, std::string* arch) {
  Loaded l(path);
  const nm_model& m = l.m;
  const nm_config& c = m.cfg;
  ref::Checkpoint ck;
  ref::Config& p = ck.config;
  p.dim = c.dim;
  p.hidden_dim = c.hidden_dim;
  p.n_layers = c.n_layers;
  p.n_heads = c.n_heads;
  p.n_kv_heads = c.n_kv_heads;
  p.vocab_size = c.vocab_size;
  p.seq_len = c.seq_len;
  p.shared_classifier = c.shared_classifier != 0;
  p.rope_theta = c.rope_theta;
  p.norm_eps = c.norm_eps;
  p.sliding_window = c.sliding_window;
  p.rope_scaling.factor = c.rope_scaling.factor;
  p.rope_scaling.low_freq_factor = c.rope_scaling.low_freq_factor;
  p.rope_scaling.high_freq_factor = c.rope_scaling.high_freq_factor;
  p.rope_scaling.original_max_position = c.rope_scaling.original_max_position;
  const size_t L = static_cast<size_t>(c.n_layers), D = static_cast<size_t>(c.dim);
  append(ck.token_embedding, m.token_embedding);
  ck.rms_att.assign(m.rms_att, m.rms_att + L * D);
  ck.rms_ffn.assign(m.rms_ffn, m.rms_ffn + L * D);
  ck.rms_final.assign(m.rms_final, m.rms_final + D);
  append_layers(ck.wq, m.wq, c.n_layers);
  append_layers(ck.wk, m.wk, c.n_layers);
  append_layers(ck.wv, m.wv, c.n_layers);
  append_layers(ck.wo, m.wo, c.n_layers);
  append_layers(ck.w1, m.w1, c.n_layers);
  append_layers(ck.w2, m.w2, c.n_layers);
  append_layers(ck.w3, m.w3, c.n_layers);
  if (!p.shared_classifier) append(ck.wcls, m.wcls);
  p.qkv_bias = c.qkv_bias != 0;
  if (p.qkv_bias) {
    const size_t KV = D / static_cast<size_t>(c.n_heads) * static_cast<size_t>(c.n_kv_heads);
    ck.bq.assign(m.bq, m.bq + L * D);
    ck.bk.assign(m.bk, m.bk + L * KV);
    ck.bv.assign(m.bv, m.bv + L * KV);
  }
  if (arch) *arch = c.arch;
  return ck;
}

}  // namespace nineml::conformance
