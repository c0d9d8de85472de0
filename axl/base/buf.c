/*
 * buf.c — a growable, always NUL-terminated byte buffer, and the escaping
 * of text into XML and SQL.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axl/base/buf.h"
#include "axl/base/utf8.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_secret(struct buf *b)
{
	b->secret = 1;
}

void
buf_free(struct buf *b, int wipe)
{
	if (b == NULL)
		return;
	if ((wipe || b->secret) && b->data != NULL)
		explicit_bzero(b->data, b->cap);
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL. */
static int
grow(struct buf *b, size_t extra)
{
	size_t	 need, ncap;
	char	*p;

	if (b->failed)
		return -1;
	if (extra > SIZE_MAX - b->len - 1) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (b->secret) {
		/* move, then wipe the old block: realloc would free it
		 * with the secret still in it */
		if ((p = malloc(ncap)) == NULL) {
			b->failed = 1;
			return -1;
		}
		if (b->data != NULL) {
			memcpy(p, b->data, b->len + 1);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
	} else if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t len)
{
	if (grow(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;

	if (b->failed)
		return -1;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || grow(b, (size_t)n) == -1) {
		b->failed = 1;
		return -1;
	}
	if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap) != n) {
		b->failed = 1;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int
buf_put_text(struct buf *b, const char *s, size_t n)
{
	const char *run = s;
	uint32_t cp = 0;
	size_t	 k;
	int	 bad;

	while (n > 0) {
		bad = utf8_decode(s, n, &cp, &k) == -1;
		if (bad || utf8_unsafe(cp)) {
			if (buf_append(b, run, (size_t)(s - run)) == -1 ||
			    buf_puts(b, bad ? "\xef\xbf\xbd" : "?") == -1)
				return -1;
			run = s + k;
		}
		s += k;
		n -= k;
	}
	return buf_append(b, run, (size_t)(s - run));
}

/* XML 1.0 Char production. */
static int
xml_char(uint32_t c)
{
	if (c < 0x20)
		return c == 0x09 || c == 0x0a || c == 0x0d;
	return c != 0xfffe && c != 0xffff;
}

int
utf8_xml_valid(const char *s, size_t len)
{
	uint32_t cp;
	size_t	 n;

	while (len > 0) {
		if (utf8_decode(s, len, &cp, &n) == -1 || !xml_char(cp))
			return 0;
		s += n;
		len -= n;
	}
	return 1;
}

const char *
xml_ref(uint32_t c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	default:
		return NULL;
	}
}

int
buf_put_xml(struct buf *b, const char *s)
{
	const char *run, *p;
	const char *rep;
	size_t	 len;

	len = strlen(s);
	if (!utf8_xml_valid(s, len)) {
		b->failed = 1;
		return -1;
	}
	for (run = p = s; *p != '\0'; p++) {
		switch (*p) {
		case '\'':
			rep = "&apos;";
			break;
		/*
		 * Written as references so they survive a reader's
		 * end-of-line and attribute-value normalisation.
		 */
		case '\r':
			rep = "&#13;";
			break;
		case '\n':
			rep = "&#10;";
			break;
		case '\t':
			rep = "&#9;";
			break;
		default:
			if ((rep = xml_ref((unsigned char)*p)) == NULL)
				continue;
			break;
		}
		if (buf_append(b, run, (size_t)(p - run)) == -1 ||
		    buf_puts(b, rep) == -1)
			return -1;
		run = p + 1;
	}
	return buf_append(b, run, (size_t)(p - run));
}

int
buf_put_sql_literal(struct buf *b, const char *s)
{
	const unsigned char *p;
	const char *run, *q;
	size_t	 len;

	len = strlen(s);
	if (!utf8_xml_valid(s, len)) {
		b->failed = 1;
		return -1;
	}
	/* No control character at all: not even tab or newline. */
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			b->failed = 1;
			return -1;
		}
	}
	/*
	 * Informix's quoted string is ' { character | '' } ': doubling the
	 * quote is the only escape, a backslash is an ordinary character.
	 */
	if (buf_append(b, "'", 1) == -1)
		return -1;
	for (run = q = s; *q != '\0'; q++) {
		if (*q != '\'')
			continue;
		if (buf_append(b, run, (size_t)(q - run + 1)) == -1 ||
		    buf_append(b, "'", 1) == -1)
			return -1;
		run = q + 1;
	}
	if (buf_append(b, run, (size_t)(q - run)) == -1)
		return -1;
	return buf_append(b, "'", 1);
}

char *
buf_take(struct buf *b)
{
	char	*p;

	if (b->failed) {
		buf_free(b, 0);
		return NULL;
	}
	if (b->data == NULL)
		return calloc(1, 1);
	p = b->data;
	buf_init(b);
	return p;
}

int
buf_failed(const struct buf *b)
{
	return b->failed;
}
