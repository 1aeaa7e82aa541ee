// Range checks of model calls (model_checks.hpp).
#include "model_checks.hpp"

#include "arrays.hpp"

namespace p9ml {

void check_token(long long token, int vocab_size, const std::string& where) {
  if (token < 0 || token >= vocab_size)
    throw IndexErr(where + ": token " + std::to_string(token) + " out of range [0, " + std::to_string(vocab_size) +
                   ") (vocab_size " + std::to_string(vocab_size) + ")");
}

void check_position(long long pos, int seq_len, int next_pos, const std::string& where) {
  if (pos < 0 || pos >= seq_len)
    throw IndexErr(where + ": position " + std::to_string(pos) + " out of range [0, " + std::to_string(seq_len) +
                   ") (seq_len " + std::to_string(seq_len) + ")");
  if (pos > next_pos)
    throw ValueErr(where + ": position " + std::to_string(pos) + " skips ahead: the next position is " +
                   std::to_string(next_pos) + " (positions are fed in order, the KV cache holds 0.." +
                   std::to_string(next_pos - 1) + ")");
}

std::vector<int> check_prompt(const std::vector<long long>& prompt, int vocab_size, int seq_len,
                              const std::string& where) {
  if (prompt.empty()) throw ValueErr(where + ": argument 'prompt_tokens' must not be empty");
  if (prompt.size() > static_cast<size_t>(seq_len))
    throw ValueErr(where + ": prompt of " + std::to_string(prompt.size()) + " tokens is longer than seq_len " +
                   std::to_string(seq_len));
  std::vector<int> out;
  for (size_t i = 0; i < prompt.size(); i++) {
    check_token(prompt[i], vocab_size, where + ": prompt_tokens[" + std::to_string(i) + "]");
    out.push_back(static_cast<int>(prompt[i]));
  }
  return out;
}

}  // namespace p9ml
