/* A correct port that breaks near ties the other way: among logits within
 * 3e-6 of the top it takes the last, as another float order might. */
#include "bug.h"
const int bug_tokenizer_last_pair = 0;
const int bug_rope_model_dim = 0;
const int bug_rope_q_only = 0;
const float tie_window = 2e-4f;
