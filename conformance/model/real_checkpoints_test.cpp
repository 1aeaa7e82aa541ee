// Real trained checkpoints ($NINEML_EXTERNAL_FIXTURES/models/, its README):
// each loads and its greedy continuation of "Once upon a time" (BOS added,
// never stopping at BOS/EOS, as llama.cpp runs) is llama.cpp's, id for id,
// for 32 and 200 tokens. Skipped, saying why, only when the variable is not
// set; a file missing from a set variable fails. stories260K-q8_0 runs the
// 32 tokens only: at generated token 67 llama.cpp's choice is 0.1 below
// ours in our logits, and no one consistent emulation of llama.cpp's f16
// roundings (KV cache, activations) gives all three files' 200 tokens
// (docs/FORWARD.md, "Real checkpoints").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "exec.h"
#include "formats/formats.h"
#include "kernel_table.h"
#include "model/forward.h"
#include "tokenizer.h"

namespace nineml::conformance {
namespace {

// "key: 1 2 3" lines of NAME.greedyN.txt.
std::vector<int> ids_of(const std::string& path, const std::string& key) {
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key + ":", 0) == 0) {
      std::istringstream in(line.substr(key.size() + 1));
      std::vector<int> ids;
      for (int id; in >> id;) ids.push_back(id);
      return ids;
    }
  ADD_FAILURE() << path << ": no '" << key << "' line";
  return {};
}

struct Case {
  std::string name, arch;
  std::vector<int> lengths;  // which NAME.greedyN.txt files to match
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class RealCheckpointExternalFixtures : public testing::TestWithParam<Case> {};

TEST_P(RealCheckpointExternalFixtures, GreedyIdsEqualLlamaCpp) {
  const char* dir = std::getenv("NINEML_EXTERNAL_FIXTURES");
  if (!dir) GTEST_SKIP() << "NINEML_EXTERNAL_FIXTURES is not set: the real checkpoint test did not run";
  const Case& c = GetParam();
  const std::string base = std::string(dir) + "/models/" + c.name;
  nm_model m{};
  char err[512] = {0};
  ASSERT_EQ(nm_model_load(&m, (base + ".gguf").c_str(), err, sizeof err), 0) << err;
  EXPECT_STREQ(m.cfg.arch, c.arch.c_str());
  // The prompt as the engine's tokenizer encodes it from the embedded vocabulary.
  nm_vocab v{};
  ASSERT_EQ(nm_vocab_from_model(&v, &m, err, sizeof err), 0) << err;
  const std::string text = "Once upon a time";
  std::vector<int> prompt(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(text.size()))));
  int n = 0;
  ASSERT_EQ(nm_tok_encode(&v, text.data(), static_cast<int>(text.size()), 1, 0, prompt.data(),
                          static_cast<int>(prompt.size()), &n, err, sizeof err), 0) << err;
  prompt.resize(static_cast<size_t>(n));
  nm_vocab_free(&v);

  for (int steps : c.lengths) {
    const std::string want_file = base + ".greedy" + std::to_string(steps) + ".txt";
    EXPECT_EQ(prompt, ids_of(want_file, "prompt_ids")) << want_file;
    const std::vector<int> want = ids_of(want_file, "generated_ids");
    ASSERT_EQ(want.size(), static_cast<size_t>(steps)) << want_file;
    const char* why = nullptr;
    nm_state* s = nm_state_new(&m, &why);
    ASSERT_NE(s, nullptr) << why;
    const nm_exec e{nm_kernels_scalar(), nullptr};
    std::vector<int> got;
    int token = prompt[0];
    for (int pos = 0; got.size() < want.size(); pos++) {
      const float* logits = nm_forward(s, &m, &e, token, pos);
      ASSERT_NE(logits, nullptr) << "pos " << pos;
      if (pos + 1 < static_cast<int>(prompt.size())) {
        token = prompt[static_cast<size_t>(pos + 1)];
        continue;
      }
      int best = 0;
      for (int i = 1; i < m.cfg.vocab_size; i++)
        if (logits[i] > logits[best]) best = i;
      got.push_back(best);
      token = best;
    }
    nm_state_free(s);
    EXPECT_EQ(got, want) << c.name << ", " << steps << " tokens";
  }
  nm_model_free(&m);
}

INSTANTIATE_TEST_SUITE_P(Stories260K, RealCheckpointExternalFixtures,
                         testing::Values(Case{"stories260K-f16", "llama2", {32, 200}},
                                         Case{"stories260K-q8_0", "llama2", {32}},
                                         Case{"stories260K-qwen2-layout", "qwen2", {32, 200}}),
                         [](const testing::TestParamInfo<Case>& i) {
                           std::string s = i.param.name;
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace nineml::conformance
