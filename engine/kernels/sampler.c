/* sampler.c: argmax, multinomial, top-p and run.c's sample(). */
#include "kernels.h"

int
nm_sample_argmax(const float *p, int n)
{
	int best = -1;

	for (int i = 0; i < n; i++) {
		if (nm_isnan(p[i]))
			continue;
		// Strictly greater: the first maximum wins ties.
		if (best < 0 || p[i] > p[best])
			best = i;
	}
	return best < 0 ? 0 : best;
}

int
nm_sample_mult(const float *p, int n, float coin)
{
	float cdf = 0.0f;

	for (int i = 0; i < n; i++) {
		cdf += p[i];
		// A NaN cdf never satisfies coin < cdf; test it without an
		// unordered compare.
		if (!nm_isnan(cdf) && coin < cdf)
			return i;
	}
	return n - 1;
}

/*
 * The total order of candidates: probability descending, then index
 * ascending; NaN probabilities (only reachable through the fallback) sort
 * after every number. Being total, any correct sort gives the same order.
 */
static int
before(const nm_prob_index *a, const nm_prob_index *b)
{
	int an = nm_isnan(a->prob);
	int bn = nm_isnan(b->prob);

	if (an != bn)
		return bn;
	if (!an && a->prob != b->prob)
		return a->prob > b->prob;
	return a->index < b->index;
}

/* Restores the heap below `root` (a heap where the last element in order is
 * on top) over the first n entries. */
static void
sift_down(nm_prob_index *v, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && before(&v[child], &v[child + 1]))
			child++;
		if (!before(&v[root], &v[child]))
			return;
		nm_prob_index tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
		root = child;
	}
}

/* Heap sort: in place in the caller's scratch, O(n log n), no qsort (whose
 * tie order differs between libcs). */
static void
sort_candidates(nm_prob_index *v, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(v, i, n);
	for (int end = n - 1; end > 0; end--) {
		nm_prob_index tmp = v[0];
		v[0] = v[end];
		v[end] = tmp;
		sift_down(v, 0, end);
	}
}

int
nm_sample_topp(const float *p, int n, float topp, nm_prob_index *scratch,
               float coin)
{
	int n0 = 0;

	if (n > 1) {
		float cutoff = (1.0f - topp) / (float)(n - 1);
		for (int i = 0; i < n; i++) {
			if (!nm_isnan(p[i]) && p[i] >= cutoff) {
				scratch[n0].index = i;
				scratch[n0].prob = p[i];
				n0++;
			}
		}
	}
	if (n0 == 0) {
		for (int i = 0; i < n; i++) {
			scratch[i].index = i;
			scratch[i].prob = p[i];
		}
		n0 = n;
	}
	sort_candidates(scratch, n0);

	float cumulative_prob = 0.0f;
	int last_idx = n0 - 1;
	for (int i = 0; i < n0; i++) {
		cumulative_prob += scratch[i].prob;
		if (!nm_isnan(cumulative_prob) && cumulative_prob > topp) {
			last_idx = i;
			break;
		}
	}

	float r = coin * cumulative_prob;
	float cdf = 0.0f;
	for (int i = 0; i <= last_idx; i++) {
		cdf += scratch[i].prob;
		if (!nm_isnan(cdf) && !nm_isnan(r) && r < cdf)
			return scratch[i].index;
	}
	return scratch[last_idx].index;
}

int
nm_sample(float *logits, int n, float temperature, float topp,
          nm_u64 *rng_state, nm_prob_index *scratch)
{
	if (temperature == 0.0f)
		return nm_sample_argmax(logits, n);
	for (int q = 0; q < n; q++)
		logits[q] /= temperature;
	nm_softmax(logits, n);
	float coin = nm_random_f32(rng_state);
	if (topp <= 0.0f || topp >= 1.0f)
		return nm_sample_mult(logits, n, coin);
	return nm_sample_topp(logits, n, topp, scratch, coin);
}
