/*
 * vexp.h: expf on W floats, computed in double and rounded once to float,
 * so each result is within 0.5 ULP (plus ~1e-11 relative) of the exact
 * value: inside the 1-ULP libm budget the bounds give expf
 * (docs/TOLERANCES.md, docs/SIMD.md). Included by each table_LEVEL.c after
 * it defines, on vectors of D doubles (VD):
 *
 *   DSET1(d) DADD DSUB DMUL  DMIN DMAX   lane-wise
 *   DROUND(v)      nearest integer, ties to even (as a double)
 *   DPOW2(k)       2^k for integral k in [-400, 400] (as a double)
 *
 * Method: x clamped to [-200, 200] (beyond, the float result is 0 or inf
 * either way; the final conversion to float makes it so), k = round(x /
 * ln 2), r = x - k ln 2 with ln 2 split so k*LN2_HI is exact (|r| <= 0.347),
 * exp(r) by its Taylor series to r^11/11! (truncation < 3e-13 relative),
 * times 2^k. NaN inputs come back as NaN from the caller's blend.
 */
#define VEXP_LOG2E 1.4426950408889634074
#define VEXP_LN2_HI 6.93147180369123816490e-01 /* ln 2 with its low 21 bits zero */
#define VEXP_LN2_LO 1.90821492927058770002e-10

static inline VD
LEVEL(exp_pd)(VD x)
{
	VD k, r, p;

	x = DMAX(DMIN(x, DSET1(200.0)), DSET1(-200.0));
	k = DROUND(DMUL(x, DSET1(VEXP_LOG2E)));
	r = DSUB(DSUB(x, DMUL(k, DSET1(VEXP_LN2_HI))), DMUL(k, DSET1(VEXP_LN2_LO)));
	p = DSET1(1.0 / 39916800.0); /* 1/11! */
	p = DADD(DMUL(p, r), DSET1(1.0 / 3628800.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 362880.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 40320.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 5040.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 720.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 120.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 24.0));
	p = DADD(DMUL(p, r), DSET1(1.0 / 6.0));
	p = DADD(DMUL(p, r), DSET1(0.5));
	p = DADD(DMUL(p, r), DSET1(1.0));
	p = DADD(DMUL(p, r), DSET1(1.0));
	return DMUL(p, DPOW2(k));
}
