/* The correct port. */
#include "bug.h"
const int bug_tokenizer_last_pair = 0;
const int bug_rope_model_dim = 0;
const int bug_rope_q_only = 0;
const float tie_window = 0;
