// Shared helpers for the formats tests.
#pragma once

#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
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

// A loaded model made Qwen2 by hand (arch, theta, NEOX layout and q/k/v
// biases the test owns, values exact in f16): what the qwen2 plugin would
// configure, for the writers to store as llama.cpp and Hugging Face do.
struct Qwen2Biases {
  std::vector<float> bq, bk, bv;
  void attach(nm_model& m) {
    const nm_config& c = m.cfg;
    const size_t L = size_t(c.n_layers), D = size_t(c.dim), KV = D / size_t(c.n_heads) * size_t(c.n_kv_heads);
    bq.resize(L * D);
    bk.resize(L * KV);
    bv.resize(L * KV);
    for (size_t i = 0; i < bq.size(); i++) bq[i] = snap(0.25f * float(int(i % 7) - 3));
    for (size_t i = 0; i < bk.size(); i++) bk[i] = snap(0.125f * float(int(i % 5) - 2) + 0.5f);
    for (size_t i = 0; i < bv.size(); i++) bv[i] = snap(-0.0625f * float(int(i % 9)));
    std::strcpy(m.cfg.arch, "qwen2");
    m.cfg.rope_theta = 1000000.0f;
    m.cfg.rope_neox = 1;
    m.cfg.qkv_bias = 1;
    m.bq = bq.data();
    m.bk = bk.data();
    m.bv = bv.data();
  }
};

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

inline void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
inline void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
inline uint32_t get32(const std::vector<uint8_t>& b, size_t at) { uint32_t v; std::memcpy(&v, b.data() + at, 4); return v; }
inline uint64_t get64(const std::vector<uint8_t>& b, size_t at) { uint64_t v; std::memcpy(&v, b.data() + at, 8); return v; }

// A GGUF file (v3, alignment 32) in parts, walked independently of the
// parser: header + metadata, tensor infos, data section.
struct Gguf {
  std::vector<uint8_t> kvs;    // 24-byte header, then the entries
  std::vector<uint8_t> infos;
  std::vector<uint8_t> data;
  static size_t scalar(uint32_t t) {
    static const size_t sz[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return t < 13 ? sz[t] : 0;
  }
  explicit Gguf(const std::vector<uint8_t>& b) {
    size_t pos = 24;
    for (uint64_t i = 0, n = get64(b, 16); i < n; i++) {
      pos += 8 + get64(b, pos);
      uint32_t t = get32(b, pos);
      pos += 4;
      if (t == 8) {
        pos += 8 + get64(b, pos);
      } else if (t == 9) {
        uint32_t et = get32(b, pos);
        uint64_t cnt = get64(b, pos + 4);
        pos += 12;
        for (uint64_t j = 0; j < cnt; j++) pos += et == 8 ? 8 + get64(b, pos) : scalar(et);
      } else {
        pos += scalar(t);
      }
    }
    size_t end = pos;
    for (uint64_t i = 0, n = get64(b, 8); i < n; i++) {
      pos += 8 + get64(b, pos);
      pos += 4 + 8 * get32(b, pos) + 4 + 8;
    }
    kvs.assign(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(end));
    infos.assign(b.begin() + static_cast<std::ptrdiff_t>(end), b.begin() + static_cast<std::ptrdiff_t>(pos));
    data.assign(b.begin() + static_cast<std::ptrdiff_t>((pos + 31) / 32 * 32), b.end());
  }
  // Appends an entry: key, type, raw value bytes.
  void kv(const std::string& key, uint32_t type, const std::vector<uint8_t>& val) {
    size_t at = kvs.size();
    kvs.resize(at + 8 + key.size() + 4);
    put64(kvs, at, key.size());
    std::memcpy(kvs.data() + at + 8, key.data(), key.size());
    put32(kvs, at + 8 + key.size(), type);
    kvs.insert(kvs.end(), val.begin(), val.end());
    put64(kvs, 16, get64(kvs, 16) + 1);
  }
  void kv_str(const std::string& key, const std::string& v) {
    std::vector<uint8_t> b(8 + v.size());
    put64(b, 0, v.size());
    std::memcpy(b.data() + 8, v.data(), v.size());
    kv(key, 8, b);
  }
  void kv_f32(const std::string& key, float v) {
    std::vector<uint8_t> b(4);
    std::memcpy(b.data(), &v, 4);
    kv(key, 6, b);
  }
  void kv_u32(const std::string& key, uint32_t v) {
    std::vector<uint8_t> b(4);
    put32(b, 0, v);
    kv(key, 4, b);
  }
  // Appends an F32 tensor of one dimension.
  void tensor_f32(const std::string& name, const std::vector<float>& v) {
    size_t off = (data.size() + 31) / 32 * 32, at = infos.size();
    infos.resize(at + 8 + name.size() + 4 + 8 + 4 + 8);
    put64(infos, at, name.size());
    std::memcpy(infos.data() + at + 8, name.data(), name.size());
    at += 8 + name.size();
    put32(infos, at, 1);
    put64(infos, at + 4, v.size());
    put32(infos, at + 12, 0);
    put64(infos, at + 16, off);
    data.resize(off + 4 * v.size());
    std::memcpy(data.data() + off, v.data(), 4 * v.size());
    put64(kvs, 8, get64(kvs, 8) + 1);
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(kvs);
    out.insert(out.end(), infos.begin(), infos.end());
    out.resize((out.size() + 31) / 32 * 32, 0);
    out.insert(out.end(), data.begin(), data.end());
    return out;
  }
};

// Loads path; on failure returns the error text.
inline std::string load(nm_model& m, const std::string& path) {
  char err[512] = {0};
  if (nm_model_load(&m, path.c_str(), err, sizeof err) != 0) return err;
  return "";
}

}  // namespace fmt_test
