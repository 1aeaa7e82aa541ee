// RefModel (ref_model.hpp): checkpoint loading, checked forward, config dict.
#include "ref_model.hpp"

#include "arrays.hpp"
#include "model_checks.hpp"

namespace p9ml {

namespace ref = nineml::ref;

namespace {
ref::Checkpoint load_checkpoint(const std::string& path) {
  try {
    return ref::load_v0(path);
  } catch (const std::runtime_error& e) {
    throw ValueErr(e.what());
  }
}
}  // namespace

RefModel::RefModel(const std::string& path, ref::Mode m)
    : ck(load_checkpoint(path)), tf(std::make_unique<ref::Transformer>(ck, m)), mode(m) {}

std::vector<double> RefModel::forward(long long token, long long pos, const std::string& where) {
  check_token(token, ck.config.vocab_size, where);
  check_position(pos, ck.config.seq_len, next_pos, where);
  std::vector<double> logits = tf->forward(static_cast<int>(token), static_cast<int>(pos));
  next_pos = static_cast<int>(pos) + 1;
  return logits;
}

void RefModel::reset() {
  tf = std::make_unique<ref::Transformer>(ck, mode);
  next_pos = 0;
}

py::dict config_dict(const ref::Config& c) {
  py::dict d;
  d["dim"] = c.dim;
  d["hidden_dim"] = c.hidden_dim;
  d["n_layers"] = c.n_layers;
  d["n_heads"] = c.n_heads;
  d["n_kv_heads"] = c.n_kv_heads;
  d["vocab_size"] = c.vocab_size;
  d["seq_len"] = c.seq_len;
  d["shared_classifier"] = c.shared_classifier;
  d["rope_theta"] = c.rope_theta;
  d["norm_eps"] = c.norm_eps;
  d["sliding_window"] = c.sliding_window;
  return d;
}

}  // namespace p9ml
