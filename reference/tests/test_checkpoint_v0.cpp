// llama2.c v0 checkpoints: round trip, exact size, and every load error with
// its message.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "checkpoint_gen.hpp"
#include "reference.hpp"
#include "test_util.hpp"

namespace nineml::ref {
namespace {

Config small_config(bool shared) {
  Config c;
  c.dim = 16;
  c.hidden_dim = 40;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.vocab_size = 24;
  c.seq_len = 8;
  c.shared_classifier = shared;
  return c;
}

void write_header(const std::string& path, const std::vector<int32_t>& h, std::size_t extra_bytes = 0) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(h.data()), std::streamsize(h.size() * 4));
  const std::vector<char> zeros(extra_bytes);
  f.write(zeros.data(), std::streamsize(zeros.size()));
}

// load_v0's message for `path`, or "" if it loaded.
std::string load_error(const std::string& path) {
  try {
    load_v0(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(CheckpointV0, RoundTripShared) {
  const Checkpoint ck = fixtures::make_checkpoint(small_config(true), 3);
  const std::string path = test::temp_path("model.bin");
  save_v0(ck, path);
  // 7 ints + embedding + per-layer tensors + rms_final + both freq_cis tables.
  const std::size_t dim = 16, hidden = 40, L = 2, kv = 8, vocab = 24, hs = 4, seq = 8;
  const std::size_t floats = vocab * dim + L * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim) +
                             dim + 2 * (seq * hs / 2);
  EXPECT_EQ(std::filesystem::file_size(path), 28 + 4 * floats);
  const Checkpoint back = load_v0(path);
  EXPECT_TRUE(back.config.shared_classifier);
  EXPECT_EQ(back.config.dim, 16);
  EXPECT_EQ(back.config.n_kv_heads, 2);
  EXPECT_EQ(back.config.vocab_size, 24);
  EXPECT_EQ(back.token_embedding, ck.token_embedding);
  EXPECT_EQ(back.wq, ck.wq);
  EXPECT_EQ(back.wk, ck.wk);
  EXPECT_EQ(back.w2, ck.w2);
  EXPECT_EQ(back.rms_final, ck.rms_final);
  EXPECT_TRUE(back.wcls.empty());
  std::filesystem::remove(path);
}

TEST(CheckpointV0, RoundTripUnsharedStoresNegativeVocab) {
  const Checkpoint ck = fixtures::make_checkpoint(small_config(false), 4);
  const std::string path = test::temp_path("model.bin");
  save_v0(ck, path);
  std::ifstream f(path, std::ios::binary);
  int32_t header[7];
  f.read(reinterpret_cast<char*>(header), sizeof header);
  EXPECT_EQ(header[5], -24);
  const Checkpoint back = load_v0(path);
  EXPECT_FALSE(back.config.shared_classifier);
  EXPECT_EQ(back.config.vocab_size, 24);
  EXPECT_EQ(back.wcls, ck.wcls);
  EXPECT_EQ(back.w3, ck.w3);
  EXPECT_EQ(&back.classifier(), &back.wcls);
  std::filesystem::remove(path);
}

TEST(CheckpointV0, MissingFile) {
  const std::string path = test::temp_path("absent.bin");
  EXPECT_EQ(load_error(path), path + ": cannot open file");
}

TEST(CheckpointV0, TruncatedHeader) {
  const std::string path = test::temp_path("short.bin");
  write_header(path, {16, 40});
  EXPECT_EQ(load_error(path), path + ": truncated header (8 of 28 bytes)");
}

TEST(CheckpointV0, BadDimensions) {
  const std::string path = test::temp_path("bad.bin");
  write_header(path, {0, 40, 2, 4, 2, 24, 8});
  EXPECT_EQ(load_error(path), path + ": dim must be positive (got 0)");
  write_header(path, {16, 40, 2, 4, 2, 24, -8});
  EXPECT_EQ(load_error(path), path + ": seq_len must be positive (got -8)");
  write_header(path, {16, 40, 2, 4, 3, 24, 8});
  EXPECT_EQ(load_error(path), path + ": n_heads (4) is not a multiple of n_kv_heads (3)");
  write_header(path, {18, 40, 2, 4, 2, 24, 8});
  EXPECT_EQ(load_error(path), path + ": dim (18) is not a multiple of n_heads (4)");
  write_header(path, {12, 40, 2, 4, 2, 24, 8});
  EXPECT_EQ(load_error(path), path + ": head size dim/n_heads (3) must be even");
  write_header(path, {16, 40, 2, 4, 2, 0, 8});
  EXPECT_EQ(load_error(path), path + ": vocab_size must be positive (got 0)");
  std::filesystem::remove(path);
}

TEST(CheckpointV0, SizeMismatch) {
  const Checkpoint ck = fixtures::make_checkpoint(small_config(true), 5);
  const std::string path = test::temp_path("model.bin");
  save_v0(ck, path);
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 4);
  EXPECT_EQ(load_error(path), path + ": file is " + std::to_string(size - 4) + " bytes, the header implies " +
                                  std::to_string(size));
  std::filesystem::resize_file(path, size + 1);
  EXPECT_EQ(load_error(path), path + ": file is " + std::to_string(size + 1) + " bytes, the header implies " +
                                  std::to_string(size));
  std::filesystem::remove(path);
}

TEST(CheckpointV0, SizeOverflowIsDetected) {
  // L * hidden * dim is about 2^93 floats: must be reported, not wrapped.
  const std::string path = test::temp_path("huge.bin");
  write_header(path, {2147483646, 2147483647, 2147483647, 1, 1, 1, 1});
  EXPECT_EQ(load_error(path), path + ": the header implies a size beyond 64 bits");
  std::filesystem::remove(path);
}

TEST(CheckpointV0, SaveRejectsWrongTensorSize) {
  Checkpoint ck = fixtures::make_checkpoint(small_config(true), 6);
  ck.w1.pop_back();
  EXPECT_THROW(save_v0(ck, test::temp_path("x.bin")), std::invalid_argument);
}

}  // namespace
}  // namespace nineml::ref
