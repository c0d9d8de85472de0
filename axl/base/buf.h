/*
 * buf.h — a growable byte buffer, always NUL-terminated.
 *
 * Used to build SOAP envelopes, SQL text and report output.  A buffer that
 * failed to grow stays failed ("sticky" error) so a long run of appends can
 * be checked once at the end with buf_failed().
 */
#ifndef LSC_BUF_H
#define LSC_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;		/* NUL-terminated; owned by the buffer */
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation or encoding failed */
	int	 secret;	/* wipe every copy: growing moves the data
				   and wipes the old block (buf_secret) */
};

#define BUF_INIT { NULL, 0, 0, 0, 0 }

void	 buf_init(struct buf *);
/* Marks a buffer as holding a secret: no block it used is left behind
 * unwiped (realloc would free the old one as it is). */
void	 buf_secret(struct buf *);
/* Frees the storage; with explicit_bzero when wipe != 0 (secrets). */
void	 buf_free(struct buf *, int wipe);
void	 buf_reset(struct buf *);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/*
 * Appends text escaped for XML character data and attribute values
 * (& < > " ').  Fails (returns -1, marks the buffer failed) when the text is
 * not valid UTF-8 or holds a character XML 1.0 forbids (controls other than
 * tab, LF, CR).
 */
int	 buf_put_xml(struct buf *, const char *);

/*
 * Appends text as an Informix/SQL string literal, quotes included:
 * O'Brien -> 'O''Brien'.  Fails on invalid UTF-8, on control characters and
 * on a NUL, so no value can end the literal early.
 */
int	 buf_put_sql_literal(struct buf *, const char *);

/*
 * Appends the n bytes at s as text for a terminal, a log line or a
 * report: each character utf8_unsafe() refuses (a NUL among them) as '?',
 * each sequence that is not UTF-8 as U+FFFD.  The text CUCM, a phone or the
 * state store hands over passes through here (or json_quote(), json.h) before a
 * person sees it.
 */
int	 buf_put_text(struct buf *, const char *s, size_t n);

/* Detaches and returns the data (caller frees); the buffer is reset. */
char	*buf_take(struct buf *);

int	 buf_failed(const struct buf *);

/* Whether s is valid UTF-8 without characters XML 1.0 forbids. */
int	 utf8_xml_valid(const char *, size_t);

/*
 * The reference that stands for c in XML or HTML text and attribute values
 * where the markup would read it (&amp; &lt; &gt; &quot;); NULL for any
 * other character.  The apostrophe is the caller's: XML has &apos;, HTML 4
 * only &#39;.
 */
const char *xml_ref(uint32_t c);

#endif
