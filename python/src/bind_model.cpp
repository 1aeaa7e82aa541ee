// Models from Python: p9ml.load(path) -> Model over the ENGINE: nm_model_load
// (every format the loader knows, detected by content), nm_forward with a
// kernel table (scalar by default), nm_generate with run.c's sampler, the
// embedded vocabulary (GGUF) as the tokenizer when the file has one, and
// weights() dequantized to float32 in llama2.c naming (for the oracle).
// The reference Transformer stays available as p9ml.reference.Transformer.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <climits>
#include <cstring>
#include <memory>

#include "arrays.hpp"
#include "paths.hpp"
#include "impl_select.hpp"
#include "model_checks.hpp"
#include "writers.hpp"

extern "C" {
#include "formats/formats.h"
#include "kernels.h"
#include "model/forward.h"
#include "model/generate.h"
#include "tokenizer.h"
}

namespace p9ml {

namespace {

// "q4_k" for kernels.h's NM_BLK_* index (nm_block_name gives "Q4_K").
const char* block_type_name(int blk) {
  static const char* names[NM_BLK_COUNT] = {"q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"};
  return names[blk];
}

// The engine's tokenizer over a llama2.c tokenizer.bin or a model's embedded vocabulary.
class Tokenizer {
 public:
  Tokenizer(const std::string& path, long long vocab_size) {
    int n = check_int(vocab_size, "Tokenizer: argument 'vocab_size'", 0, NM_TOK_MAX_VOCAB);
    char err[256];
    if (nm_vocab_from_file(&v_, path.c_str(), n, err, sizeof err) != 0) throw ValueErr(err);
  }
  explicit Tokenizer(const nm_model& m) {
    char err[256];
    if (nm_vocab_from_model(&v_, &m, err, sizeof err) != 0) throw ValueErr(err);
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

// A model loaded by the engine, its run state and the kernel table it runs on.
class Model {
 public:
  Model(const std::string& p, const std::string& impl) : path(p) {
    ImplChoice c = select_impl(impl, "load");
    if (c.kind != ImplChoice::engine)
      throw ValueErr("load: argument 'impl' must name an engine kernel table (engine-scalar, engine-<level>), got '" +
                     impl + "'; the reference runs as p9ml.reference.Transformer");
    exec_.k = c.table;
    exec_.pool = nullptr;
    backend = c.name;
    char err[512];
    if (nm_model_load(&m_, p.c_str(), err, sizeof err) != 0) throw ValueErr(err);
    if (nm_model_pack(&m_, exec_.k) != 0) {
      nm_model_free(&m_);
      throw ValueErr(p + ": out of memory packing the Q8 weights");
    }
    const char* why = nullptr;
    s_ = nm_state_new(&m_, &why);
    if (s_ == nullptr) {
      nm_model_free(&m_);
      throw ValueErr(p + ": " + (why ? why : "cannot allocate the run state"));
    }
  }
  ~Model() {
    tokenizer.reset();
    nm_state_free(s_);
    nm_model_free(&m_);
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const nm_config& cfg() const { return m_.cfg; }
  const nm_model& model() const { return m_; }

  py::array_t<float> forward(long long token, long long pos) {
    const char* where = "Model.forward";
    check_token(token, cfg().vocab_size, where);
    check_position(pos, cfg().seq_len, next_pos_, where);
    float* l = nm_forward(s_, &m_, &exec_, static_cast<int>(token), static_cast<int>(pos));
    if (l == nullptr) throw ValueErr("Model.forward: the engine refused token " + std::to_string(token) +
                                     " at position " + std::to_string(pos));
    next_pos_ = static_cast<int>(pos) + 1;
    py::array_t<float> a(static_cast<py::ssize_t>(cfg().vocab_size));
    std::memcpy(a.mutable_data(), l, sizeof(float) * static_cast<size_t>(cfg().vocab_size));
    return a;
  }

  void reset() { next_pos_ = 0; }

  std::vector<int> generate(const std::vector<long long>& prompt, long long steps, float temperature, float topp,
                            uint64_t seed) {
    const char* where = "Model.generate";
    std::vector<int> p = check_prompt(prompt, cfg().vocab_size, cfg().seq_len, where);
    int s = check_int(steps, "Model.generate: argument 'steps'", 0, INT_MAX);
    if (!(temperature >= 0)) throw ValueErr("Model.generate: argument 'temperature' must be >= 0");
    if (topp != topp) throw ValueErr("Model.generate: argument 'topp' must not be NaN");
    int budget = (s <= 0 || s > cfg().seq_len) ? cfg().seq_len : s;
    if (static_cast<int>(p.size()) > budget)
      throw ValueErr("Model.generate: prompt of " + std::to_string(p.size()) + " tokens is longer than steps " +
                     std::to_string(budget));
    nm_sampler sp{};
    if (nm_sampler_init(&sp, cfg().vocab_size, temperature, topp, seed) != 0)
      throw ValueErr("Model.generate: cannot allocate the sampler");
    std::vector<int> out{p[0]};
    nm_gen_callbacks cb{};
    cb.on_token = [](void* arg, int, int token) { static_cast<std::vector<int>*>(arg)->push_back(token); };
    cb.arg = &out;
    int n = nm_generate(s_, &m_, &exec_, &sp, p.data(), static_cast<int>(p.size()), s, &cb);
    nm_sampler_free(&sp);
    if (n < 0) throw ValueErr("Model.generate: the engine refused the prompt");
    next_pos_ = n;
    // Every position yields the next token; only a terminating BOS is not
    // reported by on_token. Record it, as the reference does.
    if (static_cast<int>(out.size()) == n) out.push_back(NM_TOKEN_BOS);
    return out;
  }

  py::dict config() const {
    const nm_config& c = cfg();
    py::dict d;
    d["arch"] = std::string(c.arch);
    d["dim"] = c.dim;
    d["hidden_dim"] = c.hidden_dim;
    d["n_layers"] = c.n_layers;
    d["n_heads"] = c.n_heads;
    d["n_kv_heads"] = c.n_kv_heads;
    d["vocab_size"] = c.vocab_size;
    d["seq_len"] = c.seq_len;
    d["shared_classifier"] = static_cast<bool>(c.shared_classifier);
    d["rope_theta"] = c.rope_theta;
    d["norm_eps"] = c.norm_eps;
    d["sliding_window"] = c.sliding_window;
    d["qkv_bias"] = static_cast<bool>(c.qkv_bias);
    d["rope_neox"] = static_cast<bool>(c.rope_neox);
    if (c.rope_scaling.factor > 0) {
      py::dict rs;
      rs["factor"] = c.rope_scaling.factor;
      rs["low_freq_factor"] = c.rope_scaling.low_freq_factor;
      rs["high_freq_factor"] = c.rope_scaling.high_freq_factor;
      rs["original_max_position"] = c.rope_scaling.original_max_position;
      d["rope_scaling"] = rs;
    } else {
      d["rope_scaling"] = py::none();
    }
    d["format"] = std::string(m_.format);
    d["backend"] = backend;
    // How the products run: the stored type of the layer matrices and the
    // group size of the activation quantization (0 for float32).
    const nm_tensor& w = m_.wq[0];
    d["weight_type"] = w.type == NM_T_Q8    ? "q8"
                       : w.type == NM_T_Q4_0 ? "q4_0"
                       : w.type == NM_T_F16  ? "f16"
                       : w.type == NM_T_BF16 ? "bf16"
                       : w.type >= NM_T_Q5_0 && w.type <= NM_T_Q6_K
                           ? block_type_name(w.type - NM_T_Q5_0)
                           : "f32";
    d["group_size"] = w.type == NM_T_Q8 ? w.group_size : w.type == NM_T_F32 || w.type == NM_T_F16 || w.type == NM_T_BF16 ? 0 : 32;
    return d;
  }

  // Every weight as float32 (dequantized), llama2.c names and shapes.
  py::dict weights() const {
    const nm_config& c = cfg();
    const size_t L = static_cast<size_t>(c.n_layers);
    auto stacked = [&](const nm_tensor* ts) {
      const nm_tensor& t0 = ts[0];
      py::array_t<float> a({static_cast<py::ssize_t>(L), static_cast<py::ssize_t>(t0.rows),
                            static_cast<py::ssize_t>(t0.cols)});
      float* p = a.mutable_data();
      const size_t n = static_cast<size_t>(t0.rows) * static_cast<size_t>(t0.cols);
      for (size_t l = 0; l < L; l++) {
        std::vector<float> f = nineml::writers::tensor_floats(ts[l]);
        std::memcpy(p + l * n, f.data(), n * sizeof(float));
      }
      return a;
    };
    auto matrix = [](const nm_tensor& t) {
      py::array_t<float> a({static_cast<py::ssize_t>(t.rows), static_cast<py::ssize_t>(t.cols)});
      std::vector<float> f = nineml::writers::tensor_floats(t);
      std::memcpy(a.mutable_data(), f.data(), f.size() * sizeof(float));
      return a;
    };
    auto floats = [](const float* src, std::vector<py::ssize_t> shape) {
      py::array_t<float> a(shape);
      std::memcpy(a.mutable_data(), src, static_cast<size_t>(a.size()) * sizeof(float));
      return a;
    };
    py::dict d;
    try {
      d["token_embedding"] = matrix(m_.token_embedding);
      d["rms_att"] = floats(m_.rms_att, {static_cast<py::ssize_t>(L), c.dim});
      d["wq"] = stacked(m_.wq);
      d["wk"] = stacked(m_.wk);
      d["wv"] = stacked(m_.wv);
      d["wo"] = stacked(m_.wo);
      d["rms_ffn"] = floats(m_.rms_ffn, {static_cast<py::ssize_t>(L), c.dim});
      d["w1"] = stacked(m_.w1);
      d["w2"] = stacked(m_.w2);
      d["w3"] = stacked(m_.w3);
      d["rms_final"] = floats(m_.rms_final, {c.dim});
      d["wcls"] = c.shared_classifier ? d["token_embedding"] : py::object(matrix(m_.wcls));
      if (c.qkv_bias) {  // Qwen2: q and k in memory's pairwise RoPE order, as wq and wk
        const py::ssize_t kv = c.dim / c.n_heads * c.n_kv_heads;
        d["bq"] = floats(m_.bq, {static_cast<py::ssize_t>(L), c.dim});
        d["bk"] = floats(m_.bk, {static_cast<py::ssize_t>(L), kv});
        d["bv"] = floats(m_.bv, {static_cast<py::ssize_t>(L), kv});
      }
    } catch (const std::runtime_error& e) {
      throw ValueErr(std::string("Model.weights: ") + e.what());
    }
    return d;
  }

  std::string path;
  std::string backend;
  std::shared_ptr<Tokenizer> tokenizer;

 private:
  nm_model m_{};
  nm_state* s_ = nullptr;
  nm_exec exec_{};
  int next_pos_ = 0;
};

}  // namespace

void bind_model(py::module_& m) {
  using py::arg;
  py::class_<Tokenizer, std::shared_ptr<Tokenizer>>(m, "Tokenizer", "The engine's BPE tokenizer (engine/tokenizer.h).")
      .def(py::init([](const py::object& path, long long vocab_size) {
             return std::make_shared<Tokenizer>(input_file(path, "Tokenizer"), vocab_size);
           }),
           arg("path"), arg("vocab_size") = 0,
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

  py::class_<Model>(m, "Model", "A model loaded by the engine: config, forward, generate, weights, tokenizer.")
      .def_property_readonly("config", &Model::config)
      .def_readonly("path", &Model::path)
      .def_readonly("tokenizer", &Model::tokenizer)
      .def("forward", &Model::forward, arg("token"), arg("pos"),
           "float32 logits (vocab_size,) of token at pos (nm_forward); positions are fed in order from 0 "
           "(restarting at 0 or repeating an earlier position overwrites the cache).")
      .def("reset", &Model::reset, "Starts over at position 0.")
      .def("generate", &Model::generate, arg("prompt_tokens"), arg("steps"), arg("temperature") = 0.0f,
           arg("topp") = 0.9f, arg("seed") = 1ULL,
           "run.c's generate loop (nm_generate) from position 0: prompt, then sampled tokens until BOS or "
           "`steps` positions. Returns the token ids (prompt[0], then one per position, a terminating BOS "
           "included).")
      .def("weights", &Model::weights,
           "Every weight as a float32 array (quantized tensors dequantized), llama2.c names and shapes: "
           "token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, wcls.");
  m.def(
      "load",
      [](const py::object& path_obj, const py::object& tokenizer, const std::string& impl) {
        const std::string path = input_file(path_obj, "load");
        const std::string tok = tokenizer.is_none() ? "" : input_file(tokenizer, "load: tokenizer");
        auto md = std::make_unique<Model>(path, impl);
        if (!tokenizer.is_none())
          md->tokenizer = std::make_shared<Tokenizer>(tok, md->cfg().vocab_size);
        else if (md->model().vocab_n > 0)
          md->tokenizer = std::make_shared<Tokenizer>(md->model());
        return md;
      },
      arg("path"), arg("tokenizer") = py::none(), py::kw_only(), arg("impl") = "engine-scalar",
      "Loads a model in any format the engine reads (llama2.c v0/v1/v2, GGUF, safetensors; detected by "
      "content). tokenizer= a tokenizer.bin with the model's vocab_size; without it the model's embedded "
      "vocabulary when it has one, else None. impl= the kernel table (engine-scalar, engine-<level>).");
}

}  // namespace p9ml
