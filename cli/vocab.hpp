// A vocabulary for the commands that encode or decode text (`9ml tokenize`,
// `9ml diff-layers`): a llama2.c tokenizer.bin, a Hugging Face
// tokenizer.json, or the vocabulary a GGUF model embeds, told apart by content.
#pragma once

#include <string>

#include "tokenizer.h"

namespace nineml::cli {

// Whether path is a GGUF file (by its magic), whose vocabulary is embedded.
bool is_gguf(const std::string& path);

// The loaded vocabulary, released on every path out. vocab_size != 0
// requires exactly that many tokens. Throws std::runtime_error "PATH: problem".
struct Vocab {
  nm_vocab v{};
  Vocab(const std::string& path, int vocab_size);
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;
  ~Vocab();

 private:
  void check_size(const std::string& path, int vocab_size);
};

}  // namespace nineml::cli
