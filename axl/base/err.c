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

static const char *const kind_names[ERR__MAX] = {
	[ERR_NONE] = "none",
	[ERR_SYSTEM] = "system",
	[ERR_USAGE] = "usage",
	[ERR_CONFIG] = "config",
	[ERR_AUTH] = "auth",
	[ERR_TLS] = "tls",
	[ERR_NETWORK] = "network",
	[ERR_THROTTLED] = "throttled",
	[ERR_TOOLARGE] = "toolarge",
	[ERR_NOTFOUND] = "notfound",
	[ERR_FAULT] = "fault",
	[ERR_HTTP] = "http",
	[ERR_PARSE] = "parse",
	[ERR_STORE] = "store",
	[ERR_LOCKED] = "locked",
	[ERR_TIMEOUT] = "timeout",
};

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
	char	 old[LSC_ERR_MSGLEN];
	size_t	 n;
	va_list	 ap;
	int	 len;

	if (e == NULL)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	len = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		e->msg[0] = '\0';
	/* Truncation is fine: the message is for a person. */
	n = strlen(e->msg);
	if (old[0] != '\0' && n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
		len = (int)strlen(old);
		if ((size_t)len > sizeof(e->msg) - 1 - n)
			len = (int)(sizeof(e->msg) - 1 - n);
		memcpy(e->msg + n, old, (size_t)len);
		e->msg[n + (size_t)len] = '\0';
	}
	sanitize(e->msg);
	return -1;
}

const char *
err_kind_name(enum err_kind kind)
{
	if ((int)kind < 0 || kind >= ERR__MAX || kind_names[kind] == NULL)
		return "unknown";
	return kind_names[kind];
}

int
err_retryable(const struct lsc_err *e)
{
	if (e == NULL)
		return 0;
	return e->kind == ERR_NETWORK || e->kind == ERR_THROTTLED;
}
