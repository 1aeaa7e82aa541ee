// run.c's generate loop over the reference Transformer and sampler.
#include <stdexcept>

#include "reference.hpp"

namespace nineml::ref {

Generation generate(const Checkpoint& ck, Mode mode, const std::vector<int>& prompt, int steps,
                    float temperature, float topp, uint64_t seed) {
  return generate(ck, mode, Quant{}, prompt, steps, temperature, topp, seed);
}

Generation generate(const Checkpoint& ck, Mode mode, const Quant& quant, const std::vector<int>& prompt,
                    int steps, float temperature, float topp, uint64_t seed) {
  if (prompt.empty()) throw std::invalid_argument("generate: the prompt needs at least one token");
  // As run.c's main(): a step budget of 0 (or beyond the context) means seq_len.
  if (steps <= 0 || steps > ck.config.seq_len) steps = ck.config.seq_len;
  Transformer model(ck, mode, quant);
  Rng rng{seed};
  Generation g;
  int token = prompt[0];
  g.tokens.push_back(token);
  for (int pos = 0; pos < steps;) {
    std::vector<double> logits = model.forward(token, pos);
    int next;
    if (std::size_t(pos) + 1 < prompt.size()) {
      next = prompt[std::size_t(pos) + 1];  // still forcing the prompt
    } else if (mode == Mode::llama2c) {
      const std::vector<float> lf(logits.begin(), logits.end());  // exact: they were floats
      next = llama2c::sample(lf, temperature, topp, rng);
    } else {
      next = exact::sample(std::span<const double>(logits), temperature, topp, rng);
    }
    g.logits.push_back(std::move(logits));
    g.tokens.push_back(next);
    pos++;
    if (next == 1) break;  // BOS ends the sequence (it is still recorded)
    token = next;
  }
  return g;
}

}  // namespace nineml::ref
