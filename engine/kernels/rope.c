/* rope.c: rotary position embedding on adjacent pairs, as in run.c. */
#include "kernels.h"

/* One rotation, the statements of run.c's loop body. */
static void
rotate(float *v, float fcr, float fci)
{
	float v0 = v[0];
	float v1 = v[1];

	v[0] = v0 * fcr - v1 * fci;
	v[1] = v0 * fci + v1 * fcr;
}

/*
 * run.c recomputes powf, cosf and sinf for every pair of every head,
 * though they depend only on the pair's place in its head (head_dim) and
 * pos. Computing them once per head_dim, from the same expressions, and
 * rotating that pair in every head gives the same bits for a fraction of
 * the libm calls. A dim that is not a whole number of heads (kernel test
 * shapes) rotates its last partial head pair by pair as run.c does, and so
 * does an odd head_size, whose pairs straddle heads.
 */
void
nm_rope(float *vec, int dim, int head_size, int pos, float theta)
{
	int whole = head_size > 0 && head_size % 2 == 0 ? dim - dim % head_size : 0;

	for (int head_dim = 0; head_dim < head_size && head_dim < whole; head_dim += 2) {
		float freq = 1.0f / nm_powf(theta, head_dim / (float)head_size);
		float val = pos * freq;	// pos converted to float, then one multiply
		float fcr = nm_cosf(val);
		float fci = nm_sinf(val);
		for (int i = head_dim; i < whole; i += head_size)
			rotate(vec + i, fcr, fci);
	}
	for (int i = whole; i < dim; i += 2) {
		int head_dim = i % head_size;
		float freq = 1.0f / nm_powf(theta, head_dim / (float)head_size);
		float val = pos * freq;
		rotate(vec + i, nm_cosf(val), nm_sinf(val));
	}
}

/* nm_rope with the frequencies given: freqs[head_dim / 2] replaces
 * 1/powf(theta, head_dim/head_size) (Llama 3.1 scaled frequencies). The
 * rotation is the same statement for statement, so freqs computed as
 * nm_rope computes them give nm_rope's bits. */
void
nm_rope_freqs(float *vec, int dim, int head_size, int pos, const float *freqs)
{
	int whole = head_size > 0 && head_size % 2 == 0 ? dim - dim % head_size : 0;

	for (int head_dim = 0; head_dim < head_size && head_dim < whole; head_dim += 2) {
		float val = pos * freqs[head_dim / 2];
		float fcr = nm_cosf(val);
		float fci = nm_sinf(val);
		for (int i = head_dim; i < whole; i += head_size)
			rotate(vec + i, fcr, fci);
	}
	for (int i = whole; i < dim; i += 2) {
		float val = pos * freqs[(i % head_size) / 2];
		rotate(vec + i, nm_cosf(val), nm_sinf(val));
	}
}
