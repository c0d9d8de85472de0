/*
 * json.h — the one JSON writer: every JSON the program prints (status,
 * plan, run, probe and the reports) is written through it.
 *
 * Output is UTF-8 (RFC 8259).  Strings escape '"', '\', the C0 and C1
 * controls, DEL and the bidirectional controls (\n, \t ... or \u00XX),
 * U+2028 and U+2029; other non-ASCII characters are written as UTF-8;
 * bytes that are not UTF-8 become \ufffd.  Times are RFC 3339 strings in
 * UTC ("2025-06-16T06:00:00Z"); a time that is unknown or never happened
 * (t <= 0) is null, and so is absent text (NULL).  A document is either
 * indented by two spaces (the reports) or compact, on one line (the
 * command line's --json, where plan writes one object a phone).
 */
#ifndef LSC_JSON_H
#define LSC_JSON_H

#include <stdint.h>

#include "axl/base/buf.h"

#define JSON_MAX_DEPTH 16

struct json {
	struct buf	*b;		/* borrowed; failures stick to it */
	int		 compact;	/* one line, no indentation */
	int		 depth;
	int		 count[JSON_MAX_DEPTH];	/* members written */
	int		 inline_[JSON_MAX_DEPTH];/* on one line */
	char		 closer[JSON_MAX_DEPTH];/* '}' or ']' */
};

/* Starts a document written into b (indented, or compact). */
void	 json_init(struct json *, struct buf *b, int compact);
/* Opens an object or an array; key is NULL inside arrays and for the
 * document itself.  Nesting deeper than JSON_MAX_DEPTH fails the buffer. */
void	 json_obj(struct json *, const char *key);
void	 json_arr(struct json *, const char *key);
/* An array of scalars on one line. */
void	 json_arr_inline(struct json *, const char *key);
/* Closes the innermost object or array. */
void	 json_end(struct json *);
/* Members (key NULL inside arrays); a NULL string is written as null. */
void	 json_str(struct json *, const char *key, const char *);
void	 json_int(struct json *, const char *key, long long);
void	 json_bool(struct json *, const char *key, int);
void	 json_null(struct json *, const char *key);
/* RFC 3339 UTC, or null for t <= 0. */
void	 json_time(struct json *, const char *key, int64_t t);
/* Closes everything and ends the document with a newline. */
void	 json_finish(struct json *);

/* Appends s as a JSON string, quotes included (NULL as null), escaped as
 * above.  Returns -1 when the buffer has failed. */
int	 json_quote(struct buf *, const char *s);

#endif
