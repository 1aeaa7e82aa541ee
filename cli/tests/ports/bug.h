/* Which mistake a test port makes on purpose (bug_*.c sets them; 0: none). */
extern const int bug_tokenizer_last_pair; /* off by one: the last pair of the prompt is never merged */
extern const int bug_rope_model_dim;      /* RoPE frequencies over the model's dim, not the head size */
