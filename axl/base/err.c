/*
 * err.c — the caller-owned error record.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/base/utf8.h"

/*
 * A message is one line a terminal shows as it is: control characters
 * (a server's faultstring may hold newlines), C1 and bidirectional
 * controls (utf8_unsafe()) become spaces, bytes that are not UTF-8 '?',
 * and a UTF-8 sequence cut by truncation is dropped.
 */
static void
sanitize(char *s)
{
	size_t	 len, i, o, k;
	uint32_t cp;

	len = utf8_cut(s, strlen(s), SIZE_MAX);
	for (i = o = 0; i < len; i += k) {
		if (utf8_decode(s + i, len - i, &cp, &k) == -1)
			s[o++] = '?';
		else if (utf8_unsafe(cp))
			s[o++] = ' ';
		else {
			memmove(s + o, s + i, k);
			o += k;
		}
	}
	s[o] = '\0';
}

void
err_clear(struct lsc_err *e)
{
	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->kind = ERR_NONE;
	e->retry_after = -1;
}

int
err_set(struct lsc_err *e, enum err_kind kind, const char *fmt, ...)
{
	va_list	 ap;

	if (e == NULL)
		return -1;
	e->kind = kind;
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	sanitize(e->msg);
	return -1;
}

int
err_prefix(struct lsc_err *e, const char *fmt, ...)
{
	char	 old[LSC_ERR_MSGLEN], pre[LSC_ERR_MSGLEN];
	va_list	 ap;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	if (vsnprintf(pre, sizeof(pre), fmt, ap) < 0)
		pre[0] = '\0';
	va_end(ap);
	/* Truncation is fine: the message is for a person. */
	if (snprintf(e->msg, sizeof(e->msg), "%s%s%s", pre, old[0] != '\0' ?
	    ": " : "", old) < 0)
		e->msg[0] = '\0';
	sanitize(e->msg);
	return -1;
}
