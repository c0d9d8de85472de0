/*
 * json.c — the JSON writer and its string escaper (see json.h).
 */
#include <stdint.h>
#include <string.h>

#include "axl/base/clock.h"
#include "axl/base/json.h"
#include "axl/base/utf8.h"

int
json_quote(struct buf *b, const char *s)
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

void
json_init(struct json *j, struct buf *b, int compact)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->compact = compact;
}

static void
indent(struct json *j, int depth)
{
	if (j->compact)
		return;
	buf_append(j->b, "\n", 1);
	for (int i = 0; i < depth; i++)
		buf_append(j->b, "  ", 2);
}

/* Separator, indentation and key before a value. */
static void
member(struct json *j, const char *key)
{
	int d = j->depth;

	if (d > 0) {
		if (j->count[d] > 0)
			buf_append(j->b, ",", 1);
		if (j->inline_[d] || j->compact) {
			if (j->count[d] > 0 && !j->compact)
				buf_append(j->b, " ", 1);
		} else
			indent(j, d);
		j->count[d]++;
	}
	if (key != NULL) {
		json_quote(j->b, key);
		buf_append(j->b, ": ", j->compact ? 1 : 2);
	}
}

static void
open_(struct json *j, const char *key, const char *bracket, int inl)
{
	member(j, key);
	buf_puts(j->b, bracket);
	if (j->depth + 1 >= JSON_MAX_DEPTH) {
		j->b->failed = 1;
		return;
	}
	j->depth++;
	j->count[j->depth] = 0;
	j->inline_[j->depth] = inl;
	j->closer[j->depth] = *bracket == '{' ? '}' : ']';
}

void
json_obj(struct json *j, const char *key)
{
	open_(j, key, "{", 0);
}

void
json_arr(struct json *j, const char *key)
{
	open_(j, key, "[", 0);
}

void
json_arr_inline(struct json *j, const char *key)
{
	open_(j, key, "[", 1);
}

void
json_end(struct json *j)
{
	int d = j->depth;

	if (d == 0) {
		j->b->failed = 1;
		return;
	}
	j->depth--;
	if (j->count[d] > 0 && !j->inline_[d])
		indent(j, j->depth);
	buf_append(j->b, &j->closer[d], 1);
}

void
json_str(struct json *j, const char *key, const char *v)
{
	member(j, key);
	json_quote(j->b, v);
}

void
json_int(struct json *j, const char *key, long long v)
{
	member(j, key);
	buf_printf(j->b, "%lld", v);
}

void
json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	buf_puts(j->b, v ? "true" : "false");
}

void
json_null(struct json *j, const char *key)
{
	member(j, key);
	buf_puts(j->b, "null");
}

void
json_time(struct json *j, const char *key, int64_t t)
{
	char when[32];

	if (t <= 0) {
		json_null(j, key);
		return;
	}
	json_str(j, key, clock_fmt(CLOCK_RFC3339, "", t, when, sizeof(when)));
}

void
json_finish(struct json *j)
{
	while (j->depth > 0)
		json_end(j);
	buf_append(j->b, "\n", 1);
}
