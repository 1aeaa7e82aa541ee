/* A wrong RoPE: theta^(-head_dim/dim) instead of theta^(-head_dim/head_size). */
#include "bug.h"
const int bug_tokenizer_last_pair = 0;
const int bug_rope_model_dim = 1;
const int bug_rope_q_only = 0;
const float tie_window = 0;
