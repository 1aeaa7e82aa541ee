// `9ml run`: generation (or chat) on a model file with the engine, as
// llama2.c's run: text streamed as it is generated, tok/s on stderr.
#include <fmt/core.h>

#include <cfloat>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "formats/formats.h"
#include "model/generate.h"
#include "tokenizer.h"

namespace nineml::cli {

namespace {

struct Opts {
  std::string model, tokenizer, prompt, mode = "generate", system;
  float temperature = 1.0f, topp = 0.9f;
  uint64_t seed = 0;  // 0: the time, as llama2.c's run for seed <= 0
  int steps = 256, threads = 0;  // 0: one per CPU (nm_cpu_count)
  int ctx = 0;                   // KV cache positions (0: the steps)
  bool no_simd = false, ids = false;
  std::string simd;  // --simd LEVEL (empty: $NINEML_SIMD, else the best)
};

// Everything the run owns, released on every path out.
struct Session {
  nm_model model{};
  nm_vocab vocab{};
  nm_state* state = nullptr;
  nm_sampler sampler{};
  nm_pool* pool = nullptr;
  ~Session() {
    nm_sampler_free(&sampler);
    nm_state_free(state);
    nm_pool_free(pool);
    nm_vocab_free(&vocab);
    nm_model_free(&model);
  }
};

// A file, the text or the model is at fault (exit 1); usage(): the command line (exit 2).
[[noreturn]] void fail(const std::string& msg) { throw std::runtime_error(msg); }
[[noreturn]] void usage(const std::string& msg) { throw UsageError(msg); }

// run.c's safe_printf: a piece that is one unprintable byte is not shown.
void print_piece(const char* p, int len) {
  if (len == 1) {
    unsigned char c = static_cast<unsigned char>(p[0]);
    if (!(c >= 32 && c < 127) && c != '\n' && c != '\t' && c != '\r' && c != ' ') return;
  }
  std::fwrite(p, 1, static_cast<size_t>(len), stdout);
  std::fflush(stdout);
}

struct Stream {
  const nm_vocab* vocab;
  bool ids;
  std::vector<int> generated;
  double start = 0;  // set after the first position, as run.c times
  int first_pos_done = 0;
};

void stream_token(void* arg, int prev, int token) {
  auto* st = static_cast<Stream*>(arg);
  if (!st->first_pos_done) {
    st->first_pos_done = 1;
    st->start = nm_seconds();
  }
  st->generated.push_back(token);
  if (st->ids) return;
  const char* piece = nullptr;
  int len = 0;
  char err[256];
  if (nm_tok_decode_piece(st->vocab, prev, token, &piece, &len, err, sizeof err) == 0) print_piece(piece, len);
}

std::vector<int> encode(const nm_vocab* v, const std::string& text, bool bos) {
  int len = static_cast<int>(text.size()), n = 0;
  std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(len)));
  char err[256];
  if (nm_tok_encode(v, text.data(), len, bos ? 1 : 0, 0, ids.data(), static_cast<int>(ids.size()), &n, err,
                    sizeof err) != 0)
    fail(std::string("-i: ") + err);
  ids.resize(static_cast<size_t>(n));
  return ids;
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? " " : "") + std::to_string(v[i]);
  return s;
}

int run_generate(Session& ss, const nm_exec& ex, const Opts& o, int steps) {
  const std::vector<int> prompt = encode(&ss.vocab, o.prompt, true);
  const int seq_len = ss.model.cfg.seq_len;
  if (static_cast<int>(prompt.size()) > seq_len)
    fail(fmt::format("-i: the prompt is {} tokens, longer than the model's seq_len {}", prompt.size(), seq_len));
  if (static_cast<int>(prompt.size()) > steps)
    fail(fmt::format("-n: the prompt is {} tokens, more than the {} steps", prompt.size(), steps));
  Stream st{&ss.vocab, o.ids, {}, 0, 0};
  nm_gen_callbacks cb{nullptr, stream_token, &st, nullptr};
  int pos = nm_generate(ss.state, &ss.model, &ex, &ss.sampler, prompt.data(), static_cast<int>(prompt.size()), steps,
                        &cb);
  if (pos < 0) fail("run: generation failed");
  const double end = nm_seconds();
  if (o.ids) {
    std::vector<int> gen(st.generated.begin() + std::ptrdiff_t(prompt.size() - 1), st.generated.end());
    fmt::print("prompt: {}\ngenerated: {}\n", join(prompt), join(gen));
  } else {
    fmt::print("\n");
  }
  std::fflush(stdout);
  if (pos > 1 && end > st.start) fmt::print(stderr, "achieved tok/s: {:.2f}\n", (pos - 1) / (end - st.start));
  return 0;
}

// Chat turns come from stdin, one line each, as run.c reads them.
struct ChatIo {
  Session* ss;
  const Opts* o;
  bool system_given;
};

int chat_read_system(void* arg, char* buf, int cap) {
  auto* io = static_cast<ChatIo*>(arg);
  std::string line = io->o->system;
  if (!io->system_given) {
    std::fputs("Enter system prompt (optional): ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) line.clear();
  }
  return std::snprintf(buf, static_cast<size_t>(cap), "%s", line.c_str());  // >= cap: too long, nm_chat says so
}

int chat_read_user(void* arg, int turn, char* buf, int cap) {
  auto* io = static_cast<ChatIo*>(arg);
  std::string line;
  if (turn == 0 && !io->o->prompt.empty()) {
    line = io->o->prompt;
  } else {
    std::fputs("User: ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) return -1;
  }
  return std::snprintf(buf, static_cast<size_t>(cap), "%s", line.c_str());
}

void chat_reply_start(void*) {
  std::fputs("Assistant: ", stdout);
  std::fflush(stdout);
}

void chat_token(void* arg, int prev, int token) {
  auto* io = static_cast<ChatIo*>(arg);
  const char* piece = nullptr;
  int len = 0;
  char err[256];
  if (nm_tok_decode_piece(&io->ss->vocab, prev, token, &piece, &len, err, sizeof err) == 0) print_piece(piece, len);
}

void chat_reply_end(void*) { std::fputs("\n", stdout); }

// nm_chat reports the error (the turn and this reason); run_chat prints it.
int chat_encode(void* arg, const char* text, int* ids, int cap, int* n_ids, char* err, int errcap) {
  auto* io = static_cast<ChatIo*>(arg);
  const int len = static_cast<int>(std::strlen(text));
  if (nm_tok_encode_max(len) > cap) {
    std::snprintf(err, static_cast<size_t>(errcap), "%d bytes: too long to encode", len);
    return -1;
  }
  return nm_tok_encode(&io->ss->vocab, text, len, 1, 0, ids, cap, n_ids, err, errcap) != 0 ? -1 : 0;
}

int run_chat(Session& ss, const nm_exec& ex, const Opts& o, int steps, bool system_given) {
  ChatIo io{&ss, &o, system_given};
  nm_chat_io cio{chat_read_system, chat_read_user, chat_reply_start, chat_token, chat_reply_end, chat_encode, &io};
  char err[512];
  if (nm_chat(ss.state, &ss.model, &ex, &ss.sampler, steps, &cio, err, sizeof err) < 0) {
    std::fputs("\n", stdout);  // the error starts its own line after the transcript
    std::fflush(stdout);
    fail(std::string("chat: ") + err);
  }
  return 0;
}

}  // namespace

Action add_run(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("run", "Generate text with the engine (llama2.c's run)");
  sub->add_option("MODEL", o->model, "Model file (llama2.c v0/v1/v2, GGUF, safetensors)")->required();
  sub->add_option("-z,--tokenizer", o->tokenizer,
                  "llama2.c tokenizer.bin (default: the model's embedded vocabulary)")
      ->type_name("TOKENIZER");
  real(sub->add_option("-t,--temp", o->temperature, "Temperature, finite, >= 0 (0: greedy; default 1.0)")->type_name("T"), 0, FLT_MAX);
  real(sub->add_option("-p,--top-p", o->topp, "Top-p in [0, 1] (default 0.9)")->type_name("P"), 0, 1);
  unsigned_integer(sub->add_option("-s,--seed", o->seed, "RNG seed, 0..2^64-1 (0, the default: the time)")->type_name("SEED"));
  integer(sub->add_option("-n,--n-predict", o->steps, "Steps, 0..seq_len (0: seq_len; default 256, capped at seq_len)")->type_name("STEPS"), 0, INT_MAX);
  sub->add_option("-i,--prompt", o->prompt, "Prompt (UTF-8; in chat mode the first turn, at most 4095 bytes)")->type_name("PROMPT");
  auto* sys = sub->add_option("-y", o->system, "System prompt (chat mode; at most 2047 bytes)")->type_name("SYSTEM");
  sub->add_option("-m", o->mode, "Mode")->check(CLI::IsMember({"generate", "chat"}));
  integer(sub->add_option("--threads", o->threads, "Threads, 1..256 (default: one per CPU)")->type_name("N"), 1, 256);
  sub->add_flag("--no-simd", o->no_simd, "Scalar kernels only (same as --simd scalar)");
  sub->add_option("--simd", o->simd, "Kernel table: scalar, sse2, avx2, avx512 (default: $NINEML_SIMD, else the best)")
      ->type_name("LEVEL");
  integer(sub->add_option("--ctx", o->ctx, "Positions the KV cache holds, 1..seq_len (default: the steps)")
              ->type_name("N"), 1, INT_MAX);
  sub->add_flag("--ids", o->ids, "Print the prompt's and the generated token ids instead of text");
  auto* steps_opt = sub->get_option("-n");
  return [o, sys, steps_opt]() {
    if (o->ctx > 0 && steps_opt->count() > 0 && o->steps > o->ctx)
      usage(fmt::format("-n: {} steps beyond --ctx {}", o->steps, o->ctx));
    // The command line first, before any file is read.
    if (o->prompt.size() > (1u << 24)) usage("-i: longer than 16777216 bytes");
    if (o->no_simd && !o->simd.empty() && o->simd != "scalar") usage("--no-simd: conflicts with --simd " + o->simd);
    const nm_kernel_table* table =
        o->no_simd ? nm_kernels_scalar() : nm_kernels_select(o->simd.empty() ? nullptr : o->simd.c_str());
    if (table == nullptr)
      usage(o->simd.empty() ? std::string("NINEML_SIMD: that SIMD level is unknown or not available on this CPU")
                            : "--simd " + o->simd + ": unknown, or not available on this CPU");
    Session ss;
    char err[512];
    if (nm_model_load(&ss.model, o->model.c_str(), err, sizeof err) != 0) fail(err);
    const int vocab_size = ss.model.cfg.vocab_size, seq_len = ss.model.cfg.seq_len;
    if (!o->tokenizer.empty()) {
      if (nm_vocab_from_file(&ss.vocab, o->tokenizer.c_str(), 0, err, sizeof err) != 0)
        fail(std::string("-z: ") + err);
      if (ss.vocab.n != vocab_size)
        fail(fmt::format("-z: the tokenizer has {} tokens, the model's vocab_size is {}", ss.vocab.n, vocab_size));
    } else if (nm_vocab_from_model(&ss.vocab, &ss.model, err, sizeof err) != 0) {
      fail(std::string("-z: the model has no vocabulary of its own; pass -z TOKENIZER (") + err + ")");
    }
    int steps = o->steps;
    if (steps_opt->count() > 0 && steps > seq_len)
      fail(fmt::format("-n: {} steps beyond the model's seq_len {}", steps, seq_len));
    if (o->ctx > seq_len) fail(fmt::format("--ctx: {} positions beyond the model's seq_len {}", o->ctx, seq_len));
    if (steps == 0 || steps > seq_len) steps = seq_len;
    if (o->ctx > 0 && steps > o->ctx) steps = o->ctx;
    // The KV cache holds what this run can reach, not the header's seq_len
    // (a GGUF may declare 128K positions: gigabytes before the first token).
    const char* why = nullptr;
    ss.state = nm_state_new_ctx(&ss.model, o->ctx > 0 ? o->ctx : steps, &why);
    if (ss.state == nullptr) fail(o->model + ": " + why);
    uint64_t seed = o->seed > 0 ? o->seed : static_cast<uint64_t>(std::time(nullptr));
    if (nm_sampler_init(&ss.sampler, vocab_size, o->temperature, o->topp, seed) != 0) fail("run: out of memory");
    if (o->threads == 0) o->threads = nm_cpu_count() > 256 ? 256 : nm_cpu_count();
    if (o->threads > 1) {
      ss.pool = nm_pool_create(o->threads);
      if (ss.pool == nullptr) fail("--threads: cannot start " + std::to_string(o->threads) + " threads");
    }
    if (nm_model_pack(&ss.model, table) != 0) fail(o->model + ": out of memory packing the Q8 weights");
    nm_exec ex{table, ss.pool};
    if (o->mode == "chat") return run_chat(ss, ex, *o, steps, sys->count() > 0);
    return run_generate(ss, ex, *o, steps);
  };
}

}  // namespace nineml::cli
