// Weights read in place from the model file's read-only view, and KV caches
// sized by the context asked for (issue 16): a model loaded from a file
// points into its mapping yet computes bit for bit what a copied model
// computes, giving pages back does not change a result, and the state holds
// exactly the positions requested.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "kernel_table.h"
#include "model/forward.h"

namespace {

constexpr int kDim = 16, kHidden = 32, kLayers = 2, kHeads = 4, kVocab = 24, kSeq = 12;

// A llama2.c v0 checkpoint (header, then every tensor in run.c's order).
std::vector<uint8_t> v0_model() {
  std::vector<int32_t> header = {kDim, kHidden, kLayers, kHeads, kHeads, kVocab, kSeq};
  size_t hs = kDim / kHeads;
  size_t floats = size_t{kVocab} * kDim + kLayers * kDim + 4 * size_t{kLayers} * kDim * kDim + kLayers * kDim +
                  3 * size_t{kLayers} * kHidden * kDim + kDim + 2 * size_t{kSeq} * hs / 2;
  std::vector<float> w(floats);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (float& x : w) x = u(rng);
  std::vector<uint8_t> bytes(header.size() * 4 + w.size() * 4);
  std::memcpy(bytes.data(), header.data(), header.size() * 4);
  std::memcpy(bytes.data() + header.size() * 4, w.data(), w.size() * 4);
  return bytes;
}

struct TempModel {
  std::string path;
  std::vector<uint8_t> bytes = v0_model();
  TempModel() {
    path = (std::filesystem::temp_directory_path() / ("nm_views_" + std::to_string(getpid()) + ".bin")).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
  }
  ~TempModel() { std::filesystem::remove(path); }
};

bool inside(const void* p, const nm_file_view& v) {
  auto a = reinterpret_cast<uintptr_t>(p), b = reinterpret_cast<uintptr_t>(v.data);
  return a >= b && a < b + v.len;
}

// Logits of tokens 1..n at positions 0..n-1, flattened.
std::vector<float> logits(const nm_model& m, int n) {
  const char* why = nullptr;
  nm_state* s = nm_state_new(&m, &why);
  EXPECT_NE(s, nullptr) << why;
  nm_exec e{nm_kernels_scalar(), nullptr};
  std::vector<float> out;
  for (int pos = 0; pos < n; pos++) {
    const float* l = nm_forward(s, &m, &e, 1 + pos, pos);
    EXPECT_NE(l, nullptr);
    out.insert(out.end(), l, l + kVocab);
  }
  nm_state_free(s);
  return out;
}

TEST(ModelViews, FileWeightsStayInTheMappingAndComputeLikeACopy) {
  TempModel t;
  char err[512];
  nm_model file{}, copy{};
  ASSERT_EQ(nm_model_load(&file, t.path.c_str(), err, sizeof err), 0) << err;
  ASSERT_EQ(nm_model_load_memory(&copy, "mem", t.bytes.data(), t.bytes.size(), err, sizeof err), 0) << err;
  ASSERT_EQ(file.views.n, 1);
  EXPECT_EQ(file.views.v[0].mapped, 1);
  EXPECT_EQ(file.views.v[0].len, t.bytes.size());
  EXPECT_TRUE(inside(file.token_embedding.f, file.views.v[0]));
  for (int l = 0; l < kLayers; l++) {
    EXPECT_TRUE(inside(file.wq[l].f, file.views.v[0])) << l;
    EXPECT_TRUE(inside(file.w2[l].f, file.views.v[0])) << l;
  }
  // Bytes the caller owns are copied: nothing may point at them afterwards.
  EXPECT_EQ(copy.views.n, 0);
  EXPECT_FALSE(copy.wq[0].f >= reinterpret_cast<const float*>(t.bytes.data()) &&
               copy.wq[0].f < reinterpret_cast<const float*>(t.bytes.data() + t.bytes.size()));

  const std::vector<float> a = logits(file, 6), b = logits(copy, 6);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  // Pages given back are read again from the file: the same bits.
  nm_model_drop(&file, file.views.v[0].data, file.views.v[0].len);
  const std::vector<float> c = logits(file, 6);
  EXPECT_EQ(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)), 0);
  nm_model_free(&file);
  nm_model_free(&copy);
  EXPECT_EQ(file.views.n, 0);
}

TEST(ModelViews, KvCacheHoldsTheContextAskedFor) {
  TempModel t;
  char err[512];
  nm_model m{};
  ASSERT_EQ(nm_model_load(&m, t.path.c_str(), err, sizeof err), 0) << err;
  const char* why = nullptr;
  nm_state* s = nm_state_new_ctx(&m, 5, &why);
  ASSERT_NE(s, nullptr) << why;
  EXPECT_EQ(s->ctx, 5);
  nm_exec e{nm_kernels_scalar(), nullptr};
  for (int pos = 0; pos < 5; pos++) EXPECT_NE(nm_forward(s, &m, &e, 1, pos), nullptr) << pos;
  EXPECT_EQ(nm_forward(s, &m, &e, 1, 5), nullptr);  // past the cache: refused, never written
  nm_state_free(s);
  EXPECT_EQ(nm_state_new_ctx(&m, kSeq + 1, &why), nullptr);
  EXPECT_STREQ(why, "context longer than the model's seq_len");
  s = nm_state_new(&m, &why);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->ctx, kSeq);  // default: min(seq_len, NM_CTX_CAP)
  nm_state_free(s);
  m.cfg.seq_len = 1 << 28;  // a header's claim: the default stays at the cap
  EXPECT_EQ(nm_default_ctx(&m), NM_CTX_CAP);
  m.cfg.seq_len = kSeq;
  nm_model_free(&m);
}

}  // namespace
