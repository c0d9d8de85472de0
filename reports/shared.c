/*
 * shared.c — what every report shares, and a leaf: it calls into no
 * other report file.  The names of kinds and formats, the filter line,
 * durations, whether a phone's operation is overdue and its reason in
 * words, the HTML escaper (html.c and svg.c), and finding a phone's
 * newest probe.
 */
#include <stdio.h>
#include <stdlib.h>
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
	[REPORT_TRUST] = "trust",
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

/* By cluster and name; the probes of an address alone last. */
static int
probe_order(const void *a, const void *b)
{
	const struct report_probe *x = a, *y = b;
	int r;

	if ((r = strcmp(x->cluster != NULL ? x->cluster : "",
	    y->cluster != NULL ? y->cluster : "")) != 0)
		return r;
	if (x->name == NULL || y->name == NULL)
		return (x->name == NULL) - (y->name == NULL);
	return strcmp(x->name, y->name);
}

void
report_probes_sort(struct report_trust *t)
{
	if (t->np > 0)
		qsort(t->p, t->np, sizeof(*t->p), probe_order);
}

const struct report_probe *
report_probe_of(const struct report_ctx *ctx, const char *cluster,
    const char *name)
{
	struct report_probe k;

	if (ctx->probes == NULL || ctx->probes->np == 0 || name == NULL)
		return NULL;
	memset(&k, 0, sizeof(k));
	k.cluster = cluster;
	k.name = name;
	return bsearch(&k, ctx->probes->p, ctx->probes->np,
	    sizeof(*ctx->probes->p), probe_order);
}

const char *
report_probe_presents(const struct report_probe *p)
{
	return p->kind != NULL && strcmp(p->outcome, "presented") == 0 ?
	    p->kind : p->outcome;
}

#define STR(k, v)	(f[n++] = (struct report_field){ k, RF_STR, v, 0 })
#define NUM(k, t, v)	(f[n++] = (struct report_field){ k, t, NULL, v })

void
report_phone_fields(const struct store_phone *p, const struct report_probe *pr,
    int64_t now, struct report_field f[REPORT_PHONE_FIELDS], char *reason,
    size_t len)
{
	const struct phone_memory *m = &p->mem;
	int64_t until = p->lsc_valid_until;
	size_t n = 0;

	STR("cluster", p->cluster);
	STR("name", p->name);
	STR("campaign", p->campaign);
	STR("pool", p->pool);
	STR("model", p->model);
	STR("description", p->description);
	NUM("lsc_valid_until", RF_TIME, until);
	NUM("days_left", until > 0 ? RF_INT : RF_NULL, clock_days(until, now));
	STR("lsc_issuer", p->lsc_issuer);
	STR("state", phone_state_name(m->state));
	NUM("state_since", RF_TIME, m->state_since);
	STR("reason", report_reason(p, now, reason, len));
	NUM("overdue", RF_BOOL, report_overdue(p, now));
	NUM("first_offline", RF_TIME, m->first_offline);
	NUM("last_offline", RF_TIME, m->last_offline);
	NUM("last_seen", RF_TIME, p->last_seen);
	STR("last_ip", p->last_ip);
	STR("last_node", p->last_node);
	NUM("attempts", RF_INT, m->attempts);
	NUM("next_retry", RF_TIME, m->next_retry);
	NUM("deadline", RF_TIME, m->deadline);
	STR("cert_operation", p->cert_operation);
	STR("cert_status", p->cert_status);
	NUM("queued_at", RF_TIME, m->queued_at);
	NUM("renewed_at", RF_TIME, m->renewed_at);
	NUM("last_run", RF_INT, p->last_run);
	NUM("last_probe", RF_TIME, pr != NULL ? pr->at : 0);
	STR("presents", pr != NULL ? report_probe_presents(pr) : NULL);
	STR("agreement", pr != NULL ? pr->cls : NULL);
}
