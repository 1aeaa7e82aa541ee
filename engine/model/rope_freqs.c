/*
 * rope_freqs.c: Llama 3.1 RoPE frequency scaling (Meta's reference rule),
 * in float32 in this order, mirrored by the reference:
 *   freq    = 1/powf(theta, head_dim/(float)head_size)   (as nm_rope)
 *   wavelen = 6.2831855f / freq                          (2*pi as a float)
 *   hi = orig/high_freq_factor, lo = orig/low_freq_factor (orig as float)
 *   wavelen < hi: freq;  wavelen > lo: freq/factor;
 *   else smooth = (orig/wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor),
 *        freq = (1 - smooth) * freq / factor + smooth * freq.
 */
#include "model/forward.h"

void
nm_rope_scaled_freqs(float *freqs, int head_size, float theta, const nm_rope_scaling *rs)
{
	float orig = (float)rs->original_max_position;
	float hi = orig / rs->high_freq_factor;
	float lo = orig / rs->low_freq_factor;

	for (int head_dim = 0; head_dim < head_size; head_dim += 2) {
		float freq = 1.0f / nm_powf(theta, head_dim / (float)head_size);
		float wavelen = 6.2831855f / freq;
		if (wavelen < hi) {
			/* high frequency: kept */
		} else if (wavelen > lo) {
			freq = freq / rs->factor;
		} else {
			float smooth = (orig / wavelen - rs->low_freq_factor) /
			               (rs->high_freq_factor - rs->low_freq_factor);
			freq = (1.0f - smooth) * freq / rs->factor + smooth * freq;
		}
		freqs[head_dim / 2] = freq;
	}
}
