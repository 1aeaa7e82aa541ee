/* attention.c: multi-head (grouped-query) attention for one position. */
#include "kernels.h"

void
nm_attention(float *out, float *att, const float *q, const float *k_cache,
             const float *v_cache, int n_heads, int n_kv_heads, int head_size,
             int pos, int window)
{
	nm_attention_heads(out, att, q, k_cache, v_cache, n_heads, n_kv_heads,
	                   head_size, pos, window, 0, n_heads);
}

void
nm_attention_heads(float *out, float *att, const float *q, const float *k_cache,
                   const float *v_cache, int n_heads, int n_kv_heads, int head_size,
                   int pos, int window, int h0, int h1)
{
	int kv_dim = n_kv_heads * head_size;
	int kv_mul = n_heads / n_kv_heads;
	int start = 0;

	// Sliding window (Mistral): only the last `window` positions are seen.
	if (window > 0 && pos - window + 1 > 0)
		start = pos - window + 1;
	int len = pos - start + 1;

	for (int h = h0; h < h1; h++) {
		const float *qh = q + h * head_size;
		float *ah = att + h * (pos + 1);
		int kv_off = (h / kv_mul) * head_size;

		for (int t = start; t <= pos; t++) {
			const float *k = k_cache + (nm_i64)t * kv_dim + kv_off;
			float score = 0.0f;
			for (int i = 0; i < head_size; i++)
				score += qh[i] * k[i];
			// Divide after the dot product, as upstream does.
			score /= nm_sqrtf((float)head_size);
			ah[t - start] = score;
		}
		nm_softmax(ah, len);

		float *oh = out + h * head_size;
		for (int i = 0; i < head_size; i++)
			oh[i] = 0.0f;
		for (int t = start; t <= pos; t++) {
			const float *v = v_cache + (nm_i64)t * kv_dim + kv_off;
			float a = ah[t - start];
			for (int i = 0; i < head_size; i++)
				oh[i] += a * v[i];
		}
	}
}
