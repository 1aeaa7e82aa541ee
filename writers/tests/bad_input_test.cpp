// Bad input: every case is a one-line "PATH: problem" error, never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

using namespace fmt_test;
namespace w = nineml::writers;

namespace {

struct Bad : ::testing::Test {
  TmpDir d;
  nm_model src{};
  void SetUp() override {
    auto ck = checkpoint(true);
    nineml::ref::save_v0(ck, d.file("src.bin"));
    ASSERT_EQ(load(src, d.file("src.bin")), "");
  }
  void TearDown() override { nm_model_free(&src); }
  // Loads path and returns the error (must be one line starting with the path).
  std::string error(const std::string& path) {
    nm_model m;
    std::string e = load(m, path);
    EXPECT_NE(e, "") << "loaded: " << path;
    EXPECT_EQ(e.find('\n'), std::string::npos);
    EXPECT_EQ(e.rfind(path + ": ", 0), 0u) << e;
    return e.substr(std::min(e.size(), path.size() + 2));
  }
  std::vector<uint8_t> bytes(w::Target t) {
    w::write_model(src, d.file("tmp"), t, {.config_json = true});
    return read_bytes(d.file("tmp"));
  }
  std::string with(const std::vector<uint8_t>& b, const std::string& name = "bad") {
    write_bytes(d.file(name), b);
    return d.file(name);
  }
};

// A safetensors file rebuilt with an edited header (and extra data bytes).
std::vector<uint8_t> st_edit(const std::vector<uint8_t>& b, const std::function<void(nlohmann::json&)>& edit,
                             size_t extra_bytes = 0) {
  uint64_t n = get64(b, 0);
  auto h = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  edit(h);
  std::string text = h.dump();
  while (text.size() % 8 != 0) text += ' ';
  std::vector<uint8_t> out(8 + text.size());
  put64(out, 0, text.size());
  std::memcpy(out.data() + 8, text.data(), text.size());
  out.insert(out.end(), b.begin() + 8 + static_cast<std::ptrdiff_t>(n), b.end());
  out.resize(out.size() + extra_bytes, 0);
  return out;
}
uint64_t st_data_size(const std::vector<uint8_t>& b) { return b.size() - 8 - get64(b, 0); }

size_t find(const std::vector<uint8_t>& b, const std::string& s) {
  auto it = std::search(b.begin(), b.end(), s.begin(), s.end());
  EXPECT_NE(it, b.end()) << s;
  return static_cast<size_t>(it - b.begin());
}

TEST_F(Bad, MissingFile) {
  EXPECT_EQ(error(d.file("nope")), "cannot open (No such file or directory)");
}

TEST_F(Bad, TinyFile) {
  EXPECT_EQ(error(with({1, 2, 3})), "file too small (3 bytes) to be a model: not GGUF, safetensors or llama2.c");
}

TEST_F(Bad, TruncatedV0) {
  auto b = read_bytes(d.file("src.bin"));
  size_t full = b.size();
  b.resize(full - 100);
  EXPECT_EQ(error(with(b)),
            "unrecognized format (no GGUF, llama2.c v1/v2 or safetensors header); as llama2.c v0: llama2.c v0 header "
            "(dim 64, hidden_dim 96, n_layers 2, n_heads 4, n_kv_heads 2, vocab_size 40, seq_len 16) implies " +
                std::to_string(full) + " bytes but the file has " + std::to_string(full - 100));
}

TEST_F(Bad, WrongMagicZeros) {
  EXPECT_EQ(error(with(std::vector<uint8_t>(300, 0))),
            "unrecognized format (no GGUF, llama2.c v1/v2 or safetensors header); as llama2.c v0: dim must be positive, got 0");
}

TEST_F(Bad, UnsupportedVersions) {
  auto b = bytes(w::Target::v1);
  put32(b, 4, 7);
  EXPECT_EQ(error(with(b)), "unsupported llama2.c version 7 (known: 1, 2)");
  auto g = bytes(w::Target::gguf_f32);
  put32(g, 4, 9);
  EXPECT_EQ(error(with(g)), "unsupported GGUF version 9 (known: 2, 3)");
}

TEST_F(Bad, TruncatedV1AndGguf) {
  auto b = bytes(w::Target::v1);
  b.resize(200);
  EXPECT_EQ(error(with(b)), "truncated llama2.c header: 200 bytes, need 256");
  auto g = bytes(w::Target::gguf_f32);
  g.resize(20);
  EXPECT_EQ(error(with(g)), "truncated GGUF header: 20 bytes, need 24");
  g = bytes(w::Target::gguf_f32);
  g.resize(300);
  EXPECT_EQ(error(with(g)), "GGUF tensor count 20 is more than the file can hold");
  g = bytes(w::Target::gguf_f32);
  g.resize(1000);
  EXPECT_EQ(error(with(g)), "truncated GGUF tensor infos");
}

TEST_F(Bad, HeaderDimensionsOverflowOrDisagree) {
  auto b = bytes(w::Target::v1);
  put32(b, 8, 0x7ffffffe);   // dim
  put32(b, 12, 0x7ffffffe);  // hidden_dim
  put32(b, 20, 2);
  put32(b, 24, 2);
  std::string e = error(with(b));
  EXPECT_NE(e.find("llama2.c v1 header (dim 2147483646, hidden_dim 2147483646"), std::string::npos) << e;
  EXPECT_NE(e.find("but the file has"), std::string::npos) << e;
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "token_embd.weight") + 17;  // n_dims, then ne[0], ne[1]
  put64(g, at + 4, 1ULL << 40);
  put64(g, at + 12, 1ULL << 40);
  EXPECT_EQ(error(with(g)), "tensor 'token_embd.weight' has a shape whose size overflows");
  g = bytes(w::Target::gguf_f32);
  put64(g, 16, 1ULL << 60);
  EXPECT_EQ(error(with(g)), "GGUF metadata count 1152921504606846976 is more than the file can hold");
}

// Found by fuzz_gguf: a huge layer count must fail at once, not walk 2^31 layers.
TEST_F(Bad, HugeLayerCountFailsFast) {
  auto b = bytes(w::Target::v1);
  put32(b, 16, 0x7fffffff);  // n_layers
  std::string e = error(with(b));
  EXPECT_NE(e.find("n_layers 2147483647 needs more bytes than the file has ("), std::string::npos) << e;
}

// Found by fuzz_gguf: a tensor name holding a newline must not break the
// one-line error (error() asserts a single line); control bytes print as '?'.
TEST_F(Bad, ControlBytesInNamesKeepErrorsOnOneLine) {
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "token_embd.weight");
  g[at + 5] = '\n';
  EXPECT_EQ(error(with(g)), "missing tensor 'token_embd.weight'");
  put32(g, at + 17, 99);  // n_dims, so that the message quotes the file's name
  EXPECT_EQ(error(with(g)), "tensor 'token?embd.weight' has 99 dimensions (1 to 4 supported)");
}

TEST_F(Bad, TensorPastTheEnd) {
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "blk.1.ffn_up.weight") + 19 + 4 + 16 + 4;  // offset field
  put64(g, at, 1ULL << 20);
  std::string e = error(with(g));
  EXPECT_EQ(e.rfind("tensor 'blk.1.ffn_up.weight' (offset 1048576, 24576 bytes) extends past the end of the file (", 0), 0u) << e;
  auto s = bytes(w::Target::safetensors_f32);
  s.resize(s.size() - 4);
  e = error(with(s, "x.safetensors"));
  EXPECT_NE(e.find("extends past the end of the file"), std::string::npos) << e;
}

TEST_F(Bad, UnknownDtypes) {
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "blk.0.attn_q.weight") + 19 + 4 + 16;  // type field
  put32(g, at, 3);
  EXPECT_EQ(error(with(g)), "tensor 'blk.0.attn_q.weight' has unsupported GGML type 3 (supported: F32 0, F16 1, Q4_0 2, "
                           "Q5_0 6, Q5_1 7, Q8_0 8, Q2_K 10, Q3_K 11, Q4_K 12, Q5_K 13, Q6_K 14, BF16 30)");
  auto s = bytes(w::Target::safetensors_f16);
  size_t p = find(s, "\"F16\"");
  s[p + 1] = 'I';
  s[p + 2] = '1';
  s[p + 3] = '6';
  std::string e = error(with(s, "y.safetensors"));
  EXPECT_NE(e.find("has unsupported dtype 'I16' (supported: F32, F16, BF16)"), std::string::npos) << e;
}

// A block type needs whole blocks per row (ne[0]): 256 for the K-quants.
TEST_F(Bad, PartialBlocks) {
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "blk.0.attn_q.weight") + 19 + 4 + 16;  // type field
  put32(g, at, 12);
  EXPECT_EQ(error(with(g)), "tensor 'blk.0.attn_q.weight' is Q4_K with a row length of " + std::to_string(src.cfg.dim) +
                                ", not a multiple of its block size 256");
}

TEST_F(Bad, NonPositiveSizes) {
  auto b = bytes(w::Target::v1);
  put32(b, 28, 0);  // vocab
  EXPECT_NE(error(with(b)).find("vocab_size must be positive, got 0"), std::string::npos);
  src.cfg.seq_len = 0;
  w::write_model(src, d.file("z.gguf"), w::Target::gguf_f32);
  EXPECT_EQ(error(d.file("z.gguf")), "seq_len must be positive, got 0");
  src.cfg.seq_len = 16;
  auto g = bytes(w::Target::gguf_f32);
  put32(g, find(g, "llama.attention.head_count_kv") + 29 + 4, 0);
  EXPECT_EQ(error(with(g)), "n_kv_heads must be positive, got 0");
}

TEST_F(Bad, HeadsNotDivisible) {
  auto b = bytes(w::Target::v1);
  put32(b, 24, 3);
  EXPECT_NE(error(with(b)).find("n_heads 4 is not divisible by n_kv_heads 3"), std::string::npos);
  auto g = bytes(w::Target::gguf_f32);
  put32(g, find(g, "llama.attention.head_count_kv") + 29 + 4, 3);
  EXPECT_EQ(error(with(g)), "n_heads 4 is not divisible by n_kv_heads 3");
}

TEST_F(Bad, UnknownArchitecture) {
  auto g = bytes(w::Target::gguf_f32);
  size_t p = find(g, "general.architecture") + 20 + 4 + 8;
  std::memcpy(g.data() + p, "gpt2x", 5);
  EXPECT_EQ(error(with(g)), "unknown architecture 'gpt2x' (known: llama2, llama3, mistral, qwen2)");
  w::write_model(src, d.file("m.safetensors"), w::Target::safetensors_f32, {.config_json = true});
  auto c = read_bytes(d.file("config.json"));
  std::string text(c.begin(), c.end());
  text.replace(text.find("\"llama\""), 7, "\"gpt2\"");
  text.replace(text.find("LlamaForCausalLM"), 16, "GPT2LMHeadModel");
  write_bytes(d.file("config.json"), std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_EQ(error(d.file("m.safetensors")), "unknown architecture 'gpt2' (known: llama2, llama3, mistral, qwen2)");
}

TEST_F(Bad, SafetensorsHeaderProblems) {
  std::vector<uint8_t> b(8, 0);
  put64(b, 0, 5);
  std::string t = "{\"a\":";
  b.insert(b.end(), t.begin(), t.end());
  EXPECT_EQ(error(with(b, "h.safetensors")), "safetensors header: JSON: unexpected end of text at byte 5");
  w::write_model(src, d.file("m.safetensors"), w::Target::safetensors_f32, {.config_json = true});
  std::remove(d.file("config.json").c_str());
  nm_model m;  // the error leads with the model, then names the missing config.json
  EXPECT_EQ(load(m, d.file("m.safetensors")),
            d.file("m.safetensors") + ": " + d.file("config.json") + ": cannot open (No such file or directory)");
  // The same from memory (the fuzz targets' contract: every load error
  // leads with the name the model was loaded under); config.json is
  // looked for beside that name.
  auto bytes = read_bytes(d.file("m.safetensors"));
  const std::string name = d.file("nowhere/mem");
  char err[512] = "";
  nm_model mm;
  ASSERT_NE(nm_model_load_memory(&mm, name.c_str(), bytes.data(), bytes.size(), err, sizeof err), 0);
  EXPECT_EQ(std::string(err), name + ": " + d.file("nowhere/config.json") + ": cannot open (No such file or directory)");
}

// Issue 16: counts and sizes are checked against the bytes present, never
// trusted. An array whose length overflowed the size computation used to
// end the metadata loop without an error, and the model loaded.
TEST_F(Bad, GgufArrayLongerThanTheFile) {
  Gguf g(bytes(w::Target::gguf_f32));
  std::vector<uint8_t> v(12);
  put32(v, 0, 10);            // element type u64
  put64(v, 4, 1ULL << 62);    // count; no elements follow
  g.kv("bad.huge", 9, v);
  EXPECT_EQ(error(with(g.bytes())), "GGUF array of 4611686018427387904 elements is more than the file can hold (key 'bad.huge')");
  // A string array: every element needs at least its 8-byte length.
  g = Gguf(bytes(w::Target::gguf_f32));
  put32(v, 0, 8);
  put64(v, 4, 1000000);
  g.kv("bad.strs", 9, v);
  EXPECT_EQ(error(with(g.bytes())), "GGUF array of 1000000 elements is more than the file can hold (key 'bad.strs')");
}

// A metadata count larger than the entries present: the entries past the
// real ones run into the tensor infos and must fail there, naming the entry.
TEST_F(Bad, GgufMetadataCountLargerThanPresent) {
  auto g = bytes(w::Target::gguf_f32);
  uint64_t n = get64(g, 16);
  put64(g, 16, n + 300);
  std::string e = error(with(g));
  EXPECT_EQ(e.rfind("truncated GGUF metadata: entry ", 0), 0u) << e;
  EXPECT_NE(e.find(" of " + std::to_string(n + 300) + " runs past the end of the file"), std::string::npos) << e;
}

TEST_F(Bad, GgufDuplicateKeyOrTensor) {
  Gguf gg(bytes(w::Target::gguf_f32));
  gg.kv_u32("llama.vocab_size", 41);
  EXPECT_EQ(error(with(gg.bytes())), "duplicate GGUF key 'llama.vocab_size'");
  auto g = bytes(w::Target::gguf_f32);
  size_t at = find(g, "blk.1.ffn_up.weight");
  g[at + 4] = '0';
  EXPECT_EQ(error(with(g)), "duplicate tensor 'blk.0.ffn_up.weight'");
}

// Two tensors on the same bytes loaded with each other's weights.
TEST_F(Bad, GgufOverlappingTensors) {
  auto g = bytes(w::Target::gguf_f32);
  size_t up = find(g, "blk.1.ffn_up.weight") + 19 + 4 + 16 + 4;      // offset fields
  size_t down = find(g, "blk.1.ffn_down.weight") + 21 + 4 + 16 + 4;  // (same byte size)
  put64(g, up, get64(g, down));
  std::string e = error(with(g));
  EXPECT_EQ(e.rfind("tensors '", 0), 0u) << e;
  EXPECT_NE(e.find("'blk.1.ffn_down.weight' (bytes "), std::string::npos) << e;
  EXPECT_NE(e.find("'blk.1.ffn_up.weight' (bytes "), std::string::npos) << e;
  EXPECT_NE(e.find(") overlap"), std::string::npos) << e;
}

// safetensors: [2^62] F32 elements need 2^64 bytes; the size overflowed to
// "0", matching a zero-byte span, and the file loaded.
TEST_F(Bad, SafetensorsShapeSizeOverflows) {
  auto s = bytes(w::Target::safetensors_f32);
  auto b = st_edit(s, [](nlohmann::json& h) {
    h["extra.weight"] = {{"dtype", "F32"}, {"shape", {1ULL << 62}}, {"data_offsets", {0, 0}}};
  });
  EXPECT_EQ(error(with(b, "model.safetensors")), "tensor 'extra.weight' has a shape whose size in bytes overflows");
}

TEST_F(Bad, SafetensorsOverlappingOrDuplicateTensors) {
  auto s = bytes(w::Target::safetensors_f32);
  auto b = st_edit(s, [](nlohmann::json& h) {
    h["model.layers.1.mlp.up_proj.weight"]["data_offsets"] = h["model.layers.1.mlp.down_proj.weight"]["data_offsets"];
  });
  std::string e = error(with(b, "model.safetensors"));
  EXPECT_NE(e.find("tensors '"), std::string::npos) << e;
  EXPECT_NE(e.find("'model.layers.1.mlp.down_proj.weight' (bytes "), std::string::npos) << e;
  EXPECT_NE(e.find(") overlap"), std::string::npos) << e;
  // The same name twice (JSON allows it; the second used to be ignored).
  uint64_t end = st_data_size(s);
  b = st_edit(s, [end](nlohmann::json& h) {
    h["extra.aaaa"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end, end + 4}}};
    h["extra.bbbb"] = {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {end + 4, end + 8}}};
  }, 8);
  size_t at = find(b, "extra.bbbb");
  std::memcpy(b.data() + at, "extra.aaaa", 10);
  EXPECT_EQ(error(with(b, "model.safetensors")), "duplicate tensor 'extra.aaaa'");
}

// A sharded model: each tensor must be in the shard weight_map names, and
// in one shard only.
TEST_F(Bad, SafetensorsIndexShards) {
  auto s = bytes(w::Target::safetensors_f32);
  w::write_model(src, d.file("x.safetensors"), w::Target::safetensors_f32, {.config_json = true});  // config.json
  write_bytes(d.file("a.safetensors"), s);
  std::string extra = "{\"extra.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  std::vector<uint8_t> e(8 + extra.size() + 4, 0);
  put64(e, 0, extra.size());
  std::memcpy(e.data() + 8, extra.data(), extra.size());
  write_bytes(d.file("b.safetensors"), e);
  uint64_t n = get64(s, 0);
  auto names = nlohmann::json::parse(s.begin() + 8, s.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  nlohmann::json wm;
  for (auto& [k, v] : names.items())
    if (k != "__metadata__") wm[k] = "a.safetensors";
  auto index = [&](const nlohmann::json& m) {
    std::string t = nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", m}}.dump();
    write_bytes(d.file("model.safetensors.index.json"), std::vector<uint8_t>(t.begin(), t.end()));
    return d.file("model.safetensors.index.json");
  };
  nm_model m;
  ASSERT_EQ(load(m, index(wm)), "");
  nm_model_free(&m);
  auto wrong = wm;
  wrong["extra.weight"] = "a.safetensors";
  wrong["model.norm.weight"] = "b.safetensors";  // so that b is read
  EXPECT_EQ(error(index(wrong)), "weight_map puts tensor 'extra.weight' in 'a.safetensors', which does not hold it");
  wrong = wm;
  wrong["model.norm.weight"] = "c.safetensors";
  write_bytes(d.file("c.safetensors"), s);  // the same tensors twice
  EXPECT_EQ(error(index(wrong)).rfind("duplicate tensor '", 0), 0u);
}

// RoPE scaling 9ml does not implement is refused, naming the file that
// says it (yarn was ignored for llama and mistral: wrong positions).
TEST_F(Bad, UnsupportedRopeScaling) {
  const std::string tail = " is not supported (supported: none, linear, llama3)";
  for (const char* type : {"yarn", "longrope", "dynamic"}) {
    Gguf g(bytes(w::Target::gguf_f32));
    g.kv_str("llama.rope.scaling.type", type);
    g.kv_f32("llama.rope.scaling.factor", 4.0f);
    EXPECT_EQ(error(with(g.bytes())), std::string("rope scaling '") + type + "'" + tail);
  }
  // Keys that change the rotation in ways 9ml does not implement.
  Gguf g(bytes(w::Target::gguf_f32));
  g.kv_f32("llama.rope.scaling.attn_factor", 2.0f);
  EXPECT_EQ(error(with(g.bytes())), "unsupported value (only 1) for GGUF key 'llama.rope.scaling.attn_factor'");
  auto b = bytes(w::Target::gguf_f32);
  put32(b, find(b, "llama.rope.dimension_count") + 26 + 4, 8);
  EXPECT_EQ(error(with(b)), "GGUF key 'llama.rope.dimension_count' is 8 but the head size is 16 (partial RoPE is not supported)");

  // config.json: the error names it after the model.
  const std::string model = d.file("m.safetensors"), config = d.file("config.json");
  auto edit = [&](const nlohmann::json& rope, const char* key = "rope_scaling") {
    w::write_model(src, model, w::Target::safetensors_f32, {.config_json = true});
    auto c = read_bytes(config);
    auto j = nlohmann::json::parse(c.begin(), c.end());
    j[key] = rope;
    std::string t = j.dump();
    write_bytes(config, std::vector<uint8_t>(t.begin(), t.end()));
    return model;
  };
  EXPECT_EQ(error(edit({{"rope_type", "yarn"}, {"factor", 4.0}, {"original_max_position_embeddings", 4096}})),
            config + ": rope scaling 'yarn'" + tail);
  EXPECT_EQ(error(edit({{"type", "dynamic"}, {"factor", 2.0}})), config + ": rope scaling 'dynamic'" + tail);
  EXPECT_EQ(error(edit({{"rope_type", "longrope"}}, "rope_parameters")), config + ": rope scaling 'longrope'" + tail);
  EXPECT_EQ(error(edit({{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                        {"original_max_position_embeddings", 8192}, {"attention_factor", 1.0}})),
            config + ": config.json 'rope_scaling' key 'attention_factor' is not supported for rope type 'llama3'");
  EXPECT_EQ(error(edit({{"rope_type", "linear"}, {"factor", 2.0}, {"beta_fast", 32}})),
            config + ": config.json 'rope_scaling' key 'beta_fast' is not supported for rope type 'linear'");
  EXPECT_EQ(error(edit({{"rope_type", "linear"}})), config + ": config.json 'rope_scaling' needs a factor");
  EXPECT_EQ(error(edit({{"rope_type", "linear"}, {"type", "yarn"}, {"factor", 2.0}})),
            config + ": config.json 'rope_scaling' needs one rope_type string (type, if also given, must agree)");
  EXPECT_EQ(error(edit(0.5, "partial_rotary_factor")),
            config + ": config.json 'partial_rotary_factor' must be 1 (partial RoPE is not supported)");
  EXPECT_EQ(error(edit({{"rope_type", "linear"}, {"factor", 0.0}})), "linear rope scaling needs a positive, finite factor");
}

// Qwen2 metadata that changes the math and that the qwen2 plugin does not
// implement is refused by its key; so is a Qwen2 file without its biases.
TEST_F(Bad, Qwen2UnsupportedKeys) {
  Qwen2Biases b;
  b.attach(src);
  {  // GGUF: a declared window (llama.cpp runs Qwen2 without one)
    Gguf g(bytes(w::Target::gguf_f32));
    g.kv_u32("qwen2.attention.sliding_window", 4096);
    EXPECT_EQ(error(with(g.bytes())),
              "'qwen2.attention.sliding_window' turns on sliding-window attention, which the qwen2 plugin does not implement");
  }
  {  // GGUF: yarn
    Gguf g(bytes(w::Target::gguf_f32));
    g.kv_str("qwen2.rope.scaling.type", "yarn");
    g.kv_f32("qwen2.rope.scaling.factor", 4.0f);
    EXPECT_EQ(error(with(g.bytes())), "rope scaling 'yarn' is not supported (supported: none, linear, llama3)");
  }
  // config.json: use_sliding_window true (false, as Qwen2's configs ship, loads)
  const std::string model = d.file("m.safetensors"), config = d.file("config.json");
  auto edit = [&](const nlohmann::json& v) {
    w::write_model(src, model, w::Target::safetensors_f32, {.config_json = true});
    auto c = read_bytes(config);
    auto j = nlohmann::json::parse(c.begin(), c.end());
    j["use_sliding_window"] = v;
    std::string t = j.dump();
    write_bytes(config, std::vector<uint8_t>(t.begin(), t.end()));
    return model;
  };
  EXPECT_EQ(error(edit(true)),
            "'use_sliding_window' turns on sliding-window attention, which the qwen2 plugin does not implement");
  EXPECT_EQ(error(edit("yes")), config + ": config.json 'use_sliding_window' must be true or false");
  nm_model m;
  EXPECT_EQ(load(m, edit(false)), "");
  EXPECT_STREQ(m.cfg.arch, "qwen2");
  nm_model_free(&m);
  // A qwen2 GGUF without its biases.
  src.cfg.qkv_bias = 0;
  EXPECT_EQ(error(with(bytes(w::Target::gguf_f32))), "missing tensor 'blk.0.attn_q.bias'");
}

// llama.cpp's per-pair divisors are run as Llama 3.1 scaling only when they
// are that rule's table.
TEST_F(Bad, RopeFreqsTensorOtherThanLlama3) {
  src.cfg.rope_theta = 500000.0f;
  // Llama 3.1's divisors for head size 16, theta 500000 (factor 8, low 1,
  // high 4, original 8192): 4 pairs kept, one smoothed, 3 divided.
  std::vector<float> table(8);
  for (size_t i = 0; i < 8; i++) {
    double wavelen = 2 * M_PI * std::pow(500000.0, 2.0 * double(i) / 16), s = (8192 / wavelen - 1) / 3;
    table[i] = static_cast<float>(wavelen < 2048 ? 1 : wavelen > 8192 ? 8 : 1 / ((1 - s) / 8 + s));
  }
  auto with_table = [&](const std::vector<float>& t, const char* type = nullptr) {
    Gguf g(bytes(w::Target::gguf_f32));
    if (type) {
      g.kv_str("llama.rope.scaling.type", type);
      g.kv_f32("llama.rope.scaling.factor", 2.0f);
    }
    g.tensor_f32("rope_freqs.weight", t);
    return with(g.bytes());
  };
  nm_model m;
  ASSERT_EQ(load(m, with_table(table)), "");
  EXPECT_EQ(m.cfg.rope_scaling.factor, 8.0f);
  nm_model_free(&m);
  auto t1 = table;
  t1[4] *= 1.01f;
  EXPECT_EQ(error(with_table(t1)),
            "tensor 'rope_freqs.weight' is not a Llama 3.1 RoPE table (pair 4 differs); other per-pair RoPE factors are not supported");
  auto t2 = table;
  t2[6] = 7.9f;
  EXPECT_EQ(error(with_table(t2)),
            "tensor 'rope_freqs.weight' is not a Llama 3.1 RoPE table (pair 6 differs); other per-pair RoPE factors are not supported");
  EXPECT_EQ(error(with_table(std::vector<float>(4, 2.0f))), "tensor 'rope_freqs.weight' must be F32 [8] (one divisor per rotated pair)");
  EXPECT_EQ(error(with_table(table, "linear")), "tensor 'rope_freqs.weight' together with rope scaling 'linear' is not supported");
}

}  // namespace
