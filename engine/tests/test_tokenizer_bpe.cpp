// Byte-level BPE (GPT-2 / Llama 3 / Qwen2): a small vocabulary GGUF built
// here, with merges chosen so that each rule of the pre-tokenizers and of
// merging changes the ids; the pre-tokenizers' splits directly; the errors
// for unsupported files; and llama.cpp's test vectors for the real
// vocabularies in $NINEML_EXTERNAL_FIXTURES/vocab (SentencePiece ones too).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "formats/formats.h"
#include "tokenizer.h"

namespace {

// --- a GGUF holding only tokenizer keys -----------------------------------

class Gguf {
 public:
  void str(const std::string& key, const std::string& v) {
    head(key, 8);
    s(v);
    n_++;
  }
  void u32(const std::string& key, uint32_t v) {
    head(key, 4);
    le(v, 4);
    n_++;
  }
  void strs(const std::string& key, const std::vector<std::string>& vs) {
    head(key, 9);
    le(8, 4);
    le(vs.size(), 8);
    for (const auto& v : vs) s(v);
    n_++;
  }
  void i32s(const std::string& key, const std::vector<int>& vs) {
    head(key, 9);
    le(5, 4);
    le(vs.size(), 8);
    for (int v : vs) le(static_cast<uint32_t>(v), 4);
    n_++;
  }
  std::string bytes() const {
    std::string out = "GGUF";
    auto put = [&](uint64_t v, int n) {
      for (int i = 0; i < n; i++) out += static_cast<char>((v >> (8 * i)) & 0xFF);
    };
    put(3, 4);
    put(0, 8);
    put(n_, 8);
    return out + body_;
  }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; i++) body_ += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  void s(const std::string& v) {
    le(v.size(), 8);
    body_ += v;
  }
  void head(const std::string& key, uint32_t type) {
    s(key);
    le(type, 4);
  }
  std::string body_;
  uint64_t n_ = 0;
};

// GPT-2's spelling of byte b (the alphabet the file uses).
std::string bytelevel(int b) {
  int cp = b;
  if (!((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))) {
    int n = 0;
    for (int x = 0; x < b; x++)
      if (!((x >= 0x21 && x <= 0x7E) || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) n++;
    cp = 0x100 + n;
  }
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

std::string bl(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) out += bytelevel(c);
  return out;
}

struct Vocab {
  nm_vocab v{};
  Vocab() = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;
  ~Vocab() { nm_vocab_free(&v); }
};

// Loads a GGUF file's vocabulary as `9ml tokenize -z` does: "" or the error.
std::string load_gguf(Vocab& out, const std::string& path) {
  char err[512] = "";
  nm_model m{};
  if (nm_model_load_vocab(&m, path.c_str(), err, sizeof err) != 0) return err;
  const int rc = nm_vocab_from_model(&out.v, &m, err, sizeof err);
  nm_model_free(&m);
  return rc == 0 ? "" : err;
}

// The same for a vocabulary this file writes, removed once read.
std::string load_written(Vocab& out, const std::string& path) {
  const std::string err = load_gguf(out, path);
  std::filesystem::remove(path);
  return err;
}

// Ids 0..255: the bytes; then merged pieces; then two special tokens.
// Each merge's rank is its index; a merge's result need not be a token
// ("q q": byte fallback).
const std::vector<std::pair<std::string, std::string>> kMerges = {
    {"h", "e"},     // 0  he        257
    {" ", "t"},     // 1  " t"      256
    {" t", "he"},   // 2  " the"    258
    {"t", "he"},    // 3  the       259
    {"1", "2"},     // 4  12        260
    {"12", "3"},    // 5  123       261
    {"'", "s"},     // 6  's        262
    {" ", " "},     // 7  "  "      263
    {"a", "b"},     // 8  ab        264
    {"b", "c"},     // 9  bc        265
    {"a", "a"},     // 10 aa        266
    {"y", "z"},     // 11 yz        267
    {"x", "y"},     // 12 xy        268
    {"\xC3", "\xA9"},  // 13 é      271
    {"q", "q"},     // 14 qq (not a token)
    {"S", "u"},     // 15 Su        272
    {"\n", "\n"},   // 16 "\n\n"    273
};
enum { T_SP_T = 256, T_HE, T_SP_THE, T_THE, T_12, T_123, T_APOS_S, T_2SP, T_AB, T_BC, T_AA, T_YZ, T_XY,
       T_EOT, T_USER, T_E_ACUTE, T_SU, T_2NL, N_TOKENS };

std::string write_vocab(const std::string& name, const std::string& pre, const std::string& model = "gpt2") {
  std::vector<std::string> tokens(N_TOKENS);
  std::vector<int> types(N_TOKENS, NM_TOKTYPE_NORMAL);
  for (int b = 0; b < 256; b++) tokens[static_cast<size_t>(b)] = bytelevel(b);
  const std::pair<int, std::string> merged[] = {
      {T_SP_T, " t"}, {T_HE, "he"}, {T_SP_THE, " the"}, {T_THE, "the"}, {T_12, "12"}, {T_123, "123"},
      {T_APOS_S, "'s"}, {T_2SP, "  "}, {T_AB, "ab"}, {T_BC, "bc"}, {T_AA, "aa"}, {T_YZ, "yz"},
      {T_XY, "xy"}, {T_E_ACUTE, "\xC3\xA9"}, {T_SU, "Su"}, {T_2NL, "\n\n"}};
  for (const auto& [id, raw] : merged) tokens[static_cast<size_t>(id)] = bl(raw);
  tokens[T_EOT] = "<|endoftext|>";
  types[T_EOT] = NM_TOKTYPE_CONTROL;
  tokens[T_USER] = "<|user|>";
  types[T_USER] = NM_TOKTYPE_USER;
  std::vector<std::string> merges;
  for (const auto& [a, b] : kMerges) merges.push_back(bl(a) + " " + bl(b));
  Gguf g;
  g.str("general.architecture", "gpt2");
  g.str("tokenizer.ggml.model", model);
  if (!pre.empty()) g.str("tokenizer.ggml.pre", pre);
  g.strs("tokenizer.ggml.tokens", tokens);
  g.i32s("tokenizer.ggml.token_type", types);
  g.strs("tokenizer.ggml.merges", merges);
  g.u32("tokenizer.ggml.bos_token_id", T_EOT);
  g.u32("tokenizer.ggml.eos_token_id", T_EOT);
  // One file per process: CTest runs the tests of this suite in parallel,
  // and a file rewritten under another process's mapping faults it.
  const std::string path = testing::TempDir() + "bpe-" + name + "-" + std::to_string(getpid()) + ".gguf";
  std::ofstream(path, std::ios::binary) << g.bytes();
  return path;
}

std::vector<int> encode(const nm_vocab& v, const std::string& text, int flags = 0) {
  std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(text.size()))));
  char err[256] = "";
  int n = 0;
  EXPECT_EQ(nm_tok_encode_flags(&v, text.data(), static_cast<int>(text.size()), flags, ids.data(),
                                static_cast<int>(ids.size()), &n, err, sizeof err),
            0)
      << err;
  ids.resize(static_cast<size_t>(n));
  return ids;
}

std::string decode(const nm_vocab& v, const std::vector<int>& ids) {
  char err[256] = "";
  int len = 0;
  EXPECT_EQ(nm_tok_decode(&v, ids.data(), static_cast<int>(ids.size()), nullptr, 0, &len, err, sizeof err), 0)
      << err;
  std::string out(static_cast<size_t>(len), '\0');
  EXPECT_EQ(nm_tok_decode(&v, ids.data(), static_cast<int>(ids.size()), out.data(), len, &len, err, sizeof err), 0)
      << err;
  return out;
}

std::vector<int> bytes_of(const std::string& s) {
  std::vector<int> out;
  for (unsigned char c : s) out.push_back(c);
  return out;
}

class BpeVocab : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_written(gpt2, write_vocab("gpt2", "gpt-2")), "");
    ASSERT_EQ(load_written(llama3, write_vocab("llama3", "llama-bpe")), "");
    ASSERT_EQ(load_written(qwen2, write_vocab("qwen2", "qwen2")), "");
  }
  Vocab gpt2, llama3, qwen2;
};

TEST_F(BpeVocab, ReadsKindPreAndSpecialIds) {
  EXPECT_EQ(gpt2.v.kind, NM_VOCAB_BPE);
  EXPECT_EQ(gpt2.v.pre, NM_PRE_GPT2);
  EXPECT_EQ(llama3.v.pre, NM_PRE_LLAMA3);
  EXPECT_EQ(qwen2.v.pre, NM_PRE_QWEN2);
  EXPECT_EQ(gpt2.v.n, N_TOKENS);
  EXPECT_EQ(gpt2.v.n_merges, static_cast<int>(kMerges.size()));
  EXPECT_EQ(gpt2.v.bos_id, T_EOT);
  // Pieces are raw bytes: 'Ġ' (U+0120) is the space.
  EXPECT_EQ(std::string(gpt2.v.piece[T_SP_THE], static_cast<size_t>(gpt2.v.piece_len[T_SP_THE])), " the");
  EXPECT_EQ(std::string(gpt2.v.piece[0], 1), std::string(1, '\0'));
}

TEST_F(BpeVocab, EmptyText) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, ""), std::vector<int>{});
    EXPECT_EQ(encode(v->v, "", NM_TOK_ADD_BOS), std::vector<int>{T_EOT});
  }
}

TEST_F(BpeVocab, MergesByRank) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, "the"), std::vector<int>{T_THE});
    // he (rank 0) first, then " t" (1), then " t"+"he" (2).
    EXPECT_EQ(encode(v->v, " the"), std::vector<int>{T_SP_THE});
    // ab (8) before bc (9); yz (11) before xy (12).
    EXPECT_EQ(encode(v->v, "abc"), (std::vector<int>{T_AB, 'c'}));
    EXPECT_EQ(encode(v->v, "xyz"), (std::vector<int>{'x', T_YZ}));
    // The same merge twice: the leftmost first.
    EXPECT_EQ(encode(v->v, "aaa"), (std::vector<int>{T_AA, 'a'}));
    // A two-byte character is two symbols until its merge.
    EXPECT_EQ(encode(v->v, "\xC3\xA9"), std::vector<int>{T_E_ACUTE});
    // "q q" makes "qq", which is no token: its bytes' tokens.
    EXPECT_EQ(encode(v->v, "qq"), (std::vector<int>{'q', 'q'}));
  }
}

TEST_F(BpeVocab, WhitespaceRuns) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    // \s+(?!\S): the run but its last space, which joins the word.
    EXPECT_EQ(encode(v->v, "  the"), (std::vector<int>{' ', T_SP_THE}));
    // A run that ends the text stays whole (then "  " merges leftmost).
    EXPECT_EQ(encode(v->v, "a   "), (std::vector<int>{'a', T_2SP, ' '}));
    EXPECT_EQ(encode(v->v, " "), std::vector<int>{' '});
  }
  // Llama 3 and Qwen2: \s*[\r\n]+ takes the white space up to its last line
  // break; GPT-2 leaves the last "\n" to start the next word's run.
  EXPECT_EQ(encode(llama3.v, "a \n\nb"), (std::vector<int>{'a', ' ', T_2NL, 'b'}));
  EXPECT_EQ(encode(qwen2.v, "a \n\nb"), (std::vector<int>{'a', ' ', T_2NL, 'b'}));
  EXPECT_EQ(encode(gpt2.v, "a \n\nb"), (std::vector<int>{'a', ' ', '\n', '\n', 'b'}));
}

TEST_F(BpeVocab, Digits) {
  // Llama 3 groups at most three digits, Qwen2 one, GPT-2 the whole run.
  EXPECT_EQ(encode(llama3.v, "4123"), (std::vector<int>{'4', T_12, '3'}));
  EXPECT_EQ(encode(qwen2.v, "4123"), (std::vector<int>{'4', '1', '2', '3'}));
  EXPECT_EQ(encode(gpt2.v, "4123"), (std::vector<int>{'4', T_123}));
  EXPECT_EQ(encode(llama3.v, "123123"), (std::vector<int>{T_123, T_123}));
}

TEST_F(BpeVocab, Contractions) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, "he's"), (std::vector<int>{T_HE, T_APOS_S}));
  }
  // Llama 3 and Qwen2 fold case: "'S" is a contraction, so "up" is apart;
  // for GPT-2 "'" is punctuation and "Sup" a word, where "Su" merges.
  EXPECT_EQ(encode(llama3.v, "'Sup"), (std::vector<int>{'\'', 'S', 'u', 'p'}));
  EXPECT_EQ(encode(qwen2.v, "'Sup"), (std::vector<int>{'\'', 'S', 'u', 'p'}));
  EXPECT_EQ(encode(gpt2.v, "'Sup"), (std::vector<int>{'\'', T_SU, 'p'}));
}

TEST_F(BpeVocab, InvalidUtf8IsBytes) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    const std::string text = "a\xFF" "b\xC3";
    EXPECT_EQ(encode(v->v, text), bytes_of(text));
    EXPECT_EQ(decode(v->v, encode(v->v, text)), text);
  }
}

TEST_F(BpeVocab, SpecialTokens) {
  const std::string text = "<|user|>the<|endoftext|>";
  std::vector<int> plain = {T_USER, T_THE};
  for (int b : bytes_of("<|endoftext|>")) plain.push_back(b);
  // User-defined tokens always match; control tokens only when asked.
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, text), plain);
    EXPECT_EQ(encode(v->v, text, NM_TOK_PARSE_SPECIAL), (std::vector<int>{T_USER, T_THE, T_EOT}));
  }
  // Decoding: control tokens give no text, user-defined ones their text.
  EXPECT_EQ(decode(gpt2.v, {T_USER, T_SP_THE, T_EOT}), "<|user|> the");
}

TEST_F(BpeVocab, DecodeRoundTrips) {
  const std::string texts[] = {"Hello world", "  the\n\n\tthe 12345 he's 'Sup", "\xC3\xA9t\xC3\xA9 \xF0\x9F\xA6\x99",
                               std::string("nul\0byte", 8)};
  for (Vocab* v : {&gpt2, &llama3, &qwen2})
    for (const auto& t : texts) {
      EXPECT_EQ(decode(v->v, encode(v->v, t)), t);
    }
}

TEST(BpeVocabErrors, UnsupportedFilesAreRefused) {
  Vocab v;
  EXPECT_EQ(load_written(v, write_vocab("falcon", "falcon")),
            "unsupported pre-tokenizer 'falcon' (tokenizer.ggml.pre; supported: gpt-2, llama-bpe, qwen2)");
  EXPECT_EQ(load_written(v, write_vocab("nopre", "")),
            "byte-level BPE vocabulary without a pre-tokenizer name (tokenizer.ggml.pre; supported: gpt-2, "
            "llama-bpe, qwen2)");
  EXPECT_EQ(load_written(v, write_vocab("bert", "gpt-2", "bert")),
            "unsupported tokenizer model 'bert' (tokenizer.ggml.model; supported: llama, gpt2)");
}

// --- the pre-tokenizers' words ------------------------------------------

std::vector<std::string> words(int pre, const std::string& text) {
  std::vector<std::string> out;
  for (int i = 0; i < static_cast<int>(text.size());) {
    const int n = nm_pretok_word(pre, text.data(), static_cast<int>(text.size()), i);
    EXPECT_GT(n, 0);
    if (n <= 0) break;
    out.push_back(text.substr(static_cast<size_t>(i), static_cast<size_t>(n)));
    i += n;
  }
  return out;
}

using W = std::vector<std::string>;

TEST(Pretokenizer, Gpt2) {
  EXPECT_EQ(words(NM_PRE_GPT2, "Hello world, it's 2024!!  ok\n"),
            (W{"Hello", " world", ",", " it", "'s", " 2024", "!!", " ", " ok", "\n"}));
  EXPECT_EQ(words(NM_PRE_GPT2, "I'M x\t\ty"), (W{"I", "'", "M", " x", "\t", "\t", "y"}));
  // Unicode classes: a Cyrillic word, Devanagari digits, an ideographic space.
  EXPECT_EQ(words(NM_PRE_GPT2, "\xD0\xBC\xD0\xB8\xD1\x80 \xE0\xA5\xA8\xE0\xA5\xA9\xE3\x80\x80x"),
            (W{"\xD0\xBC\xD0\xB8\xD1\x80", " \xE0\xA5\xA8\xE0\xA5\xA9", "\xE3\x80\x80", "x"}));
}

TEST(Pretokenizer, Llama3) {
  EXPECT_EQ(words(NM_PRE_LLAMA3, "Hello world, IT'S 12345!!\n\n  ok"),
            (W{"Hello", " world", ",", " IT", "'S", " ", "123", "45", "!!\n\n", " ", " ok"}));
  EXPECT_EQ(words(NM_PRE_LLAMA3, "(x) \n \n y"), (W{"(x", ")", " \n \n", " y"}));
  EXPECT_EQ(words(NM_PRE_QWEN2, "x 123"), (W{"x", " ", "1", "2", "3"}));
}

TEST(Pretokenizer, LoneBytesAreSymbols) {
  EXPECT_EQ(words(NM_PRE_GPT2, "a\xFF\xFE b"), (W{"a", "\xFF\xFE", " b"}));
  EXPECT_EQ(words(NM_PRE_LLAMA3, "\xFF" "ab"), (W{"\xFF" "ab"}));
}

TEST(Pretokenizer, Names) {
  EXPECT_EQ(nm_pretok_from_name("gpt-2"), NM_PRE_GPT2);
  EXPECT_EQ(nm_pretok_from_name("llama-bpe"), NM_PRE_LLAMA3);
  EXPECT_EQ(nm_pretok_from_name("qwen2"), NM_PRE_QWEN2);
  EXPECT_EQ(nm_pretok_from_name("default"), 0);
  EXPECT_EQ(nm_pretok_from_name(""), 0);
}

// --- llama.cpp's test vectors ---------------------------------------------

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class VocabVectors : public testing::TestWithParam<const char*> {};

// NAME.gguf.inp: texts, each followed by "\n__ggml_vocab_test__\n";
// NAME.gguf.out: the expected ids of each, one line each (no BOS).
TEST_P(VocabVectors, MatchLlamaCpp) {
  const char* dir = std::getenv("NINEML_EXTERNAL_FIXTURES");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "NINEML_EXTERNAL_FIXTURES is not set: llama.cpp's vectors did not run";
  const std::string base = std::string(dir) + "/vocab/ggml-vocab-" + GetParam() + ".gguf";
  Vocab v;
  ASSERT_EQ(load_gguf(v, base), "") << base;
  const std::string inp = slurp(base + ".inp"), sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t at = 0, next; (next = inp.find(sep, at)) != std::string::npos; at = next + sep.size())
    texts.push_back(inp.substr(at, next - at));
  std::istringstream out(slurp(base + ".out"));
  std::vector<std::vector<int>> expected;
  for (std::string line; std::getline(out, line) && expected.size() < texts.size();) {
    std::istringstream ids(line);
    expected.emplace_back(std::istream_iterator<int>(ids), std::istream_iterator<int>());
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(expected.size(), texts.size());
  int passed = 0;
  for (size_t i = 0; i < texts.size(); i++) {
    const std::vector<int> got = encode(v.v, texts[i]);
    EXPECT_EQ(got, expected[i]) << "test " << i << ": \"" << texts[i] << "\"";
    passed += got == expected[i];
    if (v.v.kind == NM_VOCAB_BPE) {
      EXPECT_EQ(decode(v.v, got), texts[i]) << "test " << i;
    }
  }
  std::printf("%s: %d/%zu\n", GetParam(), passed, texts.size());
}

INSTANTIATE_TEST_SUITE_P(fixtures, VocabVectors,
                         testing::Values("gpt-2", "llama3-bpe", "qwen2", "llama-spm", "phi-3"),
                         [](const testing::TestParamInfo<const char*>& p) {
                           std::string n = p.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
