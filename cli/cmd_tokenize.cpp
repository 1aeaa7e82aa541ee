// `9ml tokenize` and `9ml detokenize`: the engine's tokenizer on a llama2.c
// tokenizer.bin or on the vocabulary a GGUF model embeds, SentencePiece or
// byte-level BPE (docs/TOKENIZER.md).
#include <fmt/core.h>

#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "formats/formats.h"
#include "tokenizer.h"
#include "vocab.hpp"

namespace nineml::cli {

namespace {

struct Opts {
  std::string tokenizer;
  int vocab_size = 0;
  bool bos = false, eos = false, special = false;
  std::string text;
  std::vector<int> ids;
};

void add_common(CLI::App* sub, Opts& o) {
  sub->add_option("-z,--tokenizer", o.tokenizer, "llama2.c tokenizer.bin, a GGUF model (its embedded vocabulary), or a Hugging Face tokenizer.json (byte-level BPE)")
      ->required()
      ->type_name("TOKENIZER");
  integer(sub->add_option("--vocab-size", o.vocab_size, "Require exactly N tokens in the file, 0..16777216 "
                          "(0, the default: all of it)")
              ->type_name("N"), 0, static_cast<int>(NM_TOK_MAX_VOCAB));
}

}  // namespace

Action add_tokenize(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("tokenize", "Print the token ids of TEXT, one line, space-separated");
  add_common(sub, *o);
  sub->add_flag("--bos", o->bos, "Start with BOS (id 1; a GGUF BPE vocabulary: its bos_token_id)");
  sub->add_flag("--eos", o->eos, "End with EOS (id 2; a GGUF BPE vocabulary: its eos_token_id)");
  sub->add_flag("--special", o->special,
                "Byte-level BPE: text spelling a control token becomes that token (user-defined ones always do)");
  sub->add_option("TEXT", o->text, "Text to encode (UTF-8)")->required();
  return [o]() {
    Vocab vocab(o->tokenizer, o->vocab_size);
    if (o->text.size() > (1u << 28)) throw UsageError("TEXT: longer than 268435456 bytes");
    int len = static_cast<int>(o->text.size());
    std::vector<int> ids(static_cast<size_t>(nm_tok_encode_max(len)));
    int n = 0;
    char err[256];
    const int flags = (o->bos ? NM_TOK_ADD_BOS : 0) | (o->eos ? NM_TOK_ADD_EOS : 0) |
                      (o->special ? NM_TOK_PARSE_SPECIAL : 0);
    if (nm_tok_encode_flags(&vocab.v, o->text.data(), len, flags, ids.data(), static_cast<int>(ids.size()), &n, err,
                            sizeof err) != 0)
      throw std::runtime_error(std::string("text: ") + err);
    std::string line;
    for (int i = 0; i < n; i++) line += (i ? " " : "") + std::to_string(ids[static_cast<size_t>(i)]);
    fmt::print("{}\n", line);
    return 0;
  };
}

Action add_detokenize(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("detokenize", "Print the text of token ids (BOS/EOS give none), then a newline");
  add_common(sub, *o);
  integer(sub->add_option("ID", o->ids, "Token ids, 0..2147483647")->required(), 0, INT_MAX);
  return [o]() {
    Vocab vocab(o->tokenizer, o->vocab_size);
    int n = static_cast<int>(o->ids.size()), len = 0;
    char err[256];
    if (nm_tok_decode(&vocab.v, o->ids.data(), n, nullptr, 0, &len, err, sizeof err) != 0)
      throw std::runtime_error(std::string("ID: ") + err);
    std::string text(static_cast<size_t>(len), '\0');
    if (nm_tok_decode(&vocab.v, o->ids.data(), n, text.data(), len, &len, err, sizeof err) != 0)
      throw std::runtime_error(std::string("ID: ") + err);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  };
}

}  // namespace nineml::cli
