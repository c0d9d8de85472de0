/*
 * buf_json.c — JSON strings into a buffer (used by reports and the command
 * line's --json output).
 */
#include <stdint.h>
#include <string.h>

#include "axl/buf.h"

int
buf_put_json(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run, *p;
	char	 esc[7] = "\\u";
	uint32_t cp = 0;
	size_t	 n, k;
	int	 bad;

	if (s == NULL)
		return buf_puts(b, "null");
	buf_puts(b, "\"");
	for (run = p = s, n = strlen(s); n > 0; p += k, n -= k) {
		bad = utf8_decode(p, n, &cp, &k) == -1;
		if (!bad && !utf8_unsafe(cp) && cp != '"' && cp != '\\' &&
		    cp != 0x2028 && cp != 0x2029)
			continue;
		buf_append(b, run, (size_t)(p - run));
		run = p + k;
		switch (bad ? 0xfffd : cp) {
		case '"':
			buf_puts(b, "\\\"");
			continue;
		case '\\':
			buf_puts(b, "\\\\");
			continue;
		case '\b':
			buf_puts(b, "\\b");
			continue;
		case '\f':
			buf_puts(b, "\\f");
			continue;
		case '\n':
			buf_puts(b, "\\n");
			continue;
		case '\r':
			buf_puts(b, "\\r");
			continue;
		case '\t':
			buf_puts(b, "\\t");
			continue;
		default:
			if (bad)
				cp = 0xfffd;
			esc[2] = hex[cp >> 12 & 0xf];
			esc[3] = hex[cp >> 8 & 0xf];
			esc[4] = hex[cp >> 4 & 0xf];
			esc[5] = hex[cp & 0xf];
			buf_append(b, esc, 6);
			continue;
		}
	}
	buf_append(b, run, (size_t)(p - run));
	buf_puts(b, "\"");
	return buf_failed(b) ? -1 : 0;
}
