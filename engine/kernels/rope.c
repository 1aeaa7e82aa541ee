/* rope.c: rotary position embedding on adjacent pairs, as in run.c. */
#include "kernels.h"

void
nm_rope(float *vec, int dim, int head_size, int pos, float theta)
{
	for (int i = 0; i < dim; i += 2) {
		int head_dim = i % head_size;
		float freq = 1.0f / nm_powf(theta, head_dim / (float)head_size);
		float val = pos * freq;	// pos converted to float, then one multiply
		float fcr = nm_cosf(val);
		float fci = nm_sinf(val);
		float v0 = vec[i];
		float v1 = vec[i + 1];
		vec[i] = v0 * fcr - v1 * fci;
		vec[i + 1] = v0 * fci + v1 * fcr;
	}
}

/* nm_rope with the frequencies given: freqs[head_dim / 2] replaces
 * 1/powf(theta, head_dim/head_size) (Llama 3.1 scaled frequencies). The
 * rotation is the same statement for statement, so freqs computed as
 * nm_rope computes them give nm_rope's bits. */
void
nm_rope_freqs(float *vec, int dim, int head_size, int pos, const float *freqs)
{
	for (int i = 0; i < dim; i += 2) {
		int head_dim = i % head_size;
		float val = pos * freqs[head_dim / 2];
		float fcr = nm_cosf(val);
		float fci = nm_sinf(val);
		float v0 = vec[i];
		float v1 = vec[i + 1];
		vec[i] = v0 * fcr - v1 * fci;
		vec[i + 1] = v0 * fci + v1 * fcr;
	}
}
