// Byte-level BPE (GPT-2 / Llama 3 / Qwen2): the generated vocabulary GGUF
// (fixtures/bpe_vocab_gen.hpp), with merges chosen so that each rule of the pre-tokenizers and of
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
#include <nlohmann/json.hpp>

#include "bpe_vocab_gen.hpp"
#include "tokenizer.h"

namespace {

using namespace nineml::fixtures;

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

// The generated vocabulary (fixtures/bpe_vocab_gen.hpp) with pre-tokenizer
// `pre`, written to a file of this process (CTest runs the suite's tests in
// parallel, and a file rewritten under another's mapping faults it).
std::string write_vocab(const std::string& name, const std::string& pre, const std::string& model = "gpt2") {
  const std::string path = testing::TempDir() + "bpe-" + name + "-" + std::to_string(getpid()) + ".gguf";
  std::ofstream(path, std::ios::binary) << bpe_test_vocab_gguf(pre, model);
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
  EXPECT_EQ(gpt2.v.n, BPE_N_TOKENS);
  EXPECT_EQ(gpt2.v.n_merges, static_cast<int>(bpe_test_merges().size()));
  EXPECT_EQ(gpt2.v.bos_id, BPE_EOT);
  // Pieces are raw bytes: 'Ġ' (U+0120) is the space.
  EXPECT_EQ(std::string(gpt2.v.piece[BPE_SP_THE], static_cast<size_t>(gpt2.v.piece_len[BPE_SP_THE])), " the");
  EXPECT_EQ(std::string(gpt2.v.piece[0], 1), std::string(1, '\0'));
}

TEST_F(BpeVocab, EmptyText) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, ""), std::vector<int>{});
    EXPECT_EQ(encode(v->v, "", NM_TOK_ADD_BOS), std::vector<int>{BPE_EOT});
  }
}

TEST_F(BpeVocab, MergesByRank) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, "the"), std::vector<int>{BPE_THE});
    // he (rank 0) first, then " t" (1), then " t"+"he" (2).
    EXPECT_EQ(encode(v->v, " the"), std::vector<int>{BPE_SP_THE});
    // ab (8) before bc (9); yz (11) before xy (12).
    EXPECT_EQ(encode(v->v, "abc"), (std::vector<int>{BPE_AB, 'c'}));
    EXPECT_EQ(encode(v->v, "xyz"), (std::vector<int>{'x', BPE_YZ}));
    // The same merge twice: the leftmost first.
    EXPECT_EQ(encode(v->v, "aaa"), (std::vector<int>{BPE_AA, 'a'}));
    // A two-byte character is two symbols until its merge.
    EXPECT_EQ(encode(v->v, "\xC3\xA9"), std::vector<int>{BPE_E_ACUTE});
    // "q q" makes "qq", which is no token: its bytes' tokens.
    EXPECT_EQ(encode(v->v, "qq"), (std::vector<int>{'q', 'q'}));
  }
}

TEST_F(BpeVocab, WhitespaceRuns) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    // \s+(?!\S): the run but its last space, which joins the word.
    EXPECT_EQ(encode(v->v, "  the"), (std::vector<int>{' ', BPE_SP_THE}));
    // A run that ends the text stays whole (then "  " merges leftmost).
    EXPECT_EQ(encode(v->v, "a   "), (std::vector<int>{'a', BPE_2SP, ' '}));
    EXPECT_EQ(encode(v->v, " "), std::vector<int>{' '});
  }
  // Llama 3 and Qwen2: \s*[\r\n]+ takes the white space up to its last line
  // break; GPT-2 leaves the last "\n" to start the next word's run.
  EXPECT_EQ(encode(llama3.v, "a \n\nb"), (std::vector<int>{'a', ' ', BPE_2NL, 'b'}));
  EXPECT_EQ(encode(qwen2.v, "a \n\nb"), (std::vector<int>{'a', ' ', BPE_2NL, 'b'}));
  EXPECT_EQ(encode(gpt2.v, "a \n\nb"), (std::vector<int>{'a', ' ', '\n', '\n', 'b'}));
}

TEST_F(BpeVocab, Digits) {
  // Llama 3 groups at most three digits, Qwen2 one, GPT-2 the whole run.
  EXPECT_EQ(encode(llama3.v, "4123"), (std::vector<int>{'4', BPE_12, '3'}));
  EXPECT_EQ(encode(qwen2.v, "4123"), (std::vector<int>{'4', '1', '2', '3'}));
  EXPECT_EQ(encode(gpt2.v, "4123"), (std::vector<int>{'4', BPE_123}));
  EXPECT_EQ(encode(llama3.v, "123123"), (std::vector<int>{BPE_123, BPE_123}));
}

TEST_F(BpeVocab, Contractions) {
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, "he's"), (std::vector<int>{BPE_HE, BPE_APOS_S}));
  }
  // Llama 3 and Qwen2 fold case: "'S" is a contraction, so "up" is apart;
  // for GPT-2 "'" is punctuation and "Sup" a word, where "Su" merges.
  EXPECT_EQ(encode(llama3.v, "'Sup"), (std::vector<int>{'\'', 'S', 'u', 'p'}));
  EXPECT_EQ(encode(qwen2.v, "'Sup"), (std::vector<int>{'\'', 'S', 'u', 'p'}));
  EXPECT_EQ(encode(gpt2.v, "'Sup"), (std::vector<int>{'\'', BPE_SU, 'p'}));
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
  std::vector<int> plain = {BPE_USER, BPE_THE};
  for (int b : bytes_of("<|endoftext|>")) plain.push_back(b);
  // User-defined tokens always match; control tokens only when asked.
  for (Vocab* v : {&gpt2, &llama3, &qwen2}) {
    EXPECT_EQ(encode(v->v, text), plain);
    EXPECT_EQ(encode(v->v, text, NM_TOK_PARSE_SPECIAL), (std::vector<int>{BPE_USER, BPE_THE, BPE_EOT}));
  }
  // Decoding: control tokens give no text, user-defined ones their text.
  EXPECT_EQ(decode(gpt2.v, {BPE_USER, BPE_SP_THE, BPE_EOT}), "<|user|> the");
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

// --- tokenizer.json -------------------------------------------------------

std::string load_json(Vocab& out, const std::string& json) {
  char err[512] = "";
  if (nm_vocab_from_hf_json(&out.v, reinterpret_cast<const uint8_t*>(json.data()), json.size(), "tokenizer.json", err,
                            sizeof err) != 0)
    return err;
  return "";
}

TEST(BpeTokenizerJson, SameIdsAsTheGguf) {
  const std::string texts[] = {"", "the", " the", "  the", "a   ", "abc", "xyz", "aaa", "\xC3\xA9", "qq",
                               "a \n\nb", "4123", "123123", "he's 'Sup", "a\xFF" "b", "<|user|>the<|endoftext|>"};
  for (const char* pre : {"gpt-2", "llama-bpe", "qwen2"}) {
    Vocab g, j;
    ASSERT_EQ(load_written(g, write_vocab(std::string("json-") + pre, pre)), "");
    ASSERT_EQ(load_json(j, bpe_test_vocab_json(pre)), "") << pre;
    EXPECT_EQ(j.v.n, g.v.n);
    EXPECT_EQ(j.v.pre, g.v.pre);
    EXPECT_EQ(j.v.ignore_merges, g.v.ignore_merges);
    EXPECT_EQ(j.v.bos_id, -1);  // tokenizer.json names none
    for (const auto& t : texts) {
      EXPECT_EQ(encode(j.v, t), encode(g.v, t)) << pre << ": " << t;
      EXPECT_EQ(encode(j.v, t, NM_TOK_PARSE_SPECIAL), encode(g.v, t, NM_TOK_PARSE_SPECIAL)) << pre << ": " << t;
    }
  }
}

TEST(BpeTokenizerJson, RefusesWhatChangesTheIds) {
  struct Case {
    void (*edit)(nlohmann::json&);
    std::string err;
  } cases[] = {
      {[](nlohmann::json& d) { d["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\p{N}+|."; },
       "pre_tokenizer.pretokenizers[0].pattern.Regex: unsupported Split pattern (supported: Llama 3's, Qwen2's)"},
      {[](nlohmann::json& d) { d["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = true; },
       "pre_tokenizer.pretokenizers: unsupported pre-tokenizer sequence: expected an isolating Split, then ByteLevel "
       "without regex or prefix space"},
      {[](nlohmann::json& d) { d["pre_tokenizer"] = {{"type", "Whitespace"}}; },
       "pre_tokenizer.type: unsupported pre_tokenizer (supported: GPT-2's ByteLevel, Llama 3's and Qwen2's Split + "
       "ByteLevel)"},
      {[](nlohmann::json& d) { d["normalizer"] = {{"type", "Lowercase"}}; },
       "normalizer.type: unsupported normalizer (supported: none, NFC)"},
      {[](nlohmann::json& d) { d["model"]["byte_fallback"] = true; },
       "model.byte_fallback: SentencePiece-style BPE (byte_fallback) is not supported from tokenizer.json; use the "
       "GGUF"},
      {[](nlohmann::json& d) { d["model"]["type"] = "WordPiece"; }, "model.type: not a BPE tokenizer"},
      {[](nlohmann::json& d) { d["model"]["merges"][1] = 7; }, "model.merges: each merge must be \"A B\" or [A, B]"},
      {[](nlohmann::json& d) { d["model"]["merges"][0] = "nospace"; },
       "model vocabulary: merge 0: no space between its two parts"},
      {[](nlohmann::json& d) { d["model"]["vocab"]["the"] = -1; },
       "model.vocab: token id out of range (0..16777215)"},
  };
  for (const auto& c : cases) {
    nlohmann::json doc = nlohmann::json::parse(bpe_test_vocab_json("llama-bpe"));
    c.edit(doc);
    Vocab v;
    EXPECT_EQ(load_json(v, doc.dump()), "tokenizer.json: " + c.err);
  }
  Vocab v;
  EXPECT_EQ(load_json(v, "[1, 2]"), "tokenizer.json: not a tokenizer.json: the top level is not an object");
  EXPECT_EQ(load_json(v, "{"), "tokenizer.json: JSON: expected a string key at byte 1");
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

// The vocabulary of a GGUF rewritten as tokenizer.json.
std::string load_gguf_as_json(Vocab& out, const std::string& path) {
  char err[512] = "";
  nm_model m{};
  if (nm_model_load_vocab(&m, path.c_str(), err, sizeof err) != 0) return err;
  std::vector<std::string> tokens, merges;
  std::vector<int> types;
  for (int i = 0; i < m.vocab_n; i++) {
    tokens.emplace_back(m.vocab_pieces[i], static_cast<size_t>(m.vocab_piece_len[i]));
    types.push_back(m.vocab_types[i]);
  }
  for (int r = 0; r < m.vocab_n_merges; r++) merges.emplace_back(m.vocab_merges[r], static_cast<size_t>(m.vocab_merge_len[r]));
  const std::string pre = m.vocab_pre;
  nm_model_free(&m);
  return load_json(out, hf_tokenizer_json(tokens, types, merges, pre));
}

void check_vectors(const nm_vocab& v, const std::string& base, const char* source) {
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
    const std::vector<int> got = encode(v, texts[i]);
    EXPECT_EQ(got, expected[i]) << source << ", test " << i << ": \"" << texts[i] << "\"";
    passed += got == expected[i];
    if (v.kind == NM_VOCAB_BPE) {
      EXPECT_EQ(decode(v, got), texts[i]) << source << ", test " << i;
    }
  }
  std::printf("%s (%s): %d/%zu\n", base.c_str(), source, passed, texts.size());
}

// NAME.gguf.inp: texts, each followed by "\n__ggml_vocab_test__\n";
// NAME.gguf.out: the expected ids of each, one line each (no BOS). The
// byte-level BPE ones are checked a second time through tokenizer.json.
TEST_P(VocabVectors, MatchLlamaCpp) {
  const char* dir = std::getenv("NINEML_EXTERNAL_FIXTURES");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "NINEML_EXTERNAL_FIXTURES is not set: llama.cpp's vectors did not run";
  const std::string base = std::string(dir) + "/vocab/ggml-vocab-" + GetParam() + ".gguf";
  Vocab gguf;
  ASSERT_EQ(load_gguf(gguf, base), "") << base;
  check_vectors(gguf.v, base, "GGUF");
  if (gguf.v.kind != NM_VOCAB_BPE) return;
  Vocab json;
  ASSERT_EQ(load_gguf_as_json(json, base), "") << base;
  check_vectors(json.v, base, "tokenizer.json");
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
