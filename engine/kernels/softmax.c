/* softmax.c: in-place softmax in run.c's order, with explicit special values. */
#include "kernels.h"
#include "kernels/fbits.h"

/*
 * Upstream's arithmetic already turns NaN, +inf and all -inf into NaN on an
 * IEEE host, but only through unordered compares and libm's handling of NaN,
 * which 6c and Plan 9's exp do not promise. So those cases are decided here
 * with nm_isnan/nm_isinf, and the arithmetic below only sees finite values
 * and -inf masks.
 */
static int
poisoned(const float *x, int n)
{
	for (int i = 0; i < n; i++) {
		if (nm_isnan(x[i]))
			return 1;
		if (nm_isinf(x[i]) && x[i] > 0.0f)
			return 1;
	}
	return 0;
}

void
nm_softmax(float *x, int n)
{
	if (n <= 0)
		return;
	float max_val = x[0];
	int bad = poisoned(x, n);
	if (!bad) {
		for (int i = 1; i < n; i++)
			if (x[i] > max_val)
				max_val = x[i];
		bad = nm_isinf(max_val);	// every entry is -inf
	}
	if (bad) {
		float nan = nm_quiet_nan();
		for (int i = 0; i < n; i++)
			x[i] = nan;
		return;
	}
	float sum = 0.0f;
	for (int i = 0; i < n; i++) {
		// expf(-inf - max) is exactly 0; say so instead of asking libm.
		if (nm_isinf(x[i]))
			x[i] = 0.0f;
		else
			x[i] = nm_expf(x[i] - max_val);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}
