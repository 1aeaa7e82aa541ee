// Chat mode (issue 3): the Llama 2 chat template, and the engine's nm_chat
// against run.c's chat loop over the golden reference (ref::chat): the same
// tokens fed at every position, the same pieces printed, the same replies
// ended by EOS, greedy and sampled, for every architecture.
#include <gtest/gtest.h>

#include <cstring>
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

int read_system(void* arg, char* buf, int cap) {
  auto* s = static_cast<Script*>(arg);
  std::snprintf(buf, static_cast<size_t>(cap), "%s", s->system.c_str());
  return 0;
}
int read_user(void* arg, int turn, char* buf, int cap) {
  auto* s = static_cast<Script*>(arg);
  if (turn >= static_cast<int>(s->users.size())) return -1;
  std::snprintf(buf, static_cast<size_t>(cap), "%s", s->users[static_cast<size_t>(turn)].c_str());
  return 0;
}
void on_token(void* arg, int prev, int token) { static_cast<Script*>(arg)->printed.emplace_back(prev, token); }
void on_reply_end(void* arg) { static_cast<Script*>(arg)->reply_ends++; }
void on_reply_start(void* arg) { static_cast<Script*>(arg)->reply_starts++; }
int encode(void* arg, const char* text, int* ids, int cap, int* n) {
  char err[128];
  return nm_tok_encode(static_cast<Script*>(arg)->vocab, text, static_cast<int>(std::strlen(text)), 1, 0, ids, cap, n,
                       err, sizeof err);
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
  const int used = nm_chat(st, em.get(), &e, &sp, 256, &io);

  std::vector<std::vector<int>> turns;
  for (size_t i = 0; i < s.users.size(); i++) {
    char buf[512];
    ASSERT_GE(nm_chat_render(buf, sizeof buf, i == 0 ? s.system.c_str() : nullptr, s.users[i].c_str()), 0);
    turns.push_back(encode_turn(&v, buf));
  }
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

}  // namespace
}  // namespace nineml::conformance
