/* utf8.c: strict UTF-8 validation (RFC 3629) and character lengths. */
#include "port/port.h"
#include "tokenizer/internal.h"

int
nm_utf8_seq_len(const nm_u8 *s, int left)
{
	int c = s[0], n, lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;                   /* continuation byte, or overlong C0/C1 */
	if (c < 0xE0)
		n = 2;
	else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* surrogates U+D800..U+DFFF */
	} else if (c < 0xF5) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* above U+10FFFF */
	} else
		return 0;
	if (left < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

int
nm_utf8_check(const char *text, int len, int *bad_offset)
{
	const nm_u8 *s = (const nm_u8 *)text;
	int i = 0;

	while (i < len) {
		int n = nm_utf8_seq_len(s + i, len - i);

		if (n == 0) {
			if (bad_offset != nil)
				*bad_offset = i;
			return -1;
		}
		i += n;
	}
	return 0;
}
