/* ct_npy.c: .npy (format 1.0, little-endian) reading and writing, and the
 * length/checksum trailer appended to every output. */
#include "ct.h"

static const char trailer_head[8] = {'9', 'M', 'L', 'T', 'R', 'A', 'I', 'L'};
static const char trailer_tail[8] = {'T', 'R', 'A', 'I', 'L', 'E', 'N', 'D'};

int
ct_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int
ct_dtype_size(const char *d)
{
	if (ct_streq(d, "<f4") || ct_streq(d, "<u4") || ct_streq(d, "<i4"))
		return 4;
	if (ct_streq(d, "|i1") || ct_streq(d, "|u1"))
		return 1;
	if (ct_streq(d, "<u2"))
		return 2;
	if (ct_streq(d, "<u8") || ct_streq(d, "<f8"))
		return 8;
	return 0;
}

nm_u64
ct_fnv1a64(const nm_u8 *p, nm_i64 n)
{
	nm_u64 h = 0xcbf29ce484222325ULL;
	nm_i64 i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Finds `pat` in s[0..n); index or -1. */
static int
find(const char *s, int n, const char *pat)
{
	int m = 0;
	while (pat[m])
		m++;
	for (int i = 0; i + m <= n; i++) {
		int j = 0;
		while (j < m && s[i + j] == pat[j])
			j++;
		if (j == m)
			return i;
	}
	return -1;
}

int
ct_npy_parse(CtArray *a, const nm_u8 *b, nm_i64 len)
{
	const char *h;
	int hl, p, i;

	if (len < 10 || b[0] != 0x93 || b[1] != 'N' || b[2] != 'U' || b[3] != 'M' ||
	    b[4] != 'P' || b[5] != 'Y' || b[6] != 1)
		return -1;
	hl = b[8] | (b[9] << 8);
	if (10 + hl > len)
		return -1;
	h = (const char *)b + 10;
	if (find(h, hl, "'fortran_order': False") < 0)
		return -1;
	p = find(h, hl, "'descr': '");
	if (p < 0)
		return -1;
	p += 10;
	for (i = 0; i < 7 && p + i < hl && h[p + i] != '\''; i++)
		a->dtype[i] = h[p + i];
	a->dtype[i] = 0;
	a->esize = ct_dtype_size(a->dtype);
	if (a->esize == 0)
		return -1;
	p = find(h, hl, "'shape': (");
	if (p < 0)
		return -1;
	p += 10;
	a->ndim = 0;
	a->count = 1;
	while (p < hl && h[p] != ')') {
		nm_i64 v = 0;
		int digits = 0;
		while (p < hl && (h[p] == ' ' || h[p] == ','))
			p++;
		while (p < hl && h[p] >= '0' && h[p] <= '9') {
			v = v * 10 + (h[p] - '0');
			p++;
			digits++;
		}
		if (digits == 0)
			break;
		if (a->ndim == CT_MAX_DIMS)
			return -1;
		a->shape[a->ndim++] = v;
		a->count *= v;
	}
	if (p >= hl || h[p] != ')')
		return -1;
	if ((nm_i64)(10 + hl) + a->count * a->esize != len)
		return -1;
	a->data = nm_alloc((nm_u64)(a->count * a->esize));
	if (a->data == nil)
		return -1;
	nm_memcpy(a->data, b + 10 + hl, (nm_u64)(a->count * a->esize));
	return 0;
}

static int
put_str(char *dst, int at, const char *s)
{
	while (*s)
		dst[at++] = *s++;
	return at;
}

static int
put_int(char *dst, int at, nm_i64 v)
{
	char tmp[24];
	int n = 0;
	if (v == 0)
		tmp[n++] = '0';
	while (v > 0) {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	}
	while (n > 0)
		dst[at++] = tmp[--n];
	return at;
}

static void
put_u64(nm_u8 *p, nm_u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (nm_u8)(v >> (8 * i));
}

nm_u8 *
ct_npy_encode(const CtArray *a, nm_i64 *len)
{
	char h[256];
	int n = 0, total, i;
	nm_i64 data_bytes = a->count * a->esize, payload;
	nm_u8 *out;

	n = put_str(h, n, "{'descr': '");
	n = put_str(h, n, a->dtype);
	n = put_str(h, n, "', 'fortran_order': False, 'shape': (");
	for (i = 0; i < a->ndim; i++) {
		n = put_int(h, n, a->shape[i]);
		n = put_str(h, n, a->ndim == 1 ? "," : (i + 1 < a->ndim ? ", " : ""));
	}
	n = put_str(h, n, "), }");
	/* Pad with spaces so that 10 + header ends in '\n' on a 64-byte boundary. */
	total = 10 + n + 1;
	while (total % 64 != 0) {
		h[n++] = ' ';
		total++;
	}
	h[n++] = '\n';
	payload = 10 + n + data_bytes;
	out = nm_alloc((nm_u64)(payload + CT_TRAILER_BYTES));
	if (out == nil)
		return nil;
	out[0] = 0x93;
	put_str((char *)out, 1, "NUMPY");
	out[6] = 1;
	out[7] = 0;
	out[8] = (nm_u8)(n & 0xff);
	out[9] = (nm_u8)(n >> 8);
	nm_memcpy(out + 10, h, (nm_u64)n);
	nm_memcpy(out + 10 + n, a->data, (nm_u64)data_bytes);
	nm_memcpy(out + payload, trailer_head, 8);
	put_u64(out + payload + 8, (nm_u64)payload);
	put_u64(out + payload + 16, ct_fnv1a64(out, payload));
	nm_memcpy(out + payload + 24, trailer_tail, 8);
	*len = payload + CT_TRAILER_BYTES;
	return out;
}
