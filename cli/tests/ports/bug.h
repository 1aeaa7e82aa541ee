/* Which mistake a test port makes on purpose (bug_*.c sets them; 0: none). */
extern const int bug_tokenizer_last_pair; /* off by one: the last pair of the prompt is never merged */
extern const int bug_rope_model_dim;      /* RoPE frequencies over the model's dim, not the head size */
extern const int bug_rope_q_only;         /* RoPE on the queries, never on the keys */
extern const float tie_window;            /* not a bug: argmax takes the last token within this of the top
                                            (0: the first top), as another float order may near a tie */
