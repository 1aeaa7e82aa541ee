// The engine's fast paths at model level: on every kernel table this CPU
// runs, packing the Q8 weights (kernel_table.h q8_pack) and splitting the
// work over 2 and 3 threads leave every token and every logit of a
// generation bit-identical to the same table unpacked on one thread
// (prefill batches included: the prompt is longer than NM_BATCH). The
// levels differ from scalar only in their float reductions, which the
// registry judges per kernel.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "kernel_table.h"
#include "model_harness.hpp"
#include "reference.hpp"

namespace nineml::conformance {
namespace {

struct LevelCase {
  std::string arch;
  ref::Storage storage;
};

std::string level_case_name(const testing::TestParamInfo<LevelCase>& i) {
  return i.param.arch + "_" + ref::storage_name(i.param.storage);
}

bool same_bits(const EngineRun& a, const EngineRun& b) {
  if (a.tokens != b.tokens || a.logits.size() != b.logits.size()) return false;
  for (size_t i = 0; i < a.logits.size(); i++)
    if (a.logits[i].size() != b.logits[i].size() ||
        std::memcmp(a.logits[i].data(), b.logits[i].data(), a.logits[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

class EngineLevels : public testing::TestWithParam<LevelCase> {};

TEST_P(EngineLevels, PackingAndThreadsKeepEveryBit) {
  const LevelCase& c = GetParam();
  const ref::Quant q{c.storage, 32};
  const ref::Checkpoint ck = fixtures::make_checkpoint(arch_config(c.arch, 128), 11);
  std::vector<int> prompt;
  for (int i = 0; i < 40; i++) prompt.push_back(1 + (i * 37) % 300);
  const bool q8 = c.storage == ref::Storage::q8 || c.storage == ref::Storage::q8_0;
  int levels = 0;
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"}) {
    const nm_kernel_table* k = nm_kernels_by_name(level);
    if (!k) continue;
    levels++;
    EngineModel plain(ck, q, c.arch), packed(ck, q, c.arch);
    const int n_packed = packed.pack(k);
    if (q8 && k->q8_pack) {
      EXPECT_GT(n_packed, 0) << level << ": no matrix was packed";
    } else {
      EXPECT_EQ(n_packed, 0) << level;
    }
    const nm_exec one{k, nullptr};
    const EngineRun want = engine_generate(plain.get(), prompt, 96, 1.0f, 0.9f, 42, &one);
    ASSERT_GT(want.logits.size(), prompt.size()) << level << ": the run should decode past the prompt";
    for (int threads : {1, 2, 3}) {
      nm_pool* pool = threads > 1 ? nm_pool_create(threads) : nullptr;
      const nm_exec ex{k, pool};
      EXPECT_TRUE(same_bits(engine_generate(packed.get(), prompt, 96, 1.0f, 0.9f, 42, &ex), want))
          << level << ", packed, " << threads << " thread(s)";
      if (threads == 2) {
        EXPECT_TRUE(same_bits(engine_generate(plain.get(), prompt, 96, 1.0f, 0.9f, 42, &ex), want))
            << level << ", unpacked, 2 threads";
      }
      if (pool) nm_pool_free(pool);
    }
  }
  EXPECT_GT(levels, 0);
}

std::vector<LevelCase> level_cases() {
  std::vector<LevelCase> out;
  for (const auto& arch : fixtures::fixture_architectures())
    for (ref::Storage s : {ref::Storage::f32, ref::Storage::q8, ref::Storage::q8_0, ref::Storage::q4_0,
                           ref::Storage::f16, ref::Storage::bf16})
      out.push_back({arch, s});
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryArchitectureAndStorage, EngineLevels, testing::ValuesIn(level_cases()),
                         level_case_name);

}  // namespace
}  // namespace nineml::conformance
