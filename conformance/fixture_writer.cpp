#include "fixture_writer.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "reference.hpp"
#include "bpe_vocab_gen.hpp"
#include "vocab_gen.hpp"
#include "writers.hpp"

namespace nineml::conformance {

namespace fs = std::filesystem;

const std::vector<ModelFixture>& model_fixtures() {
  static const std::vector<ModelFixture> m = {
      {"tiny-shared", 64, 172, 2, 4, 2, 96, 64, true},
      {"small-unshared", 128, 344, 3, 8, 4, 256, 128, false},
  };
  return m;
}

FixtureSummary write_fixtures(const Selection& s, const std::string& dir,
                              const std::function<void(size_t, size_t)>& progress) {
  FixtureSummary sum;
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "cases", ec);
  fs::create_directories(fs::path(dir) / "models", ec);
  if (ec) throw std::runtime_error(dir + ": cannot create directory: " + ec.message());
  auto cases = select_cases(s);
  nlohmann::json manifest;
  manifest["schema_version"] = 1;
  manifest["seed"] = s.seed;
  manifest["cases"] = nlohmann::json::array();
  std::map<std::string, int> per_kernel;
  for (size_t i = 0; i < cases.size(); i++) {
    const auto& [k, spec] = cases[i];
    int index = per_kernel[k->name()]++;
    fs::path kdir = fs::path(dir) / "cases" / k->name();
    fs::create_directories(kdir, ec);
    nlohmann::json jc;
    jc["key"] = spec.key();
    jc["kernel"] = k->name();
    jc["distribution"] = spec.dist;
    jc["seed"] = spec.seed;
    jc["tolerance"] = k->tolerance_kind();
    for (const auto& [name, value] : spec.params) jc["shape"][name] = value;
    for (const Tensor& t : k->inputs(spec)) {
      char file[64];
      std::snprintf(file, sizeof file, "%04d-%s.npy", index, t.name.c_str());
      fixtures::NpyArray a = t.to_npy();
      fixtures::npy_write((kdir / file).string(), a);
      sum.files++;
      sum.bytes += a.data.size();
      jc["inputs"].push_back({{"name", t.name},
                              {"file", "cases/" + k->name() + "/" + file},
                              {"dtype", a.dtype},
                              {"shape", a.shape}});
    }
    manifest["cases"].push_back(std::move(jc));
    sum.cases++;
    if (progress) progress(i + 1, cases.size());
  }
  manifest["models"] = nlohmann::json::array();
  for (const auto& m : model_fixtures()) {
    ref::Config cfg;
    cfg.dim = m.dim;
    cfg.hidden_dim = m.hidden_dim;
    cfg.n_layers = m.n_layers;
    cfg.n_heads = m.n_heads;
    cfg.n_kv_heads = m.n_kv_heads;
    cfg.vocab_size = m.vocab_size;
    cfg.seq_len = m.seq_len;
    cfg.shared_classifier = m.shared_classifier;
    std::string file = "models/" + m.name + ".bin";
    ref::save_v0(fixtures::make_checkpoint(cfg, s.seed), (fs::path(dir) / file).string());
    manifest["models"].push_back({{"name", m.name}, {"file", file}, {"format", "llama2c-v0"},
                                  {"seed", s.seed}, {"dim", m.dim}, {"hidden_dim", m.hidden_dim},
                                  {"n_layers", m.n_layers}, {"n_heads", m.n_heads},
                                  {"n_kv_heads", m.n_kv_heads}, {"vocab_size", m.vocab_size},
                                  {"seq_len", m.seq_len}, {"shared_classifier", m.shared_classifier}});
    sum.models++;
  }
  // The same weights for every architecture plugin in every format the
  // writers produce (llama2.c files carry llama2 only): models/ARCH-FORMAT/.
  manifest["arch_models"] = nlohmann::json::array();
  for (const std::string& arch : fixtures::fixture_architectures()) {
    ref::Checkpoint ck = fixtures::make_checkpoint(fixtures::arch_config(arch), s.seed);
    fixtures::snap_to_half_exact(ck);
    EngineModel source(ck, ref::Quant{ref::Storage::f32, 32}, arch);
    source.attach_test_vocab();  // GGUF files embed it (tokenizer.ggml.*)
    for (const std::string& target : writers::target_names()) {
      if ((target == "v0" || target == "v1" || target == "v2") && arch != "llama2") continue;
      std::string file = "models/" + arch + "-" + target + "/model.bin";
      fs::create_directories(fs::path(dir) / ("models/" + arch + "-" + target), ec);
      // safetensors fixtures get their config.json: the directory is the fixture
      writers::write_model(*source.get(), (fs::path(dir) / file).string(), *writers::parse_target(target),
                           {.config_json = true});
      manifest["arch_models"].push_back(
          {{"arch", arch}, {"format", target}, {"file", file}, {"seed", s.seed}, {"half_exact_weights", true},
           {"embedded_vocabulary", target.rfind("gguf", 0) == 0 ? "test-vocab" : ""}});
      sum.models++;
    }
  }
  // GGUF K-quant models whose matrices the K types really hold (dim 256,
  // hidden 512: fixtures::kquant_config), written by the K-quant writer:
  // models/ARCH-kshape-FORMAT/ (llama2: shared classifier, mistral and
  // qwen2: their own).
  for (const std::string arch : {"llama2", "mistral", "qwen2"}) {
    ref::Checkpoint ck = fixtures::make_checkpoint(fixtures::kquant_config(arch), s.seed);
    fixtures::snap_to_half_exact(ck);
    EngineModel source(ck, ref::Quant{ref::Storage::f32, 32}, arch);
    source.attach_test_vocab();
    for (const std::string target : {"gguf-q4_k_m", "gguf-q5_k_m", "gguf-q6_k"}) {
      const std::string sub = "models/" + arch + "-kshape-" + target;
      fs::create_directories(fs::path(dir) / sub, ec);
      writers::write_model(*source.get(), (fs::path(dir) / sub / "model.bin").string(), *writers::parse_target(target));
      manifest["arch_models"].push_back({{"arch", arch}, {"format", target}, {"file", sub + "/model.bin"},
                                         {"seed", s.seed}, {"half_exact_weights", true},
                                         {"embedded_vocabulary", "test-vocab"}, {"shape", "kquant"}});
      sum.models++;
    }
  }
  // The generated llama2.c tokenizer.bin (fixtures/vocab_gen.hpp) and
  // byte-level BPE vocabulary (fixtures/bpe_vocab_gen.hpp, Llama 3's
  // pre-tokenizer).
  fs::create_directories(fs::path(dir) / "vocab", ec);
  fixtures::write_test_vocab((fs::path(dir) / "vocab" / "test-vocab.bin").string());
  fixtures::write_bpe_test_vocab((fs::path(dir) / "vocab" / "test-bpe-vocab.gguf").string(), "llama-bpe");
  {
    const std::string json_path = (fs::path(dir) / "vocab" / "test-bpe-tokenizer.json").string();
    std::ofstream j(json_path);
    j << fixtures::bpe_test_vocab_json("llama-bpe");
    if (!j) throw std::runtime_error(json_path + ": write failed");
  }
  manifest["vocabularies"] = nlohmann::json::array(
      {{{"name", "test-vocab"}, {"file", "vocab/test-vocab.bin"}, {"format", "llama2c-tokenizer"},
        {"vocab_size", fixtures::test_vocab().size()}},
       {{"name", "test-bpe-vocab"}, {"file", "vocab/test-bpe-vocab.gguf"}, {"format", "gguf-vocab"},
        {"vocab_size", static_cast<int>(fixtures::BPE_N_TOKENS)}},
       {{"name", "test-bpe-vocab"}, {"file", "vocab/test-bpe-tokenizer.json"}, {"format", "hf-tokenizer-json"},
        {"vocab_size", static_cast<int>(fixtures::BPE_N_TOKENS)}}});
  std::ofstream f(fs::path(dir) / "manifest.json");
  if (!f) throw std::runtime_error(dir + "/manifest.json: cannot open for writing");
  f << manifest.dump(1) << "\n";
  if (!f) throw std::runtime_error(dir + "/manifest.json: write failed");
  return sum;
}

}  // namespace nineml::conformance
