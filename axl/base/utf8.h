/*
 * utf8.h — the one place that knows UTF-8: decode, validate, cut at a
 * character boundary, and the columns a character takes on a
 * terminal.
 *
 * Text from CUCM, a phone's certificate, the configuration or the store
 * may hold terminal escapes, bidirectional overrides or bytes that are not
 * UTF-8; everything that shows or cuts such text goes through here (the
 * escapers in buf.h and json.h among them).  A leaf: it needs no other
 * module.
 */
#ifndef LSC_UTF8_H
#define LSC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the UTF-8 character at s, n >= 1 bytes readable.  Returns 0 with
 * the code point in *cp and its length in *len; or -1 when the bytes are
 * not UTF-8 (a byte no character starts with, a sequence cut short,
 * overlong, a surrogate or beyond U+10FFFF), with *len the bytes to pass
 * over: up to the first one that does not continue the sequence.
 */
int	 utf8_decode(const char *s, size_t n, uint32_t *cp, size_t *len);

/*
 * The character at the NUL-terminated s, its length returned: U+FFFD for
 * bytes that are not UTF-8 (a sequence the NUL cuts short stops there).
 */
size_t	 utf8_next(const char *s, uint32_t *cp);

/*
 * The length of the longest prefix of s[0..len), at most max bytes, that
 * cuts no character: a sequence cut short at its end is left out.
 */
size_t	 utf8_cut(const char *s, size_t len, size_t max);

/*
 * Whether a character must not reach a terminal, a log or a page as it
 * is: the C0 and C1 controls, DEL, and the bidirectional controls that
 * reorder text (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069).
 */
int	 utf8_unsafe(uint32_t cp);

/*
 * The terminal columns of a character, as wcwidth(3) would say in a
 * UTF-8 locale: 0 for combining marks and zero-width joiners, 2 for the
 * East Asian wide and fullwidth blocks and emoji, 1 otherwise.
 */
int	 utf8_cp_width(uint32_t cp);

/*
 * The terminal columns of the NUL-terminated s as buf_put_text() shows it
 * (an unsafe character as one '?', bytes that are not UTF-8 as U+FFFD).
 */
size_t	 utf8_width(const char *s);

#endif
