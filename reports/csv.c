/*
 * csv.c — RFC 4180 for spreadsheets and scripts.
 *
 * Records end with CRLF; a field holding a comma, a double quote, CR or LF
 * is quoted and its quotes doubled.  UTF-8 without a byte order mark (bytes
 * that are not UTF-8 become U+FFFD).  The first record names the fields.
 *
 * Formula injection: a text field that begins with '=', '+', '-', '@', a
 * tab or CR would be run by a spreadsheet (=HYPERLINK(...), =cmd|...), and
 * phone descriptions are written by whoever can edit a phone.  Such a field
 * gets a leading single quote, which spreadsheets show as text and hide.
 * Numbers lscrenew computes itself (days left, counts) are written as
 * numbers, so -12 stays a number.
 *
 * Times are "YYYY-MM-DD HH:MM:SS" in UTC, the form spreadsheets recognise;
 * an empty field means never / unknown.
 */
#include <stdio.h>
#include <string.h>

#include "reports/report_int.h"

void
report_csv_init(struct report_csv *c, struct buf *b)
{
	c->b = b;
	c->col = 0;
}

static void
sep(struct report_csv *c)
{
	if (c->col++ > 0)
		buf_append(c->b, ",", 1);
}

void
report_csv_str(struct report_csv *c, const char *s)
{
	struct buf v = BUF_INIT;
	const char *p;
	uint32_t cp;
	size_t n;
	int quote = 0;

	sep(c);
	if (s == NULL || *s == '\0')
		return;
	if (strchr("=+-@\t\r", *s) != NULL)
		buf_append(&v, "'", 1);
	for (p = s; *p != '\0'; p += n) {
		n = utf8_next(p, &cp);
		if (cp == 0xfffd && !(n == 3 &&
		    memcmp(p, "\xef\xbf\xbd", 3) == 0)) {
			buf_puts(&v, "\xef\xbf\xbd");
			continue;
		}
		if (*p == '"' || *p == ',' || *p == '\r' || *p == '\n')
			quote = 1;
		if (*p == '"')
			buf_append(&v, "\"", 1);
		buf_append(&v, p, n);
	}
	if (buf_failed(&v))
		c->b->failed = 1;
	if (quote)
		buf_append(c->b, "\"", 1);
	if (v.data != NULL)
		buf_append(c->b, v.data, v.len);
	if (quote)
		buf_append(c->b, "\"", 1);
	buf_free(&v, 0);
}

void
report_csv_num(struct report_csv *c, long long v)
{
	sep(c);
	buf_printf(c->b, "%lld", v);
}

void
report_csv_time(struct report_csv *c, int64_t t)
{
	char when[32];

	sep(c);
	if (t <= 0)
		return;
	clock_fmt(CLOCK_SECONDS, "", t, when, sizeof(when));
	buf_puts(c->b, when);
}

void
report_csv_end(struct report_csv *c)
{
	buf_append(c->b, "\r\n", 2);
	c->col = 0;
}

void
report_csv_header(struct report_csv *c, const char *const *names)
{
	for (; *names != NULL; names++)
		report_csv_str(c, *names);
	report_csv_end(c);
}

void
report_csv_fields(struct report_csv *c, const struct report_field *f,
    size_t n, int names)
{
	const char *prefix = "";
	char name[96];

	for (size_t i = 0; i < n; i++) {
		if (f[i].type == RF_OBJ || f[i].type == RF_END) {
			prefix = f[i].type == RF_OBJ ? f[i].s : "";
			continue;
		}
		if (names) {
			snprintf(name, sizeof(name), "%s%s", prefix, f[i].name);
			report_csv_str(c, name);
		} else if (f[i].type == RF_STR)
			report_csv_str(c, f[i].s);
		else if (f[i].type == RF_TIME)
			report_csv_time(c, f[i].n);
		else if (f[i].type == RF_NULL || f[i].type == RF_ABSENT)
			report_csv_str(c, NULL);
		else
			report_csv_num(c, f[i].n);
	}
}
