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
 * Appends s as a JSON string (RFC 8259), quotes included: '"' and '\\'
 * escaped, \b \f \n \r \t as such, every other character utf8_unsafe()
 * refuses and U+2028, U+2029 as \uXXXX, bytes that are not UTF-8 as
 * \ufffd, the rest as UTF-8.  NULL is written as null.  (buf_json.c)
 */
int	 buf_put_json(struct buf *, const char *);

/*
 * Appends the n bytes at s as text for a terminal, a log line or a
 * report: each character utf8_unsafe() refuses (a NUL among them) as '?',
 * each sequence that is not UTF-8 as U+FFFD.  The text CUCM, a phone or the
 * state store hands over passes through here (or buf_put_json) before a
 * person sees it.
 */
int	 buf_put_text(struct buf *, const char *s, size_t n);

/* Detaches and returns the data (caller frees); the buffer is reset. */
char	*buf_take(struct buf *);

int	 buf_failed(const struct buf *);

/* Whether s is valid UTF-8 without characters XML 1.0 forbids. */
int	 utf8_xml_valid(const char *, size_t);

/*
 * Decodes the UTF-8 character at s, n >= 1 bytes readable.  Returns 0 with
 * the code point in *cp and its length in *len; or -1 when the bytes are
 * not UTF-8 (a byte no character starts with, a sequence cut short,
 * overlong, a surrogate or beyond U+10FFFF), with *len the bytes to pass
 * over: up to the first one that does not continue the sequence.
 */
int	 utf8_decode(const char *s, size_t n, uint32_t *cp, size_t *len);

/*
 * Whether a character must not reach a terminal, a log or a page as it
 * is: the C0 and C1 controls, DEL, and the bidirectional controls that
 * reorder text (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069).
 */
int	 utf8_unsafe(uint32_t cp);

/*
 * The reference that stands for c in XML or HTML text and attribute values
 * where the markup would read it (&amp; &lt; &gt; &quot;); NULL for any
 * other character.  The apostrophe is the caller's: XML has &apos;, HTML 4
 * only &#39;.
 */
const char *xml_ref(uint32_t c);

#endif
