/*
 * buf_json.c — JSON strings into a buffer (used by reports and the command
 * line's --json output).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "axl/buf.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

int
buf_put_json(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;
	char esc[8];

	if (s == NULL)
		return buf_puts(b, "null");
	n = strlen(s);
	buf_puts(b, "\"");
	while (n > 0) {
		switch (*p) {
		case '"':
			buf_puts(b, "\\\"");
			k = 1;
			break;
		case '\\':
			buf_puts(b, "\\\\");
			k = 1;
			break;
		case '\n':
			buf_puts(b, "\\n");
			k = 1;
			break;
		case '\r':
			buf_puts(b, "\\r");
			k = 1;
			break;
		case '\t':
			buf_puts(b, "\\t");
			k = 1;
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				buf_puts(b, esc);
				k = 1;
			} else if ((k = utf8_len(p, n)) == 0) {
				buf_puts(b, "\xef\xbf\xbd");
				k = 1;
			} else
				buf_append(b, p, k);
			break;
		}
		p += k;
		n -= k;
	}
	buf_puts(b, "\"");
	return buf_failed(b) ? -1 : 0;
}
