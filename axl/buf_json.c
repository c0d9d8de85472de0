/*
 * buf_json.c — JSON strings into a buffer (used by reports and the command
 * line's --json output).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "axl/buf.h"

int
buf_put_json(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
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
			} else if (utf8_decode((const char *)p, n, &cp, &k) ==
			    -1) {
				/* one U+FFFD per byte that is not UTF-8 */
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
