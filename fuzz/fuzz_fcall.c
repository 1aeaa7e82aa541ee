/*
 * fuzz_fcall.c: the input is a 9P2000 message (llmfs/fcall.c). A decode
 * must either fail with one line of reason or give a message that encodes
 * back to exactly the input's bytes (and into no smaller buffer); the stat
 * of an Rstat or Twstat it accepts must decode and encode back the same way.
 * The input is also tried with its size field set to its length (so the
 * fuzzer reaches the fields without learning the size first), under an
 * msize, and as a lone stat(5) entry.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failure explains itself in one terminated line. */
static void
check_reason(const char *err, size_t cap)
{
	const char *end = memchr(err, 0, cap);

	if (end == NULL || end == err || memchr(err, '\n', (size_t)(end - err)) != NULL)
		abort();
	/* The strings buffer is as long as the input, which always suffices. */
	if (strstr(err, "no room") != NULL)
		abort();
}

static void
check_dir(const nm_u8 *p, nm_u32 n, int must_decode)
{
	lf_dir d;
	char err[256];
	char *strs = malloc(n > 0 ? n : 1);
	nm_u8 *out = malloc(n > 0 ? n : 1);

	if (strs == NULL || out == NULL)
		abort();
	memset(err, 'x', sizeof err);
	if (lf_unpack_dir(p, n, &d, strs, (int)n, err, sizeof err) != 0) {
		if (must_decode)
			abort(); /* lf_unpack checked this stat whole */
		check_reason(err, sizeof err);
	} else {
		if (lf_dir_size(&d) != n)
			abort();
		if (lf_pack_dir(&d, out, n) != n || memcmp(out, p, n) != 0)
			abort();
		if (lf_pack_dir(&d, out, n - 1) != 0)
			abort();
	}
	free(strs);
	free(out);
}

static void
check_msg(const nm_u8 *m, nm_u32 len, nm_u32 msize)
{
	lf_fcall f;
	char err[256];
	char *strs = malloc(len > 0 ? len : 1);
	nm_u8 *out = malloc(len > 0 ? len : 1);

	if (strs == NULL || out == NULL)
		abort();
	memset(err, 'x', sizeof err);
	if (lf_unpack(m, len, msize, &f, strs, (int)len, err, sizeof err) != 0) {
		check_reason(err, sizeof err);
	} else {
		if (err[0] != 0 || len < 7 || (msize != 0 && len > msize) || lf_size_field(m) != len)
			abort();
		if (f.nwname < 0 || f.nwname > LF_MAXWELEM || f.nwqid < 0 || f.nwqid > LF_MAXWELEM)
			abort();
		/* The round trip: the same bytes, and never into a smaller buffer. */
		if (lf_packed_size(&f) != len)
			abort();
		if (lf_pack(&f, out, len) != len || memcmp(out, m, len) != 0)
			abort();
		if (lf_pack(&f, out, len - 1) != 0)
			abort();
		if (strcmp(lf_type_name(f.type), "unknown") == 0 || f.type == LF_Terror)
			abort();
		if (f.type == LF_Rstat || f.type == LF_Twstat)
			check_dir(f.stat, f.nstat, 1);
	}
	free(strs);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nm_u8 *copy;
	nm_u32 n;

	if (size > (1u << 20))
		return 0;
	n = (nm_u32)size;
	check_msg(data, n, 0);
	check_msg(data, n, 8192);
	if (n >= 4) {
		copy = malloc(n);
		if (copy == NULL)
			abort();
		memcpy(copy, data, n);
		copy[0] = (nm_u8)n;
		copy[1] = (nm_u8)(n >> 8);
		copy[2] = (nm_u8)(n >> 16);
		copy[3] = (nm_u8)(n >> 24);
		check_msg(copy, n, 0);
		free(copy);
	}
	check_dir(data, n, 0);
	return 0;
}
