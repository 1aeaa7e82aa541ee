// Token, position and prompt checks shared by the model bindings: an id
// outside the vocabulary or a position outside the context is an IndexError,
// a position that skips ahead of the KV cache a ValueError, each naming the
// value and the valid range.
#pragma once

#include <string>
#include <vector>

namespace p9ml {

void check_token(long long token, int vocab_size, const std::string& where);
// 0 <= pos < seq_len and pos <= next_pos (positions are fed in order).
void check_position(long long pos, int seq_len, int next_pos, const std::string& where);
// Non-empty, every id in range, no longer than seq_len.
std::vector<int> check_prompt(const std::vector<long long>& prompt, int vocab_size, int seq_len,
                              const std::string& where);

}  // namespace p9ml
