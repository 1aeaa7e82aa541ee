// The tokenizer: encoding rules on the generated vocabulary (fixtures/
// vocab_gen.hpp), against a plain rescan implementation of llama2.c's loop;
// decoding; every tokenizer.bin error; the model-embedded vocabulary; and the
// real Llama 2 vocabulary when NINEML_EXTERNAL_FIXTURES is set.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "tokenizer.h"
#include "vocab_gen.hpp"

namespace {

using nineml::fixtures::test_vocab;
using nineml::fixtures::test_vocab_id;
using nineml::fixtures::vocab_bin;
using nineml::fixtures::VocabEntry;

int id(const std::string& piece) { return test_vocab_id(piece); }
int byte_id(int b) { return b + 3; }

struct Vocab {
  nm_vocab v{};
  Vocab() = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;
  ~Vocab() { nm_vocab_free(&v); }
};

// Loads bytes, returning "" on success or the error message.
std::string load(Vocab& out, const std::vector<uint8_t>& bytes, int expected_n = 0) {
  char err[256] = "";
  if (nm_vocab_from_bin(&out.v, bytes.data(), bytes.size(), expected_n, "t.bin", err, sizeof err) != 0)
    return err;
  return "";
}

struct Encoded {
  std::vector<int> ids;
  std::string err;
};

Encoded encode(const nm_vocab& v, const std::string& text, bool bos = true, bool eos = false) {
  Encoded e;
  e.ids.resize(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(text.size()))));
  char err[256] = "";
  int n = 0;
  if (nm_tok_encode(&v, text.data(), static_cast<int>(text.size()), bos, eos, e.ids.data(),
                    static_cast<int>(e.ids.size()), &n, err, sizeof err) != 0) {
    e.err = err;
    e.ids.clear();
    return e;
  }
  e.ids.resize(static_cast<size_t>(n));
  return e;
}

std::string decode(const nm_vocab& v, const std::vector<int>& ids) {
  char err[256] = "";
  int need = 0;
  if (nm_tok_decode(&v, ids.data(), static_cast<int>(ids.size()), nullptr, 0, &need, err, sizeof err) != 0)
    return "ERROR: " + std::string(err);
  std::string out(static_cast<size_t>(need), '\0');
  int len = 0;
  if (nm_tok_decode(&v, ids.data(), static_cast<int>(ids.size()), out.data(), need, &len, err, sizeof err) != 0)
    return "ERROR: " + std::string(err);
  out.resize(static_cast<size_t>(len));
  return out;
}

// llama2.c's loop as written in run.c: rescan every pair after every merge.
std::vector<int> naive_encode(const std::vector<VocabEntry>& vocab, const std::string& text) {
  auto lookup = [&](const std::string& s) {
    for (size_t i = 0; i < vocab.size(); i++)
      if (vocab[i].piece == s) return static_cast<int>(i);
    return -1;
  };
  std::vector<int> t = {1};
  if (text.empty()) return t;
  t.push_back(lookup(" "));
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    int found = lookup(text.substr(i, n));
    if (found >= 0) {
      t.push_back(found);
    } else {
      for (size_t j = 0; j < n; j++) t.push_back(static_cast<unsigned char>(text[i + j]) + 3);
    }
    i += n;
  }
  for (;;) {
    float best = -1e10f;
    int best_id = -1, best_i = -1;
    for (size_t i = 1; i + 1 < t.size(); i++) {
      int m = lookup(vocab[static_cast<size_t>(t[i])].piece + vocab[static_cast<size_t>(t[i + 1])].piece);
      if (m >= 0 && vocab[static_cast<size_t>(m)].score > best) {
        best = vocab[static_cast<size_t>(m)].score;
        best_id = m;
        best_i = static_cast<int>(i);
      }
    }
    if (best_i < 0) break;
    t[static_cast<size_t>(best_i)] = best_id;
    t.erase(t.begin() + best_i + 1);
  }
  return t;
}

class Tokenizer : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(load(vocab_, vocab_bin(test_vocab())), ""); }
  const nm_vocab& v() const { return vocab_.v; }
  Vocab vocab_;
};

TEST_F(Tokenizer, LoadsGeneratedVocabulary) {
  EXPECT_EQ(v().n, static_cast<int>(test_vocab().size()));
  EXPECT_EQ(v().max_token_length, 6);
  EXPECT_EQ(nm_vocab_lookup(&v(), " the", 4), id(" the"));
  EXPECT_EQ(nm_vocab_lookup(&v(), "<0x41>", 6), byte_id(0x41));
  EXPECT_EQ(nm_vocab_lookup(&v(), "nope", 4), -1);
}

TEST_F(Tokenizer, EmptyTextIsBosOnly) {
  EXPECT_EQ(encode(v(), "").ids, (std::vector<int>{1}));
  EXPECT_EQ(encode(v(), "", false).ids, (std::vector<int>{}));
  EXPECT_EQ(encode(v(), "", true, true).ids, (std::vector<int>{1, 2}));
}

TEST_F(Tokenizer, MergesByScore) {
  // th (-3) beats he (-4), then "the", then " the".
  EXPECT_EQ(encode(v(), "the").ids, (std::vector<int>{1, id(" the")}));
  // yz (-2) beats xy (-8).
  EXPECT_EQ(encode(v(), "xyz").ids, (std::vector<int>{1, id(" "), id("x"), id("yz")}));
  // in (-11), then ing (-12), then " s" (-13).
  EXPECT_EQ(encode(v(), "sing").ids, (std::vector<int>{1, id(" s"), id("ing")}));
}

TEST_F(Tokenizer, EqualScoresMergeLeftmostFirst) {
  // ab and bc both score -5: ab (leftmost) merges; bc would have led to " a" + "bc".
  EXPECT_EQ(encode(v(), "abc").ids, (std::vector<int>{1, id(" "), id("ab"), id("c")}));
}

TEST_F(Tokenizer, MergeFloorAndDuplicates) {
  // A pair scoring -1e10 never merges (run.c starts best_score at -1e10).
  EXPECT_EQ(encode(v(), "qq").ids, (std::vector<int>{1, id(" "), id("q"), id("q")}));
  // "zz" appears twice; the lookup gives the lower id.
  EXPECT_EQ(encode(v(), "zz").ids, (std::vector<int>{1, id(" "), id("zz")}));
  EXPECT_EQ(test_vocab()[static_cast<size_t>(id("zz")) + 1].piece, "zz");
}

TEST_F(Tokenizer, MultiByteCharacters) {
  EXPECT_EQ(encode(v(), "\xc3\xa9t\xc3\xa9").ids, (std::vector<int>{1, id(" "), id("\xc3\xa9t\xc3\xa9")}));
  EXPECT_EQ(encode(v(), "\xe6\x97\xa5\xe6\x9c\xac").ids, (std::vector<int>{1, id(" "), id("\xe6\x97\xa5\xe6\x9c\xac")}));
}

TEST_F(Tokenizer, ByteFallback) {
  EXPECT_EQ(encode(v(), "\t").ids, (std::vector<int>{1, id(" "), byte_id(0x09)}));
  EXPECT_EQ(encode(v(), "\xc3\xb8").ids, (std::vector<int>{1, id(" "), byte_id(0xc3), byte_id(0xb8)}));
  EXPECT_EQ(encode(v(), "\xf0\x9f\x98\x80").ids,
            (std::vector<int>{1, id(" "), byte_id(0xf0), byte_id(0x9f), byte_id(0x98), byte_id(0x80)}));
  std::string nul(1, '\0');
  EXPECT_EQ(encode(v(), nul).ids, (std::vector<int>{1, id(" "), byte_id(0)}));
}

TEST_F(Tokenizer, BosAndEos) {
  EXPECT_EQ(encode(v(), "the", false, false).ids, (std::vector<int>{id(" the")}));
  EXPECT_EQ(encode(v(), "the", true, true).ids, (std::vector<int>{1, id(" the"), 2}));
  EXPECT_EQ(encode(v(), "the", false, true).ids, (std::vector<int>{id(" the"), 2}));
}

TEST_F(Tokenizer, MatchesRescanningImplementation) {
  const char* alphabet[] = {"t", "h", "e", " ", "a", "b", "c", "x", "y", "z", "q", "s", "i", "n", "g",
                            "\xc3\xa9", "\xe6\x97\xa5", "\xe6\x9c\xac", "\t", "\xc3\xb8", "\xf0\x9f\x98\x80", "T"};
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 400; trial++) {
    std::string text;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; i++) text += alphabet[rng() % (sizeof alphabet / sizeof alphabet[0])];
    auto got = encode(v(), text);
    ASSERT_EQ(got.err, "") << text;
    ASSERT_EQ(got.ids, naive_encode(test_vocab(), text)) << "text: '" << text << "'";
    ASSERT_EQ(decode(v(), got.ids), text) << "round trip of '" << text << "'";
  }
}

TEST_F(Tokenizer, DecodeStripsLeadingSpaceOnlyAfterBos) {
  EXPECT_EQ(decode(v(), {1, id(" the")}), "the");
  EXPECT_EQ(decode(v(), {id(" the")}), " the");
  EXPECT_EQ(decode(v(), {1, id(" the"), id(" the"), 2}), "the the");
  const char* p = nullptr;
  int len = 0;
  char err[128];
  ASSERT_EQ(nm_tok_decode_piece(&v(), 1, id(" a"), &p, &len, err, sizeof err), 0);
  EXPECT_EQ(std::string(p, static_cast<size_t>(len)), "a");
  ASSERT_EQ(nm_tok_decode_piece(&v(), 5, id(" a"), &p, &len, err, sizeof err), 0);
  EXPECT_EQ(std::string(p, static_cast<size_t>(len)), " a");
}

TEST_F(Tokenizer, DecodeBytePieces) {
  EXPECT_EQ(decode(v(), {byte_id(0x41)}), "A");
  EXPECT_EQ(decode(v(), {1, byte_id(0xc3), byte_id(0xb8)}), "\xc3\xb8");
  EXPECT_EQ(decode(v(), {byte_id(0)}), std::string(1, '\0'));
  EXPECT_EQ(decode(v(), {byte_id(0xff)}), "\xff");
  // BOS and EOS stand for no text.
  EXPECT_EQ(decode(v(), {1, 2}), "");
}

TEST_F(Tokenizer, DecodeLowercaseHexAndNearMisses) {
  std::vector<VocabEntry> e = {{"<unk>", 0}, {"<s>", 0}, {"</s>", 0}, {"<0x4a>", 0}, {"<0x4G>", 0}, {"<0x41>x", 0}};
  Vocab w;
  ASSERT_EQ(load(w, vocab_bin(e)), "");
  EXPECT_EQ(decode(w.v, {3}), "J");
  EXPECT_EQ(decode(w.v, {4}), "<0x4G>");
  EXPECT_EQ(decode(w.v, {5}), "<0x41>x");
}

TEST_F(Tokenizer, DecodeRejectsOutOfRangeIds) {
  int n = v().n;
  EXPECT_EQ(decode(v(), {1, n}), "ERROR: token " + std::to_string(n) + " out of range (vocabulary has " +
                                      std::to_string(n) + " tokens)");
  EXPECT_EQ(decode(v(), {-1}), "ERROR: token -1 out of range (vocabulary has " + std::to_string(n) + " tokens)");
  char out[2];
  int len = 0;
  char err[128];
  std::vector<int> ids = {id(" the")};
  EXPECT_EQ(nm_tok_decode(&v(), ids.data(), 1, out, 2, &len, err, sizeof err), -1);
  EXPECT_STREQ(err, "decoded text exceeds 2 bytes");
}

TEST_F(Tokenizer, InvalidUtf8IsAnError) {
  struct Case {
    std::string text;
    int at;
  } cases[] = {{"\xff", 0},          {"ab\xc3", 2},        {"the \x80", 4},          {"\xc0\xaf", 0},
               {"x\xed\xa0\x80", 1}, {"\xf4\x90\x80\x80", 0}, {"\xe2\x82", 0},        {"ok\xc3\xa9\xf8", 4}};
  for (const auto& c : cases) {
    auto e = encode(v(), c.text);
    EXPECT_EQ(e.err, "not valid UTF-8 at byte " + std::to_string(c.at)) << c.text;
    int bad = -1;
    EXPECT_EQ(nm_utf8_check(c.text.data(), static_cast<int>(c.text.size()), &bad), -1);
    EXPECT_EQ(bad, c.at);
  }
  EXPECT_EQ(nm_utf8_check("\xf4\x8f\xbf\xbf\xef\xbf\xbf\xed\x9f\xbf", 10, nullptr), 0);
}

TEST_F(Tokenizer, EncodeArgumentErrors) {
  std::vector<int> ids(4);
  int n = 0;
  char err[128];
  EXPECT_EQ(nm_tok_encode(&v(), "abc", 3, 1, 0, ids.data(), 4, &n, err, sizeof err), -1);
  EXPECT_STREQ(err, "output holds 4 ids, 6 needed");
  EXPECT_EQ(nm_tok_encode(&v(), "abc", -1, 1, 0, ids.data(), 4, &n, err, sizeof err), -1);
  EXPECT_STREQ(err, "text length -1 out of range (0..268435456)");
}

TEST(TokenizerSmallVocab, MissingByteTokensAreAnError) {
  std::vector<VocabEntry> e = {{"<unk>", 0}, {"<s>", 0}, {"</s>", 0}, {"a", 0}};
  Vocab w;
  ASSERT_EQ(load(w, vocab_bin(e)), "");
  EXPECT_EQ(encode(w.v, "a").err, "no token for byte 0x20: byte fallback id 35 is outside the 4-token vocabulary");
}

// Found by fuzz_tokenizer_bin: a vocabulary too small to hold BOS or EOS.
TEST(TokenizerSmallVocab, MissingBosOrEosIsAnError) {
  std::vector<VocabEntry> one = {{"a", 0}};
  Vocab w;
  ASSERT_EQ(load(w, vocab_bin(one)), "");
  std::vector<int> ids(8);
  int n = 0;
  char err[128];
  EXPECT_EQ(nm_tok_encode(&w.v, "", 0, 1, 0, ids.data(), 8, &n, err, sizeof err), -1);
  EXPECT_STREQ(err, "vocabulary has 1 tokens, no id 1 for BOS");
  std::vector<VocabEntry> two = {{"<unk>", 0}, {"<s>", 0}};
  Vocab w2;
  ASSERT_EQ(load(w2, vocab_bin(two)), "");
  EXPECT_EQ(nm_tok_encode(&w2.v, "", 0, 1, 1, ids.data(), 8, &n, err, sizeof err), -1);
  EXPECT_STREQ(err, "vocabulary has 2 tokens, no id 2 for EOS");
  EXPECT_EQ(nm_tok_encode(&w2.v, "", 0, 1, 0, ids.data(), 8, &n, err, sizeof err), 0);
}

// --- tokenizer.bin errors -------------------------------------------------

std::vector<uint8_t> le(std::initializer_list<int32_t> words) {
  std::vector<uint8_t> out;
  for (int32_t w : words)
    for (int i = 0; i < 4; i++) out.push_back(static_cast<uint8_t>(static_cast<uint32_t>(w) >> (8 * i)));
  return out;
}

TEST(TokenizerBin, Errors) {
  auto good = vocab_bin(test_vocab());
  int n = static_cast<int>(test_vocab().size());
  int last = static_cast<int>(test_vocab().back().piece.size());
  uint32_t nan_bits = 0x7fc00000u;
  struct Case {
    std::vector<uint8_t> bytes;
    int expected_n;
    std::string message;
  } cases[] = {
      {{}, 0, "t.bin: truncated: 0 bytes, max_token_length needs 4"},
      {{1, 0}, 0, "t.bin: truncated: 2 bytes, max_token_length needs 4"},
      {le({0}), 0, "t.bin: max_token_length 0 out of range (1..65536)"},
      {le({-3}), 0, "t.bin: max_token_length -3 out of range (1..65536)"},
      {le({70000}), 0, "t.bin: max_token_length 70000 out of range (1..65536)"},
      {le({4}), 0, "t.bin: no tokens"},
      {le({4, 0}), 0, "t.bin: truncated at token 0: score and length need 8 bytes, 4 left"},
      {le({4, 0, -1}), 0, "t.bin: token 0: negative length -1"},
      {le({4, 0, 5}), 0, "t.bin: token 0: length 5 exceeds max_token_length 4"},
      {le({8, 0, 5, 0x41}), 0, "t.bin: truncated at token 0: piece needs 5 bytes, 4 left"},
      {le({4, 0, 4}), 0, "t.bin: truncated at token 0: piece needs 4 bytes, 0 left"},
      {le({4, static_cast<int32_t>(nan_bits), 1}), 0, "t.bin: token 0: score is NaN"},
      {std::vector<uint8_t>(good.begin(), good.end() - 1), 0,
       "t.bin: truncated at token " + std::to_string(n - 1) + ": piece needs " + std::to_string(last) +
           " bytes, " + std::to_string(last - 1) + " left"},
      {good, n - 1, "t.bin: " + std::to_string(8 + last) + " bytes after the last of " + std::to_string(n - 1) +
                        " tokens: the file has more tokens than the vocabulary size " + std::to_string(n - 1)},
      {good, n + 1, "t.bin: truncated at token " + std::to_string(n) + " of " + std::to_string(n + 1) +
                        ": score and length need 8 bytes, 0 left"},
      {good, -1, "t.bin: expected vocabulary size -1 out of range (0..16777216)"},
  };
  for (const auto& c : cases) {
    Vocab w;
    EXPECT_EQ(load(w, c.bytes, c.expected_n), c.message);
    EXPECT_EQ(w.v.n, 0);
  }
  Vocab ok;
  EXPECT_EQ(load(ok, good, n), "");
}

TEST(TokenizerBin, FileErrorsNameThePath) {
  Vocab w;
  char err[256];
  EXPECT_EQ(nm_vocab_from_file(&w.v, "/nonexistent/tok.bin", 0, err, sizeof err), -1);
  EXPECT_EQ(std::string(err).rfind("/nonexistent/tok.bin: cannot open", 0), 0u) << err;
  auto path = (std::filesystem::temp_directory_path() / ("nm_tok_" + std::to_string(::getpid()) + ".bin")).string();
  {
    std::ofstream f(path, std::ios::binary);
    auto b = le({8, 0});
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  EXPECT_EQ(nm_vocab_from_file(&w.v, path.c_str(), 0, err, sizeof err), -1);
  EXPECT_EQ(std::string(err), path + ": truncated at token 0: score and length need 8 bytes, 4 left");
  std::filesystem::remove(path);
}

// --- the vocabulary embedded in a model ---------------------------------

struct ModelVocab {
  std::vector<std::string> pieces;
  std::vector<char*> ptrs;
  std::vector<int> lens, types;
  std::vector<float> scores;
  nm_model m{};
  ModelVocab(const std::vector<VocabEntry>& v, bool sp_spaces, bool with_types) {
    for (const auto& e : v) {
      std::string p = e.piece;
      if (sp_spaces)
        for (size_t at; (at = p.find(' ')) != std::string::npos;) p.replace(at, 1, "\xe2\x96\x81");
      pieces.push_back(p);
      scores.push_back(e.score);
      int t = NM_TOKTYPE_NORMAL;
      if (pieces.size() <= 3) t = pieces.size() == 1 ? NM_TOKTYPE_UNKNOWN : NM_TOKTYPE_CONTROL;
      else if (pieces.size() <= 259) t = NM_TOKTYPE_BYTE;
      types.push_back(t);
    }
    for (auto& p : pieces) {
      ptrs.push_back(p.data());
      lens.push_back(static_cast<int>(p.size()));
    }
    m.cfg.vocab_size = static_cast<int>(v.size());
    m.vocab_n = static_cast<int>(v.size());
    m.vocab_pieces = ptrs.data();
    m.vocab_piece_len = lens.data();
    m.vocab_scores = scores.data();
    m.vocab_types = with_types ? types.data() : nullptr;
  }
};

TEST(TokenizerModelVocab, SentencePieceSpaceMapsToSpace) {
  Vocab bin, model;
  ASSERT_EQ(load(bin, vocab_bin(test_vocab())), "");
  ModelVocab mv(test_vocab(), true, true);
  char err[256];
  ASSERT_EQ(nm_vocab_from_model(&model.v, &mv.m, err, sizeof err), 0) << err;
  EXPECT_EQ(model.v.max_token_length, 6);
  for (const char* text : {"the", "sing the abc", "xyz \xc3\xa9t\xc3\xa9 q\t", " leading", "\xe6\x97\xa5\xe6\x9c\xac"}) {
    EXPECT_EQ(encode(model.v, text).ids, encode(bin.v, text).ids) << text;
    EXPECT_EQ(decode(model.v, encode(model.v, text).ids), text);
  }
}

TEST(TokenizerModelVocab, ControlTokensAreNotMatchedOrPrinted) {
  std::vector<VocabEntry> e = test_vocab();
  e[1].piece = "<s>";
  e.push_back({"<s>", 0.0f});  // the same text as an ordinary piece: only this one is matched
  ModelVocab mv(e, false, true);
  mv.types[1] = NM_TOKTYPE_CONTROL;
  Vocab w;
  char err[256];
  ASSERT_EQ(nm_vocab_from_model(&w.v, &mv.m, err, sizeof err), 0) << err;
  EXPECT_EQ(nm_vocab_lookup(&w.v, "<s>", 3), static_cast<int>(e.size()) - 1);
  EXPECT_EQ(nm_vocab_lookup(&w.v, "<unk>", 5), -1);
  EXPECT_EQ(decode(w.v, {1, id(" the"), 2}), "the");
}

TEST(TokenizerModelVocab, Errors) {
  char err[256];
  Vocab w;
  nm_model empty{};
  EXPECT_EQ(nm_vocab_from_model(&w.v, &empty, err, sizeof err), -1);
  EXPECT_STREQ(err, "model: no embedded vocabulary");
  ModelVocab mv(test_vocab(), false, false);
  mv.m.cfg.vocab_size = 32000;
  EXPECT_EQ(nm_vocab_from_model(&w.v, &mv.m, err, sizeof err), -1);
  EXPECT_EQ(std::string(err), "model vocabulary: " + std::to_string(test_vocab().size()) +
                                  " tokens but the model's vocab_size is 32000");
  mv.m.cfg.vocab_size = mv.m.vocab_n;
  mv.lens[7] = -2;
  EXPECT_EQ(nm_vocab_from_model(&w.v, &mv.m, err, sizeof err), -1);
  EXPECT_STREQ(err, "model vocabulary: token 7: negative length -2");
  mv.lens[7] = 6;
  mv.scores[9] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(nm_vocab_from_model(&w.v, &mv.m, err, sizeof err), -1);
  EXPECT_STREQ(err, "model vocabulary: token 9: score is NaN");
}

// --- the real Llama 2 vocabulary -----------------------------------------

TEST(TokenizerRealVocab, KnownEncodings) {
  const char* dir = std::getenv("NINEML_EXTERNAL_FIXTURES");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "NINEML_EXTERNAL_FIXTURES is not set";
  std::string path = std::string(dir) + "/llama2-tokenizer.bin";
  Vocab w;
  char err[512];
  ASSERT_EQ(nm_vocab_from_file(&w.v, path.c_str(), 32000, err, sizeof err), 0) << err;
  struct Case {
    std::string text;
    std::vector<int> ids;
  } cases[] = {
      {"Once upon a time", {1, 9038, 2501, 263, 931}},
      {"", {1}},
      {"I believe the meaning of life is", {1, 306, 4658, 278, 6593, 310, 2834, 338}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(encode(w.v, c.text).ids, c.ids) << c.text;
    EXPECT_EQ(decode(w.v, c.ids), c.text);
  }
}

}  // namespace
