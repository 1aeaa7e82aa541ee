// Shared helpers for the formats tests.
#pragma once

#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "formats/formats.h"
#include "writers.hpp"

namespace fmt_test {

// Rounds to bfloat16 (nearest even) and flushes |x| < 2^-14 to zero, so the
// value is exactly representable in f16 and bf16 alike.
inline float snap(float x) {
  uint32_t b = std::bit_cast<uint32_t>(x);
  b += 0x7fffu + ((b >> 16) & 1u);
  float y = std::bit_cast<float>(b & 0xffff0000u);
  return std::fabs(y) < 0x1p-14f ? 0.0f : y;
}

inline nineml::ref::Checkpoint checkpoint(bool shared = true) {
  nineml::ref::Config c;
  c.dim = 64; c.hidden_dim = 96; c.n_layers = 2; c.n_heads = 4; c.n_kv_heads = 2;
  c.vocab_size = 40; c.seq_len = 16; c.shared_classifier = shared;
  auto ck = nineml::fixtures::make_checkpoint(c, 7);
  for (auto* v : {&ck.token_embedding, &ck.rms_att, &ck.wq, &ck.wk, &ck.wv, &ck.wo, &ck.rms_ffn,
                  &ck.w1, &ck.w2, &ck.w3, &ck.rms_final, &ck.wcls})
    for (float& x : *v) x = snap(x);
  return ck;
}

struct TmpDir {
  std::filesystem::path p;
  TmpDir() {
    p = std::filesystem::temp_directory_path() /
        ("nm_fmt_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(p);
  }
  ~TmpDir() { std::error_code ec; std::filesystem::remove_all(p, ec); }
  std::string file(const std::string& n) const { return (p / n).string(); }
  static int& counter() { static int c = 0; return c; }
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Loads path; on failure returns the error text.
inline std::string load(nm_model& m, const std::string& path) {
  char err[512] = {0};
  if (nm_model_load(&m, path.c_str(), err, sizeof err) != 0) return err;
  return "";
}

}  // namespace fmt_test
