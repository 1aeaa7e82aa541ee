// cli/vocab.hpp: the vocabulary file, recognised by its content.
#include "vocab.hpp"

#include <fmt/core.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "formats/formats.h"

namespace nineml::cli {

namespace {

// Hugging Face's tokenizer.json (by content: a JSON object).
bool is_json(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream f(path, std::ios::binary);
  char c = 0;
  while (f.get(c) && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
  }
  return f && c == '{';
}

}  // namespace

// A GGUF file (by content: its magic), whose vocabulary is embedded.
// Anything but a regular file is left to the loader, which refuses it
// (opening a FIFO here would wait for a writer forever).
bool is_gguf(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  char magic[4] = {};
  std::ifstream f(path, std::ios::binary);
  return f.read(magic, sizeof magic) && std::memcmp(magic, "GGUF", 4) == 0;
}

Vocab::Vocab(const std::string& path, int vocab_size) {
  char err[512];
  if (is_json(path)) {
    if (nm_vocab_from_hf_file(&v, path.c_str(), err, sizeof err) != 0) throw std::runtime_error(err);
    check_size(path, vocab_size);
    return;
  }
  if (!is_gguf(path)) {
    if (nm_vocab_from_file(&v, path.c_str(), vocab_size, err, sizeof err) != 0) throw std::runtime_error(err);
    return;
  }
  nm_model m{};
  // Only the vocabulary: a vocab-only GGUF (no tensors) tokenizes too.
  if (nm_model_load_vocab(&m, path.c_str(), err, sizeof err) != 0) throw std::runtime_error(err);
  const int rc = nm_vocab_from_model(&v, &m, err, sizeof err);
  nm_model_free(&m);
  if (rc != 0) throw std::runtime_error(path + ": " + err);
  check_size(path, vocab_size);
}

void Vocab::check_size(const std::string& path, int vocab_size) {
  if (const int n = v.n; vocab_size != 0 && n != vocab_size) {
    nm_vocab_free(&v);
    throw std::runtime_error(fmt::format("{}: the embedded vocabulary has {} tokens, not {}", path, n, vocab_size));
  }
}

Vocab::~Vocab() { nm_vocab_free(&v); }

}  // namespace nineml::cli
