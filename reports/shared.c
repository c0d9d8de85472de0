/*
 * shared.c — what every report shares, and a leaf: it calls into no
 * other report file.  The names of kinds and formats, the filter line,
 * durations, whether a phone's operation is overdue and its reason in
 * words, and the HTML escaper (html.c and svg.c).
 */
#include <stdio.h>
#include <string.h>

#include "reports/report_int.h"

void
report_fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %02llds", (long long)s / 60,
		    (long long)s % 60);
	else if (s < CLOCK_DAY)
		snprintf(buf, len, "%lldh %02lldm", (long long)s / 3600,
		    (long long)s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd %02lldh", (long long)s / CLOCK_DAY,
		    (long long)s % CLOCK_DAY / 3600);
}

static const char *const kind_names[REPORT__MAX] = {
	[REPORT_LEFT_BEHIND] = "left-behind",
	[REPORT_SUMMARY] = "summary",
	[REPORT_FORECAST] = "forecast",
	[REPORT_HISTORY] = "history",
	[REPORT_PHONE] = "phone",
	[REPORT_METRICS] = "metrics",
	[REPORT_BAT] = "bat",
};

static const char *const format_names[REPORT_FORMAT__MAX] = {
	[REPORT_FORMAT_TEXT] = "text",
	[REPORT_FORMAT_CSV] = "csv",
	[REPORT_FORMAT_JSON] = "json",
	[REPORT_FORMAT_HTML] = "html",
	[REPORT_FORMAT_PROM] = "prom",
	[REPORT_FORMAT_BAT] = "bat",
};

const char *
report_kind_name(enum report_kind k)
{
	if ((unsigned)k >= REPORT__MAX)
		return "unknown";
	return kind_names[k];
}

int
report_kind_parse(const char *s, enum report_kind *k)
{
	for (int i = 0; i < REPORT__MAX; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum report_kind)i;
			return 0;
		}
	return -1;
}

const char *
report_format_name(enum report_format f)
{
	if ((unsigned)f >= REPORT_FORMAT__MAX)
		return "unknown";
	return format_names[f];
}

int
report_format_parse(const char *s, enum report_format *f)
{
	for (int i = 0; i < REPORT_FORMAT__MAX; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum report_format)i;
			return 0;
		}
	return -1;
}

void
report_filter_text(const struct report_opts *o, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (o->cluster != NULL)
		n += snprintf(buf + n, len - (size_t)n, "%s cluster %s",
		    n ? "," : " for", o->cluster);
	if (o->campaign != NULL && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "%s campaign %s",
		    n ? "," : " for", o->campaign);
	if (o->pool != NULL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s pool %s", n ? "," :
		    " for", o->pool);
}

int
report_overdue(const struct store_phone *p, int64_t now)
{
	return (p->mem.state == PS_QUEUED || p->mem.state == PS_PENDING) &&
	    p->mem.deadline > 0 && p->mem.deadline <= now;
}

const char *
report_reason(const struct store_phone *p, int64_t now, char *buf,
    size_t len)
{
	if (report_overdue(p, now))
		snprintf(buf, len, "%s; deadline passed", p->mem.reason);
	else
		snprintf(buf, len, "%s", p->mem.reason);
	return buf;
}

int
report_html_esc_cut(struct buf *b, const char *s, size_t max)
{
	const char *p, *run;
	uint32_t cp;
	size_t n, count = 0;

	if (s == NULL)
		return 0;
	for (run = p = s; *p != '\0'; p += n) {
		const char *rep = NULL;

		n = utf8_next(p, &cp);
		if (count++ == max) {
			buf_append(b, run, (size_t)(p - run));
			buf_puts(b, "\xe2\x80\xa6");
			return buf_failed(b) ? -1 : 0;
		}
		switch (cp) {
		case '\'':
			rep = "&#39;";
			break;
		case '\t':
		case '\n':
		case '\r':
			rep = " ";
			break;
		default:
			if ((rep = xml_ref(cp)) != NULL)
				break;
			/* a real U+FFFD passes as it is */
			if (utf8_unsafe(cp) || (cp == 0xfffd && !(n == 3 &&
			    memcmp(p, "\xef\xbf\xbd", 3) == 0)))
				rep = "\xef\xbf\xbd";
			break;
		}
		if (rep == NULL)
			continue;
		buf_append(b, run, (size_t)(p - run));
		buf_puts(b, rep);
		run = p + n;
	}
	buf_append(b, run, (size_t)(p - run));
	return buf_failed(b) ? -1 : 0;
}

int
report_html_esc(struct buf *b, const char *s)
{
	return report_html_esc_cut(b, s, (size_t)-1);
}
