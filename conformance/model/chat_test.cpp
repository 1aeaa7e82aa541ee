// Chat mode (issue 3): the Llama 2 chat template, and the engine's nm_chat
// against run.c's chat loop over the golden reference (ref::chat): the same
// tokens fed at every position, the same pieces printed, the same replies
// ended by EOS, greedy and sampled, for every architecture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "model/generate.h"
#include "reference.hpp"
#include "tokenizer.h"
#include "vocab_gen.hpp"

namespace nineml::conformance {
namespace {

// run.c's chat() renders a turn with sprintf and these two format strings
// (written here from llama2.c, independently of nm_chat_render).
std::string llama2c_render(const std::string& system, const std::string& user, bool first_turn) {
  char buf[2048];
  if (first_turn && !system.empty())
    std::snprintf(buf, sizeof buf, "[INST] <<SYS>>\n%s\n<</SYS>>\n\n%s [/INST]", system.c_str(), user.c_str());
  else
    std::snprintf(buf, sizeof buf, "[INST] %s [/INST]", user.c_str());
  return buf;
}

std::string render(const char* system, const char* user) {
  char buf[256];
  const int n = nm_chat_render(buf, sizeof buf, system, user);
  return n < 0 ? std::string("<too long>") : std::string(buf, static_cast<size_t>(n));
}

TEST(ChatTemplate, Llama2Turns) {
  EXPECT_EQ(render("You are a cat.", "Hi"), "[INST] <<SYS>>\nYou are a cat.\n<</SYS>>\n\nHi [/INST]");
  EXPECT_EQ(render("", "Hi"), "[INST] Hi [/INST]");      // empty system prompt: plain turn
  EXPECT_EQ(render(nullptr, "Hi"), "[INST] Hi [/INST]");  // later turns
  char small[16];
  EXPECT_EQ(nm_chat_render(small, sizeof small, nullptr, "a turn that does not fit"), -1);
}

// A scripted stdin: the system prompt, then the user turns; records what
// nm_chat prints.
struct Script {
  const nm_vocab* vocab;
  std::string system;
  std::vector<std::string> users;
  std::vector<std::pair<int, int>> printed;
  int reply_ends = 0, reply_starts = 0;
};

// As nm_chat_io asks: the text's whole length, even when it did not fit.
int read_system(void* arg, char* buf, int cap) {
  auto* s = static_cast<Script*>(arg);
  return std::snprintf(buf, static_cast<size_t>(cap), "%s", s->system.c_str());
}
int read_user(void* arg, int turn, char* buf, int cap) {
  auto* s = static_cast<Script*>(arg);
  if (turn >= static_cast<int>(s->users.size())) return -1;
  return std::snprintf(buf, static_cast<size_t>(cap), "%s", s->users[static_cast<size_t>(turn)].c_str());
}
void on_token(void* arg, int prev, int token) { static_cast<Script*>(arg)->printed.emplace_back(prev, token); }
void on_reply_end(void* arg) { static_cast<Script*>(arg)->reply_ends++; }
void on_reply_start(void* arg) { static_cast<Script*>(arg)->reply_starts++; }
int encode(void* arg, const char* text, int* ids, int cap, int* n, char* err, int errcap) {
  return nm_tok_encode(static_cast<Script*>(arg)->vocab, text, static_cast<int>(std::strlen(text)), 1, 0, ids, cap, n,
                       err, errcap);
}

std::vector<int> encode_turn(const nm_vocab* v, const std::string& text) {
  std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(text.size()))));
  int n = 0;
  char err[128];
  EXPECT_EQ(nm_tok_encode(v, text.data(), static_cast<int>(text.size()), 1, 0, ids.data(), static_cast<int>(ids.size()),
                          &n, err, sizeof err), 0) << err;
  ids.resize(static_cast<size_t>(n));
  return ids;
}

struct ChatCase {
  std::string arch;
  bool sampled;
};

class ChatParity : public testing::TestWithParam<ChatCase> {};

TEST_P(ChatParity, MatchesRunCChatLoopOverTheReference) {
  const ChatCase& c = GetParam();
  ref::Checkpoint ck = fixtures::make_checkpoint(fixtures::arch_config(c.arch, 256), 5);
  // A random model seldom samples EOS; weight its classifier row so replies
  // end now and then and the chat goes through several turns.
  std::vector<float>& cls = ck.config.shared_classifier ? ck.token_embedding : ck.wcls;
  for (int j = 0; j < ck.config.dim; j++) cls[static_cast<size_t>(2 * ck.config.dim + j)] *= 16.0f;
  EngineModel em(ck, ref::Quant{ref::Storage::f32, 32}, c.arch);
  const std::vector<uint8_t> bin = fixtures::vocab_bin(fixtures::test_vocab());
  nm_vocab v{};
  char err[256];
  ASSERT_EQ(nm_vocab_from_bin(&v, bin.data(), bin.size(), ck.config.vocab_size, "test-vocab", err, sizeof err), 0)
      << err;

  Script s{&v, "You are a cat.", {"Hi there", "Tell me a tale", "Bye now", "One more"}, {}, 0, 0};
  const float t = c.sampled ? 1.0f : 0.0f, p = c.sampled ? 0.9f : 0.0f;
  nm_sampler sp;
  ASSERT_EQ(nm_sampler_init(&sp, ck.config.vocab_size, t, p, 42), 0);
  const char* why = nullptr;
  nm_state* st = nm_state_new(em.get(), &why);
  ASSERT_NE(st, nullptr) << why;
  nm_exec e{nm_kernels_scalar(), nullptr};
  nm_chat_io io{read_system, read_user, on_reply_start, on_token, on_reply_end, encode, &s};
  char chat_err[256];
  const int used = nm_chat(st, em.get(), &e, &sp, 256, &io, chat_err, sizeof chat_err);
  EXPECT_GE(used, 0) << chat_err;

  std::vector<std::vector<int>> turns;
  for (size_t i = 0; i < s.users.size(); i++) turns.push_back(encode_turn(&v, llama2c_render(s.system, s.users[i], i == 0)));
  const ref::ChatTranscript want = ref::chat(ck, ref::Mode::llama2c, ref::Quant{}, turns, 256, t, p, 42);
  EXPECT_EQ(used, static_cast<int>(want.fed.size()));
  EXPECT_EQ(s.printed, want.printed);
  EXPECT_EQ(s.reply_ends, static_cast<int>(want.reply_ends.size()));
  EXPECT_EQ(s.reply_starts, want.turns);
  // The scenario must exercise what it claims: replies that end, and more
  // than one user turn fed.
  EXPECT_GE(want.reply_ends.size(), 2u) << "the weighted EOS no longer ends replies: raise its weight";
  EXPECT_FALSE(want.printed.empty());
  EXPECT_GE(want.turns, 2) << "fewer than two user turns reached the model";
  nm_state_free(st);
  nm_sampler_free(&sp);
  nm_vocab_free(&v);
}

INSTANTIATE_TEST_SUITE_P(Archs, ChatParity,
                         testing::Values(ChatCase{"llama2", false}, ChatCase{"llama2", true}, ChatCase{"llama3", false},
                                         ChatCase{"llama3", true}, ChatCase{"mistral", false},
                                         ChatCase{"mistral", true}),
                         [](const testing::TestParamInfo<ChatCase>& i) {
                           return i.param.arch + (i.param.sampled ? "_sampled" : "_greedy");
                         });

// ---- the tokens nm_chat feeds, seen by the forward pass itself ---------------
// At every position the input of layer 0's attention rmsnorm is the fed
// token's embedding row (f32 storage: copied bit for bit), so a kernel table
// whose rmsnorm looks that row up records what the model was really fed,
// independently of the chat loop's own bookkeeping.
struct FedCapture {
  const nm_kernel_table* base;
  const float* rms_att0;
  std::map<std::string, int> row_to_id;
  std::vector<int> fed;
  bool unknown_row = false;
};
thread_local FedCapture* t_fed = nullptr;

void capturing_rmsnorm(float* out, const float* x, const float* w, int n, float eps) {
  if (w == t_fed->rms_att0) {
    auto it = t_fed->row_to_id.find(std::string(reinterpret_cast<const char*>(x), sizeof(float) * size_t(n)));
    if (it == t_fed->row_to_id.end()) t_fed->unknown_row = true;
    else t_fed->fed.push_back(it->second);
  }
  t_fed->base->rmsnorm(out, x, w, n, eps);
}

struct ChatRun {
  std::vector<int> fed;
  std::vector<std::pair<int, int>> printed;
  int reply_ends = 0, used = 0;
  std::string error;  // nm_chat's message when it returns -1
};

// A model whose EOS classifier row is weighted so that greedy replies end
// (the tests fail, saying so, if a reply is empty or never ends).
ref::Checkpoint eos_weighted(ref::Config cfg, float factor) {
  ref::Checkpoint ck = fixtures::make_checkpoint(cfg, 10);
  std::vector<float>& cls = ck.config.shared_classifier ? ck.token_embedding : ck.wcls;
  for (int j = 0; j < ck.config.dim; j++) cls[static_cast<size_t>(2 * ck.config.dim + j)] *= factor;
  return ck;
}

ChatRun run_chat(const ref::Checkpoint& ck, const nm_vocab* v, const std::string& system,
                 const std::vector<std::string>& users, int steps) {
  EngineModel em(ck, ref::Quant{ref::Storage::f32, 32}, "llama2");
  const nm_model* m = em.get();
  FedCapture cap{nm_kernels_scalar(), m->rms_att, {}, {}, false};
  const int dim = m->cfg.dim;
  for (int id = 0; id < m->cfg.vocab_size; id++)
    cap.row_to_id.emplace(std::string(reinterpret_cast<const char*>(m->token_embedding.f + size_t(id) * size_t(dim)),
                                      sizeof(float) * size_t(dim)),
                          id);
  EXPECT_EQ(cap.row_to_id.size(), size_t(m->cfg.vocab_size)) << "embedding rows must be distinct";
  nm_kernel_table table = *nm_kernels_scalar();
  table.rmsnorm = capturing_rmsnorm;
  nm_exec e{&table, nullptr};

  Script s{v, system, users, {}, 0, 0};
  ChatRun r;
  nm_sampler sp;
  if (nm_sampler_init(&sp, m->cfg.vocab_size, 0.0f, 0.0f, 1) != 0) {
    ADD_FAILURE() << "sampler";
    return r;
  }
  const char* why = nullptr;
  nm_state* st = nm_state_new(m, &why);
  if (!st) {
    ADD_FAILURE() << why;
    nm_sampler_free(&sp);
    return r;
  }
  nm_chat_io io{read_system, read_user, on_reply_start, on_token, on_reply_end, encode, &s};
  t_fed = &cap;
  char chat_err[256];
  r.used = nm_chat(st, m, &e, &sp, steps, &io, chat_err, sizeof chat_err);
  if (r.used < 0) r.error = chat_err;
  t_fed = nullptr;
  EXPECT_FALSE(cap.unknown_row) << "a position was fed something that is not a token's embedding row";
  nm_state_free(st);
  nm_sampler_free(&sp);
  r.fed = cap.fed;
  r.printed = s.printed;
  r.reply_ends = s.reply_ends;
  return r;
}

std::vector<int> slice(const std::vector<int>& v, size_t from, size_t n) {
  if (from >= v.size()) return {};
  return std::vector<int>(v.begin() + std::ptrdiff_t(from), v.begin() + std::ptrdiff_t(std::min(v.size(), from + n)));
}

// Where the reply after the prompt that ends at `from` is closed by the fed EOS.
size_t eos_after(const std::vector<int>& fed, size_t from) {
  for (size_t i = from; i < fed.size(); i++)
    if (fed[i] == NM_TOKEN_EOS) return i;
  return fed.size();
}

// The first two turns of a chat, as the model sees them: BOS + the rendered
// first turn (with the system block when there is a system prompt), the
// reply up to and including the fed EOS, then BOS + the plain later turn.
void expect_llama2c_turns(const nm_vocab* v, const ChatRun& r, const std::string& system,
                          const std::vector<std::string>& users) {
  const std::vector<int> p1 = encode_turn(v, llama2c_render(system, users[0], true));
  const std::vector<int> p2 = encode_turn(v, llama2c_render(system, users[1], false));
  ASSERT_EQ(r.used, static_cast<int>(r.fed.size()));
  EXPECT_EQ(slice(r.fed, 0, p1.size()), p1) << "first turn";
  const size_t e1 = eos_after(r.fed, p1.size());
  ASSERT_LT(e1, r.fed.size()) << "the first reply never ended: the scenario needs a reply that reaches EOS";
  EXPECT_GT(e1, p1.size()) << "an empty first reply does not exercise the reply";
  EXPECT_EQ(slice(r.fed, e1 + 1, p2.size()), p2) << "the turn after the first reply";
  EXPECT_EQ(p2.front(), NM_TOKEN_BOS);
}

class ChatTurnsTestVocab : public testing::Test {
 protected:
  void SetUp() override {
    const std::vector<uint8_t> bin = fixtures::vocab_bin(fixtures::test_vocab());
    char err[256];
    ASSERT_EQ(nm_vocab_from_bin(&v_, bin.data(), bin.size(), static_cast<int>(fixtures::test_vocab().size()),
                                "test-vocab", err, sizeof err), 0) << err;
    ref::Config cfg = fixtures::arch_config("llama2", 256);
    ck_ = eos_weighted(cfg, 8.0f);
  }
  void TearDown() override { nm_vocab_free(&v_); }
  nm_vocab v_{};
  ref::Checkpoint ck_;
  const std::vector<std::string> users_{"Hi there", "Tell me a tale", "Bye now"};
};

// run.c's chat(): the first turn with a system prompt in its <<SYS>> block,
// BOS on every turn, the later turn plain, the reply's EOS fed in between.
TEST_F(ChatTurnsTestVocab, FirstTurnWithSystemPromptThenPlainTurn) {
  const ChatRun r = run_chat(ck_, &v_, "You are a cat.", users_, 256);
  expect_llama2c_turns(&v_, r, "You are a cat.", users_);
}

// An empty system prompt: the first turn is the plain template too.
TEST_F(ChatTurnsTestVocab, FirstTurnWithoutSystemPrompt) {
  const ChatRun r = run_chat(ck_, &v_, "", users_, 256);
  expect_llama2c_turns(&v_, r, "", users_);
}

// Errors end the chat with -1 and one line that says what went wrong (the
// CLI prints it and exits 1): a system prompt or turn too long for the
// buffers, a turn the tokenizer rejects, a turn that does not fit.
TEST_F(ChatTurnsTestVocab, ErrorsAreReported) {
  ChatRun r = run_chat(ck_, &v_, std::string(3000, 'a'), users_, 256);
  EXPECT_EQ(r.used, -1);
  EXPECT_EQ(r.error, "the system prompt is 3000 bytes; at most 2047 fit");
  EXPECT_TRUE(r.fed.empty());
  r = run_chat(ck_, &v_, "", {std::string(5000, 'b')}, 256);
  EXPECT_EQ(r.used, -1);
  EXPECT_EQ(r.error, "turn 1 is 5000 bytes long; at most 4095 fit");
  r = run_chat(ck_, &v_, "", {"ab\xff"}, 256);
  EXPECT_EQ(r.used, -1);
  EXPECT_EQ(r.error.rfind("turn 1: ", 0), 0u) << r.error;
  EXPECT_NE(r.error.find("not valid UTF-8"), std::string::npos) << r.error;
  r = run_chat(ck_, &v_, "", {"a turn of many words that will not fit"}, 8);
  EXPECT_EQ(r.used, -1);
  EXPECT_NE(r.error.find("turn 1 is "), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(" tokens, more than the 8 positions left of 8"), std::string::npos) << r.error;
  // The end of input is not an error.
  r = run_chat(ck_, &v_, "", {}, 256);
  EXPECT_EQ(r.used, 0);
  EXPECT_EQ(r.error, "");
}

// The assistant's reply is the greedy continuation and stops exactly when
// EOS is sampled: replaying the fed tokens through a fresh state, every
// reply token is the argmax of the previous position, none of them is EOS,
// the position before the fed EOS has EOS as its argmax, and the printed
// pieces are the reply's tokens (then run.c's one piece sampled after the
// fed EOS, before the next turn).
TEST_F(ChatTurnsTestVocab, AssistantReplyStopsAtEos) {
  const ChatRun r = run_chat(ck_, &v_, "You are a cat.", users_, 256);
  const size_t n1 = encode_turn(&v_, llama2c_render("You are a cat.", users_[0], true)).size();
  const size_t e1 = eos_after(r.fed, n1);
  ASSERT_LT(e1, r.fed.size());
  ASSERT_GE(r.reply_ends, 1);
  EngineModel em(ck_, ref::Quant{ref::Storage::f32, 32}, "llama2");
  const char* why = nullptr;
  nm_state* st = nm_state_new(em.get(), &why);
  ASSERT_NE(st, nullptr) << why;
  nm_exec e{nm_kernels_scalar(), nullptr};
  std::vector<int> argmax;
  for (size_t p = 0; p <= e1; p++) {
    const float* l = nm_forward(st, em.get(), &e, r.fed[p], static_cast<int>(p));
    ASSERT_NE(l, nullptr);
    argmax.push_back(static_cast<int>(std::max_element(l, l + em.get()->cfg.vocab_size) - l));
  }
  nm_state_free(st);
  for (size_t p = n1 - 1; p + 1 < e1; p++) {
    EXPECT_EQ(r.fed[p + 1], argmax[p]) << "reply token at position " << p + 1;
    EXPECT_NE(argmax[p], NM_TOKEN_EOS) << "EOS sampled at " << p << " but the reply went on";
  }
  EXPECT_EQ(argmax[e1 - 1], NM_TOKEN_EOS) << "the reply stopped without EOS";
  // Printed: (prev, token) for each reply token, then the stray piece.
  std::vector<std::pair<int, int>> want;
  for (size_t p = n1; p < e1; p++) want.emplace_back(r.fed[p - 1], r.fed[p]);
  if (argmax[e1] != NM_TOKEN_EOS) want.emplace_back(NM_TOKEN_EOS, argmax[e1]);
  ASSERT_GE(r.printed.size(), want.size());
  const std::vector<std::pair<int, int>> got(r.printed.begin(), r.printed.begin() + std::ptrdiff_t(want.size()));
  EXPECT_EQ(got, want);
}

// The same turns with the real Llama 2 vocabulary ($NINEML_EXTERNAL_FIXTURES/
// llama2-tokenizer.bin) on a 32000-token model: the prompt tokens are what
// run.c's chat() feeds, and the template's markers are Llama 2's own pieces:
// "[INST]" -> " [" "INST" "]", "[/INST]" -> " [" "/" "INST" "]", and
// "<<SYS>>" / "<</SYS>>" spelled from "<<", "SYS", ">>" pieces.
class ChatTurnsExternalLlama2Tokenizer : public testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("NINEML_EXTERNAL_FIXTURES");
    if (!dir) GTEST_SKIP() << "NINEML_EXTERNAL_FIXTURES is not set: the real Llama 2 tokenizer test did not run";
    const std::string path = std::string(dir) + "/llama2-tokenizer.bin";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist: the test did not run";
    char err[512];
    ASSERT_EQ(nm_vocab_from_file(&v_, path.c_str(), 32000, err, sizeof err), 0) << err;
    loaded_ = true;
    ref::Config cfg = fixtures::arch_config("llama2", 256);
    cfg.vocab_size = 32000;
    ck_ = eos_weighted(cfg, 8.0f);
  }
  void TearDown() override {
    if (loaded_) nm_vocab_free(&v_);
  }
  std::string piece(int id) const { return std::string(v_.piece[id], size_t(v_.piece_len[id])); }
  nm_vocab v_{};
  bool loaded_ = false;
  ref::Checkpoint ck_;
};

TEST_F(ChatTurnsExternalLlama2Tokenizer, PromptTokensMatchLlama2cChat) {
  const std::vector<std::string> users{"Hi there", "Tell me a tale"};
  const ChatRun r = run_chat(ck_, &v_, "You are a cat.", users, 256);
  expect_llama2c_turns(&v_, r, "You are a cat.", users);
  const ChatRun plain = run_chat(ck_, &v_, "", users, 256);
  expect_llama2c_turns(&v_, plain, "", users);

  const std::vector<int> p = encode_turn(&v_, llama2c_render("You are a cat.", "Hi there", true));
  std::vector<std::string> pieces;
  for (int id : p) pieces.push_back(piece(id));
  ASSERT_GE(pieces.size(), 9u);
  EXPECT_EQ(p[0], NM_TOKEN_BOS);
  EXPECT_EQ(std::vector<std::string>(pieces.begin() + 1, pieces.begin() + 4), (std::vector<std::string>{" [", "INST", "]"}));
  EXPECT_EQ(std::vector<std::string>(pieces.end() - 4, pieces.end()), (std::vector<std::string>{" [", "/", "INST", "]"}));
  // Llama 2's known ids for those markers (as in Meta's chat format):
  // BOS, "[INST]" 518 25580 29962, "<<SYS>>" 3532 14816 29903 6778, "\n" 13,
  // ..., "[/INST]" 518 29914 25580 29962.
  EXPECT_EQ(std::vector<int>(p.begin(), p.begin() + 9), (std::vector<int>{1, 518, 25580, 29962, 3532, 14816, 29903, 6778, 13}));
  EXPECT_EQ(std::vector<int>(p.end() - 4, p.end()), (std::vector<int>{518, 29914, 25580, 29962}));
  // and decode back to the rendered turn (the dummy prefix dropped after BOS)
  char out[512], err[256];
  int len = 0;
  ASSERT_EQ(nm_tok_decode(&v_, p.data(), static_cast<int>(p.size()), out, sizeof out, &len, err, sizeof err), 0) << err;
  EXPECT_EQ(std::string(out, size_t(len)), llama2c_render("You are a cat.", "Hi there", true));
}

}  // namespace
}  // namespace nineml::conformance
