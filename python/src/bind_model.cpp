// Models from Python: p9ml.load(path) -> Model with config, forward,
// generate, and the engine's tokenizer (p9ml.Tokenizer) when a tokenizer.bin
// is given. The forward pass is the reference Transformer in llama2c mode
// over ref::load_v0 (docs/PYTHON.md says why and what changes when the
// engine's loader and forward pass are bound).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "arrays.hpp"
#include "model_checks.hpp"
#include "ref_model.hpp"

extern "C" {
#include "tokenizer.h"
}

namespace p9ml {

namespace ref = nineml::ref;

namespace {

// The engine's tokenizer over a llama2.c tokenizer.bin.
class Tokenizer {
 public:
  Tokenizer(const std::string& path, long long vocab_size) {
    int n = check_int(vocab_size, "Tokenizer: argument 'vocab_size'", 0, NM_TOK_MAX_VOCAB);
    char err[256];
    if (nm_vocab_from_file(&v_, path.c_str(), n, err, sizeof err) != 0) throw ValueErr(err);
  }
  ~Tokenizer() { nm_vocab_free(&v_); }
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  int size() const { return v_.n; }

  std::vector<int> encode(const std::string& text, bool bos, bool eos) const {
    if (text.size() > (1u << 26)) throw ValueErr("Tokenizer.encode: text longer than 64 MiB");
    int len = static_cast<int>(text.size());
    std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(len)));
    int n = 0;
    char err[256];
    if (nm_tok_encode(&v_, text.data(), len, bos, eos, ids.data(), static_cast<int>(ids.size()), &n, err,
                      sizeof err) != 0)
      throw ValueErr(std::string("Tokenizer.encode: ") + err);
    ids.resize(static_cast<size_t>(n));
    return ids;
  }

  py::bytes decode_bytes(const std::vector<long long>& ids) const {
    std::vector<int> v;
    for (size_t i = 0; i < ids.size(); i++) {
      check_token(ids[i], v_.n, "Tokenizer.decode: ids[" + std::to_string(i) + "]");
      v.push_back(static_cast<int>(ids[i]));
    }
    int len = 0;
    char err[256];
    if (nm_tok_decode(&v_, v.data(), static_cast<int>(v.size()), nullptr, 0, &len, err, sizeof err) != 0)
      throw ValueErr(std::string("Tokenizer.decode: ") + err);
    std::string out(static_cast<size_t>(len), '\0');
    if (nm_tok_decode(&v_, v.data(), static_cast<int>(v.size()), out.data(), len, &len, err, sizeof err) != 0)
      throw ValueErr(std::string("Tokenizer.decode: ") + err);
    out.resize(static_cast<size_t>(len));
    return py::bytes(out);
  }

 private:
  nm_vocab v_{};
};

struct Model {
  RefModel m;
  std::shared_ptr<Tokenizer> tokenizer;
  std::string path;
  Model(const std::string& p) : m(p, ref::Mode::llama2c), path(p) {}
};

py::array_t<float> forward(Model& md, long long token, long long pos) {
  std::vector<double> l = md.m.forward(token, pos, "Model.forward");
  py::array_t<float> a(static_cast<py::ssize_t>(l.size()));
  float* p = a.mutable_data();
  for (size_t i = 0; i < l.size(); i++) p[i] = static_cast<float>(l[i]);  // float32 values widened by the reference
  return a;
}

std::vector<int> generate(const Model& md, const std::vector<long long>& prompt, long long steps,
                          float temperature, float topp, uint64_t seed) {
  const auto& c = md.m.ck.config;
  std::vector<int> p = check_prompt(prompt, c.vocab_size, c.seq_len, "Model.generate");
  int s = check_int(steps, "Model.generate: argument 'steps'", 0, INT_MAX);
  if (!(temperature >= 0)) throw ValueErr("Model.generate: argument 'temperature' must be >= 0");
  if (topp != topp) throw ValueErr("Model.generate: argument 'topp' must not be NaN");
  return ref::generate(md.m.ck, ref::Mode::llama2c, p, s, temperature, topp, seed).tokens;
}

}  // namespace

void bind_model(py::module_& m) {
  using py::arg;
  py::class_<Tokenizer, std::shared_ptr<Tokenizer>>(m, "Tokenizer", "The engine's BPE tokenizer (engine/tokenizer.h).")
      .def(py::init<const std::string&, long long>(), arg("path"), arg("vocab_size") = 0,
           "Reads a llama2.c tokenizer.bin; vocab_size > 0 requires exactly that many tokens.")
      .def("__len__", &Tokenizer::size)
      .def("encode", &Tokenizer::encode, arg("text"), arg("bos") = true, arg("eos") = false)
      .def("decode_bytes", &Tokenizer::decode_bytes, arg("ids"))
      .def(
          "decode",
          [](const Tokenizer& t, const std::vector<long long>& ids) {
            py::bytes b = t.decode_bytes(ids);
            return b.attr("decode")("utf-8", "replace").cast<std::string>();
          },
          arg("ids"), "Text of ids (invalid UTF-8 replaced by U+FFFD; decode_bytes gives the raw bytes).");

  py::class_<Model>(m, "Model", "A loaded model: config, forward, generate, tokenizer.")
      .def_property_readonly("config",
                             [](const Model& md) {
                               py::dict d = config_dict(md.m.ck.config);
                               d["format"] = "llama2c-v0";
                               d["backend"] = "ref-llama2c";
                               return d;
                             })
      .def_readonly("path", &Model::path)
      .def_readonly("tokenizer", &Model::tokenizer)
      .def("forward", &forward, arg("token"), arg("pos"),
           "float32 logits (vocab_size,) of token at pos; positions are fed in order from 0 "
           "(restarting at 0 or repeating an earlier position overwrites the cache).")
      .def("reset", [](Model& md) { md.m.reset(); }, "Starts over at position 0.")
      .def("generate", &generate, arg("prompt_tokens"), arg("steps"), arg("temperature") = 0.0f, arg("topp") = 0.9f,
           arg("seed") = 1ULL,
           "run.c's generate loop from a fresh cache: prompt, then sampled tokens until BOS or `steps` "
           "positions. Returns the token ids (prompt[0], then one per position).");
  m.def(
      "load",
      [](const std::string& path, const py::object& tokenizer) {
        auto md = std::make_unique<Model>(path);
        if (!tokenizer.is_none())
          md->tokenizer = std::make_shared<Tokenizer>(tokenizer.cast<std::string>(), md->m.ck.config.vocab_size);
        return md;
      },
      arg("path"), arg("tokenizer") = py::none(),
      "Loads a llama2.c v0 checkpoint; tokenizer= a tokenizer.bin with the model's vocab_size.");
}

}  // namespace p9ml
