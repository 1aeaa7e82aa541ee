#include "model_harness.hpp"

#include <gtest/gtest.h>

#include "kernel_table.h"
#include "model/forward.h"
#include "model/generate.h"

namespace nineml::conformance {

namespace {
void on_logits(void* arg, int, const float* logits, int n) {
  static_cast<EngineRun*>(arg)->logits.emplace_back(logits, logits + n);
}
void on_token(void* arg, int, int token) { static_cast<EngineRun*>(arg)->tokens.push_back(token); }
}  // namespace

EngineRun engine_generate(const nm_model* m, const std::vector<int>& prompt, int steps, float t, float p,
                          uint64_t seed, const nm_exec* exec) {
  const char* err = nullptr;
  nm_state* s = nm_state_new(m, &err);
  EXPECT_NE(s, nullptr) << err;
  EngineRun run;
  if (!s) return run;
  nm_sampler sp;
  EXPECT_EQ(nm_sampler_init(&sp, m->cfg.vocab_size, t, p, seed), 0);
  nm_exec e = exec ? *exec : nm_exec{nm_kernels_scalar(), nullptr};
  run.tokens.push_back(prompt[0]);
  nm_gen_callbacks cb{on_logits, on_token, &run, nullptr};
  int pos = nm_generate(s, m, &e, &sp, prompt.data(), int(prompt.size()), steps, &cb);
  EXPECT_EQ(pos, int(run.logits.size()));
  // A BOS ends generation without being reported; the reference records it.
  if (pos < steps && pos == int(run.tokens.size())) run.tokens.push_back(NM_TOKEN_BOS);
  nm_sampler_free(&sp);
  nm_state_free(s);
  return run;
}

}  // namespace nineml::conformance
