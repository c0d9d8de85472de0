/*
 * utf8.c — decoding and terminal width of the text reports show.
 *
 * Names and descriptions come from CUCM, that is from anyone who can edit
 * a phone: they may hold terminal escapes, bidirectional overrides or bytes
 * that are not UTF-8.  Reports never pass such characters on: text goes
 * through buf_put_text(), JSON through buf_put_json() (axl/buf.h).
 */
#include <string.h>

#include "reports/report_int.h"

size_t
report_utf8_next(const char *s, uint32_t *cp)
{
	size_t n;

	/* the NUL is readable and continues nothing: a sequence cut short
	 * by the end of s stops there */
	if (utf8_decode(s, strnlen(s, 3) + 1, cp, &n) == -1)
		*cp = 0xfffd;
	return n;
}

int
report_utf8_put(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, u, n);
}

/*
 * A small wcwidth: combining marks take no column, the East Asian wide
 * and fullwidth blocks and the emoji take two.  Good enough for the names
 * CUCM holds; a wrong guess only misaligns one row.
 */
int
report_cp_width(uint32_t c)
{
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || c == 0x200b || c == 0x200d)
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

size_t
report_text_width(const char *s)
{
	size_t w = 0;
	uint32_t cp;

	while (*s != '\0') {
		s += report_utf8_next(s, &cp);
		w += utf8_unsafe(cp) ? 1 : (size_t)report_cp_width(cp);
	}
	return w;
}
