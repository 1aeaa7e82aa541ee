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
