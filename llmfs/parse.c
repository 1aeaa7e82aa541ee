/* parse.c: the command words and strict numbers of ctl files. */
#include "internal.h"

static int
space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
lf_words(char *line, char **w, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p != 0 && space(*p))
			*p++ = 0;
		if (*p == 0)
			return n;
		if (n == max)
			return -1;
		w[n++] = p;
		while (*p != 0 && !space(*p))
			p++;
	}
}

int
lf_parse_u64(const char *s, nm_u64 *v)
{
	nm_u64 x = 0, d;

	if (*s == 0)
		return -1;
	for (; *s != 0; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = (nm_u64)(*s - '0');
		if (x > (0xFFFFFFFFFFFFFFFFULL - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int
lf_parse_int(const char *s, int lo, int hi, int *v)
{
	nm_u64 x;
	int neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (lf_parse_u64(s, &x) != 0 || x > 0x7FFFFFFF)
		return -1;
	if ((neg ? -(nm_i64)x : (nm_i64)x) < lo || (neg ? -(nm_i64)x : (nm_i64)x) > hi)
		return -1;
	*v = neg ? -(int)x : (int)x;
	return 0;
}

/*
 * Digits into an integer mantissa and a power of ten; the value is then one
 * correctly rounded multiplication or division of two exact doubles
 * (mantissa < 2^53, |power| <= 22), which is the correctly rounded double
 * that strtod gives. Longer inputs are refused rather than misrounded.
 */
int
lf_parse_float(const char *s, float *v)
{
	nm_u64 mant = 0;
	int exp10 = 0, digits = 0, neg = 0, e = 0, eneg = 0, edigits = 0, i;
	double p = 1, x;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (mant >= 1000000000000000ULL)
			return -1;
		mant = mant * 10 + (nm_u64)(*s - '0');
	}
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (mant >= 1000000000000000ULL)
				return -1;
			mant = mant * 10 + (nm_u64)(*s - '0');
			exp10--;
		}
	}
	if (digits == 0)
		return -1;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++, edigits++) {
			if (e > 1000)
				return -1;
			e = e * 10 + (*s - '0');
		}
		if (edigits == 0)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (*s != 0)
		return -1;
	if (mant == 0)
		exp10 = 0;
	if (exp10 > 22 || exp10 < -22)
		return -1;
	for (i = 0; i < (exp10 < 0 ? -exp10 : exp10); i++)
		p *= 10;
	x = exp10 < 0 ? (double)mant / p : (double)mant * p;
	if (x > 3.4028234663852886e38)
		return -1;
	*v = (float)(neg ? -x : x);
	return 0;
}

void
lf_text_fixed(nm_text *t, double v, int decimals)
{
	nm_u64 scale = 1, whole, frac;
	int i;
	char digits[24];

	if (v < 0) {
		nm_text_str(t, "-");
		v = -v;
	}
	for (i = 0; i < decimals; i++)
		scale *= 10;
	if (v > 1e15) {
		nm_text_str(t, "inf");
		return;
	}
	whole = (nm_u64)(v * (double)scale + 0.5);
	frac = whole % scale;
	whole /= scale;
	nm_text_u64(t, whole);
	if (decimals == 0)
		return;
	nm_text_str(t, ".");
	for (i = decimals - 1; i >= 0; i--) {
		digits[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	nm_text_mem(t, digits, decimals);
}

/* nm_text turns control bytes into '?' (for one-line messages); file text
 * ends its lines with a real newline. */
void
lf_text_nl(nm_text *t)
{
	if (t->len + 1 < t->cap) {
		t->buf[t->len++] = '\n';
		t->buf[t->len] = 0;
	}
}
