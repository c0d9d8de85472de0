/*
 * utf8.c — decoding, cutting and terminal width of UTF-8 text
 * (see utf8.h).
 */
#include <string.h>

#include "axl/base/utf8.h"

int
utf8_decode(const char *s, size_t n, uint32_t *cp, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t	 want, i;

	*len = 1;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 0;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		want = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		want = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		want = 4;
		c = p[0] & 0x07;
	} else
		return -1;
	for (i = 1; i < want; i++) {
		if (i == n || (p[i] & 0xc0) != 0x80) {
			*len = i;
			return -1;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	*len = want;
	if ((want == 3 && c < 0x800) || (want == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return 0;
}

size_t
utf8_next(const char *s, uint32_t *cp)
{
	size_t n;

	/* the NUL is readable and continues nothing */
	if (utf8_decode(s, strnlen(s, 3) + 1, cp, &n) == -1)
		*cp = 0xfffd;
	return n;
}

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 n = max < len ? max : len, k, need;

	/* the start of the last character before n, and whether it is
	 * all there */
	for (k = 1; k <= 4 && k <= n; k++) {
		if ((p[n - k] & 0xc0) == 0x80)
			continue;
		need = p[n - k] < 0xc0 ? 1 : p[n - k] < 0xe0 ? 2 :
		    p[n - k] < 0xf0 ? 3 : 4;
		return need > k ? n - k : n;
	}
	return n;
}

int
utf8_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/*
 * A small wcwidth: the combining blocks take no column, the East Asian
 * wide and fullwidth blocks and the emoji take two.  Good enough for the
 * names CUCM holds; a wrong guess only misaligns one row.
 */
int
utf8_cp_width(uint32_t c)
{
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x0483 && c <= 0x0489) ||
	    (c >= 0x0591 && c <= 0x05bd) || (c >= 0x0610 && c <= 0x061a) ||
	    (c >= 0x064b && c <= 0x065f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	    (c >= 0x3099 && c <= 0x309a) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || c == 0x200b || c == 0x200d)
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x3098) || (c >= 0x309b && c <= 0x33ff) ||
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
	    (c >= 0xa000 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
	    (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
	    (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x1f900 && c <= 0x1f9ff) ||
	    (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

size_t
utf8_width(const char *s)
{
	size_t	 w = 0;
	uint32_t cp;

	while (*s != '\0') {
		s += utf8_next(s, &cp);
		w += utf8_unsafe(cp) ? 1 : (size_t)utf8_cp_width(cp);
	}
	return w;
}
