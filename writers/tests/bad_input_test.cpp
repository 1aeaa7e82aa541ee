// Bad input: every case is a one-line "PATH: problem" error, never a crash.
#include <gtest/gtest.h>

#include <cstring>

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
    w::write_model(src, d.file("tmp"), t);
    return read_bytes(d.file("tmp"));
  }
  std::string with(const std::vector<uint8_t>& b, const std::string& name = "bad") {
    write_bytes(d.file(name), b);
    return d.file(name);
  }
};

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
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
  EXPECT_EQ(error(with(g)), "tensor 'blk.0.attn_q.weight' has unsupported GGML type 3 (supported: F32 0, F16 1, Q4_0 2, Q8_0 8, BF16 30)");
  auto s = bytes(w::Target::safetensors_f16);
  size_t p = find(s, "\"F16\"");
  s[p + 1] = 'I';
  s[p + 2] = '1';
  s[p + 3] = '6';
  std::string e = error(with(s, "y.safetensors"));
  EXPECT_NE(e.find("has unsupported dtype 'I16' (supported: F32, F16, BF16)"), std::string::npos) << e;
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
  EXPECT_EQ(error(with(g)), "unknown architecture 'gpt2x' (known: llama2, llama3, mistral)");
  w::write_model(src, d.file("m.safetensors"), w::Target::safetensors_f32);
  auto c = read_bytes(d.file("config.json"));
  std::string text(c.begin(), c.end());
  text.replace(text.find("\"llama\""), 7, "\"gpt2\"");
  text.replace(text.find("LlamaForCausalLM"), 16, "GPT2LMHeadModel");
  write_bytes(d.file("config.json"), std::vector<uint8_t>(text.begin(), text.end()));
  EXPECT_EQ(error(d.file("m.safetensors")), "unknown architecture 'gpt2' (known: llama2, llama3, mistral)");
}

TEST_F(Bad, SafetensorsHeaderProblems) {
  std::vector<uint8_t> b(8, 0);
  put64(b, 0, 5);
  std::string t = "{\"a\":";
  b.insert(b.end(), t.begin(), t.end());
  EXPECT_EQ(error(with(b, "h.safetensors")), "safetensors header: JSON: unexpected end of text at byte 5");
  w::write_model(src, d.file("m.safetensors"), w::Target::safetensors_f32);
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

}  // namespace
