/*
 * log.c — messages to stderr or syslog, with levels, and lines for the
 * terminal.
 *
 * SOAP bodies are traced only at trace level (-vvv), and the one secret a body
 * can hold (the CAPF authenticationString) is redacted first.  HTTP
 * headers, where credentials travel, are never traced.  Every message and
 * every cli_printf() line is cleaned (buf_put_text()) once formatted: the
 * names, reasons and statuses they hold come from CUCM, a phone or the
 * store, and none of their control characters reaches a terminal or a log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "axl/base/buf.h"
#include "axl/base/json.h"
#include "axl/base/utf8.h"
#include "cli/cli.h"

static const char	*log_prog = "lscrenew";
static enum log_target	 log_to = LOG_TO_STDERR;
static int		 log_lvl = LOG_LEVEL_WARNING;

void
log_setup(const char *prog, enum log_target to, int level, int facility)
{
	if (log_to == LOG_TO_SYSLOG && to != LOG_TO_SYSLOG)
		closelog();
	log_prog = prog;
	log_to = to;
	if (level < LOG_LEVEL_ERROR)
		level = LOG_LEVEL_ERROR;
	if (level > LOG_LEVEL_TRACE)
		level = LOG_LEVEL_TRACE;
	log_lvl = level;
	if (to == LOG_TO_SYSLOG)
		openlog(prog, LOG_PID, facility);
}

int
log_level(void)
{
	return log_lvl;
}

static int clean_vprintf(struct buf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* Formats, then cleans each line of the result; newlines stay. */
static int
clean_vprintf(struct buf *out, const char *fmt, va_list ap)
{
	struct buf raw = BUF_INIT;
	const char *p, *nl;
	int rc = -1;

	if (buf_vprintf(&raw, fmt, ap) == -1)
		goto out;
	for (p = raw.data != NULL ? raw.data : ""; (nl = strchr(p, '\n')) !=
	    NULL; p = nl + 1)
		if (buf_put_text(out, p, (size_t)(nl - p)) == -1 ||
		    buf_append(out, "\n", 1) == -1)
			goto out;
	rc = buf_put_text(out, p, strlen(p));
out:
	buf_free(&raw, 0);
	return rc;
}

int
cli_printf(FILE *f, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = clean_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0 && fputs(b.data, f) == EOF)
		rc = -1;
	buf_free(&b, 0);
	return rc;
}

void
cli_json_out(struct json *j, struct buf *b)
{
	json_finish(j);
	if (!buf_failed(b))
		fputs(b->data, stdout);
	buf_free(b, 0);
}

char *
cli_cell(char *out, size_t len, const char *s, int width)
{
	size_t	 o = 0, n;
	uint32_t cp;
	int	 w = 0, cw;

	for (; s != NULL && *s != '\0'; s += n) {
		n = utf8_next(s, &cp);
		cw = utf8_unsafe(cp) ? 1 : utf8_cp_width(cp);
		if (w + cw > width || o + n + (size_t)(width - w) >= len)
			break;
		memcpy(out + o, s, n);
		o += n;
		w += cw;
	}
	for (; w < width && o + 1 < len; w++)
		out[o++] = ' ';
	if (len > 0)
		out[o] = '\0';
	return out;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG, LOG_DEBUG };
	static const char *const word[] = { "error: ", "warning: ", "", "",
	    "" };
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	if ((int)level > log_lvl)
		return;
	va_start(ap, fmt);
	rc = clean_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		buf_free(&b, 0);
		return;
	}
	if (log_to == LOG_TO_SYSLOG)
		syslog(prio[level], "%s", b.data);
	/* with syslog, errors also reach cron's mail */
	if (log_to != LOG_TO_SYSLOG || level == LOG_LEVEL_ERROR)
		fprintf(stderr, "%s: %s%s\n", log_prog, log_to ==
		    LOG_TO_SYSLOG ? "" : word[level], b.data);
	buf_free(&b, 0);
}

/* The first occurrence of needle in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *needle, size_t n)
{
	for (; (size_t)(end - p) >= n; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

/* Copies a body with the text of every <authenticationString> replaced. */
static void
redact(struct buf *out, const char *data, size_t len)
{
	static const char open[] = "<authenticationString>";
	const char *p = data, *end = data + len, *hit, *close;

	while (p < end) {
		hit = find(p, end, open, sizeof(open) - 1);
		if (hit == NULL) {
			buf_append(out, p, (size_t)(end - p));
			break;
		}
		hit += sizeof(open) - 1;
		buf_append(out, p, (size_t)(hit - p));
		buf_puts(out, "*");
		close = memchr(hit, '<', (size_t)(end - hit));
		p = close != NULL ? close : end;
	}
}

void
log_trace(void *arg, const char *what, const char *data, size_t len)
{
	/* a response comes chunk by chunk: a character cut between two
	 * chunks is held back and printed with the next, so the trace
	 * stays UTF-8 */
	static char carry[4];
	static size_t ncarry;
	struct buf in = BUF_INIT, b = BUF_INIT;
	size_t	 n, k;

	(void)arg;
	if (log_lvl < LOG_LEVEL_TRACE)
		return;
	if (strcmp(what, "response") == 0)
		buf_append(&in, carry, ncarry);
	ncarry = 0;
	buf_append(&in, data, len);
	if ((k = in.len - utf8_cut(in.data, in.len, in.len)) > 0) {
		memcpy(carry, in.data + in.len - k, k);
		ncarry = k;
		in.len -= k;
	}
	redact(&b, in.data != NULL ? in.data : "", in.len);
	n = utf8_cut(b.data, b.len, 65536);
	log_msg(LOG_LEVEL_TRACE, "%s: %.*s", what, (int)n,
	    b.data != NULL ? b.data : "");
	buf_free(&in, 1);
	buf_free(&b, 1);
}
