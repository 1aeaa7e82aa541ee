// run.c's chat loop over the reference Transformer and sampler, statement
// for statement (llama2.c run.c chat()), with the turns given as ids.
#include "reference.hpp"

namespace nineml::ref {

ChatTranscript chat(const Checkpoint& ck, Mode mode, const Quant& quant, const std::vector<std::vector<int>>& turns,
                    int steps, float temperature, float topp, uint64_t seed) {
  if (steps <= 0 || steps > ck.config.seq_len) steps = ck.config.seq_len;
  Transformer model(ck, mode, quant);
  Rng rng{seed};
  ChatTranscript t;
  std::size_t turn = 0, user_idx = 0;
  const std::vector<int>* prompt = nullptr;
  bool user_turn = true;
  int next = 0, token = 0;
  for (int pos = 0; pos < steps;) {
    if (user_turn) {
      if (turn == turns.size()) break;  // stdin ran out
      prompt = &turns[turn++];
      t.turns++;
      user_idx = 0;
      user_turn = false;
    }
    if (user_idx < prompt->size())
      token = (*prompt)[user_idx++];
    else
      token = next;
    if (token == 2) user_turn = true;
    std::vector<double> logits = model.forward(token, pos);
    t.fed.push_back(token);
    if (mode == Mode::llama2c) {
      const std::vector<float> lf(logits.begin(), logits.end());
      next = llama2c::sample(lf, temperature, topp, rng);
    } else {
      next = exact::sample(std::span<const double>(logits), temperature, topp, rng);
    }
    pos++;
    if (user_idx >= prompt->size() && next != 2) t.printed.emplace_back(token, next);
    if (next == 2) t.reply_ends.push_back(pos - 1);
  }
  return t;
}

}  // namespace nineml::ref
