/*
 * bytelevel.c: GPT-2's byte-to-unicode alphabet, read backwards. GPT-2
 * spells every byte as one visible character so that BPE pieces are
 * printable: the bytes 0x21..0x7E, 0xA1..0xAC and 0xAE..0xFF stand for
 * themselves (as code points), and the other 68, in increasing order,
 * become U+0100.. U+0143 (so 0x20, the space, is U+0120 'Ġ'). The
 * tokenizer keeps pieces as raw bytes, so it only needs this direction.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

/* The byte GPT-2 spells as code point cp, or -1. */
static int
byte_of(nm_u32 cp)
{
	if ((cp >= 0x21 && cp <= 0x7E) || (cp >= 0xA1 && cp <= 0xAC) || (cp >= 0xAE && cp <= 0xFF))
		return (int)cp;
	if (cp < 0x100 || cp > 0x143)
		return -1;
	cp -= 0x100;
	if (cp <= 0x20)
		return (int)cp;                /* 0x00..0x20: 33 bytes */
	if (cp <= 0x20 + 34)
		return (int)(0x7F + cp - 0x21); /* 0x7F..0xA0: 34 bytes */
	return 0xAD;
}

int
nm_bytelevel_decode(const char *s, int len, char *out)
{
	const nm_u8 *u = (const nm_u8 *)s;
	int n = 0;

	for (int i = 0; i < len;) {
		int k = nm_utf8_seq_len(u + i, len - i), b;
		nm_u32 cp;

		if (k == 0)
			return -1;
		if (k == 1)
			cp = u[i];
		else if (k == 2)
			cp = ((nm_u32)(u[i] & 0x1F) << 6) | (u[i + 1] & 0x3F);
		else
			return -1;             /* the alphabet ends at U+0143 */
		b = byte_of(cp);
		if (b < 0)
			return -1;
		out[n++] = (char)b;
		i += k;
	}
	return n;
}
