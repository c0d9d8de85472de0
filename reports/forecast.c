/*
 * forecast.c — when LSCs expire: per month for the next 24 months, per
 * device pool and in total, with the ones already expired.
 *
 * Month 1 is the month (UTC) holding now, from now on; an LSC that expires
 * later than month 24 counts as "later", a phone without one as "no LSC".
 * Phones gone from CUCM are left out.  Pools are (cluster, pool), whatever
 * the campaign.
 *
 * Text: one row per month, a column for the total and one per pool (pools
 * that do not fit the width are left out, and said so: CSV and JSON have
 * them all).  CSV: one row per pool, a column per month.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

static void
count(struct report_fc_pool *p, long m, unsigned long n)
{
	p->phones += n;
	if (m == STORE_NO_LSC)
		p->no_lsc += n;
	else if (m < 0)
		p->expired += n;
	else if (m < FORECAST_MONTHS)
		p->month[m] += n;
	else
		p->later += n;
}

/* One (cluster, pool, month) as SQLite counted it, in key order. */
static int
count_cb(void *arg, const char *cluster, const char *pool, long month,
    unsigned long n, struct lsc_err *e)
{
	struct report_forecast *f = arg;
	struct report_fc_pool *p = f->n > 0 ? &f->p[f->n - 1] : NULL;

	if (cluster == NULL || pool == NULL)
		return report_syserr(e, "counting expiries");
	if (p == NULL || strcmp(p->key.cluster, cluster) != 0 ||
	    strcmp(p->key.pool, pool) != 0) {
		if ((p = report_grow(f->p, f->n, &f->cap, sizeof(*p), 16)) ==
		    NULL)
			return report_syserr(e, "counting expiries");
		f->p = p;
		p = &f->p[f->n];
		memset(p, 0, sizeof(*p));
		p->key.cluster = report_phones_dup(&f->strings, cluster);
		p->key.campaign = "";
		p->key.pool = report_phones_dup(&f->strings, pool);
		if (p->key.cluster == NULL || p->key.pool == NULL)
			return report_syserr(e, "counting expiries");
		if (f->n == 0 || strcmp(f->p[f->n - 1].key.cluster,
		    cluster) != 0)
			f->clusters++;
		f->n++;
	}
	if (month >= 0)
		month -= f->first;
	count(p, month, n);
	count(&f->total, month, n);
	return 0;
}

int
report_forecast_collect(struct report_ctx *ctx, struct report_forecast *f)
{
	struct store_filter flt;

	memset(f, 0, sizeof(*f));
	f->first = clock_month(ctx->o->now);
	report_filter(ctx->o, &flt);
	return store_each_expiry(ctx->store, &flt, ctx->o->now, count_cb, f,
	    ctx->e);
}

void
report_forecast_free(struct report_forecast *f)
{
	if (f == NULL)
		return;
	free(f->p);
	report_phones_free(&f->strings);
	memset(f, 0, sizeof(*f));
}

/* ---- text ----------------------------------------------------------------- */

static void
num_cell(struct report_tab *t, unsigned long v)
{
	if (v == 0)
		report_tab_cell(t, "-");
	else
		report_tab_cellf(t, "%lu", v);
}

enum { ROW_EXPIRED = -1, ROW_LATER = FORECAST_MONTHS, ROW_NO_LSC, ROW_TOTAL };

/* The count of one row (a month index, or one of ROW_*) of a pool. */
static unsigned long
value(const struct report_fc_pool *p, int which)
{
	switch (which) {
	case ROW_EXPIRED:
		return p->expired;
	case ROW_LATER:
		return p->later;
	case ROW_NO_LSC:
		return p->no_lsc;
	case ROW_TOTAL:
		return p->phones;
	default:
		return p->month[which];
	}
}

/* One row: the label, the total's value and each pool's. */
static void
row(struct report_tab *t, const struct report_forecast *f, const char *label,
    int which)
{
	report_tab_cell(t, label);
	num_cell(t, value(&f->total, which));
	for (size_t i = 0; i < f->n; i++)
		num_cell(t, value(&f->p[i], which));
}

static int
text(struct report_ctx *ctx, const struct report_forecast *f)
{
	struct report_tab *t;
	char now[32], filt[600], label[32], title[600];
	size_t dropped = 0;
	int rc = -1;

	clock_fmt(CLOCK_MINUTE, "", ctx->o->now, now, sizeof(now));
	report_filter_text(ctx->o, filt, sizeof(filt));
	if (report_text_heading(ctx, "LSC expiries per month%s, %s UTC", filt,
	    now) == -1)
		return -1;
	if ((t = report_tab_new(1)) == NULL)
		return report_syserr(ctx->e, "building a table");
	report_tab_col(t, "MONTH", 0, 0, 0, 0);
	report_tab_col(t, "TOTAL", TAB_RIGHT, 0, 0, 0);
	for (size_t i = 0; i < f->n; i++) {
		if (f->clusters > 1)
			snprintf(title, sizeof(title), "%s/%s",
			    f->p[i].key.cluster, f->p[i].key.pool);
		else
			snprintf(title, sizeof(title), "%s", f->p[i].key.pool);
		report_tab_col(t, title, TAB_RIGHT | TAB_SHRINK, 6, 24,
		    (int)i + 1);
	}
	row(t, f, "expired", ROW_EXPIRED);
	for (int m = 0; m < FORECAST_MONTHS; m++) {
		clock_fmt(CLOCK_MONTH, "", clock_month_start(f->first + m),
		    label, sizeof(label));
		row(t, f, label, m);
	}
	row(t, f, "later", ROW_LATER);
	row(t, f, "no LSC", ROW_NO_LSC);
	row(t, f, "total", ROW_TOTAL);
	buf_puts(ctx->out, "\n");
	if (report_tab_render(ctx, t, 0, &dropped) == -1)
		goto out;
	if (dropped > 0 && report_text_para(ctx, 0, "%zu more device pool%s "
	    "not shown for lack of width: see --format csv or json.", dropped,
	    dropped == 1 ? "" : "s") == -1)
		goto out;
	rc = 0;
out:
	report_tab_free(t);
	return rc;
}

/* ---- CSV and JSON ------------------------------------------------------------ */

static int
csv(struct report_ctx *ctx, const struct report_forecast *f)
{
	struct report_csv c;
	char label[32];

	report_csv_init(&c, ctx->out);
	report_csv_str(&c, "cluster");
	report_csv_str(&c, "pool");
	report_csv_str(&c, "expired");
	for (int m = 0; m < FORECAST_MONTHS; m++) {
		clock_fmt(CLOCK_MONTH, "", clock_month_start(f->first + m),
		    label, sizeof(label));
		report_csv_str(&c, label);
	}
	report_csv_str(&c, "later");
	report_csv_str(&c, "no_lsc");
	report_csv_end(&c);
	for (size_t i = 0; i < f->n; i++) {
		const struct report_fc_pool *p = &f->p[i];

		report_csv_str(&c, p->key.cluster);
		report_csv_str(&c, p->key.pool);
		report_csv_num(&c, (long long)p->expired);
		for (int m = 0; m < FORECAST_MONTHS; m++)
			report_csv_num(&c, (long long)p->month[m]);
		report_csv_num(&c, (long long)p->later);
		report_csv_num(&c, (long long)p->no_lsc);
		report_csv_end(&c);
	}
	return 0;
}

static void
json_counts(struct json *j, const struct report_fc_pool *p)
{
	json_int(j, "expired", (long long)p->expired);
	json_arr_inline(j, "months");
	for (int m = 0; m < FORECAST_MONTHS; m++)
		json_int(j, NULL, (long long)p->month[m]);
	json_end(j);
	json_int(j, "later", (long long)p->later);
	json_int(j, "no_lsc", (long long)p->no_lsc);
}

static int
json(struct report_ctx *ctx, const struct report_forecast *f)
{
	struct json j;
	char label[32];

	json_init(&j, ctx->out, 0);
	report_json_envelope(ctx, &j);
	json_arr_inline(&j, "months");
	for (int m = 0; m < FORECAST_MONTHS; m++) {
		clock_fmt(CLOCK_MONTH, "", clock_month_start(f->first + m),
		    label, sizeof(label));
		json_str(&j, NULL, label);
	}
	json_end(&j);
	json_obj(&j, "total");
	json_counts(&j, &f->total);
	json_end(&j);
	json_arr(&j, "pools");
	for (size_t i = 0; i < f->n; i++) {
		json_obj(&j, NULL);
		json_str(&j, "cluster", f->p[i].key.cluster);
		json_str(&j, "pool", f->p[i].key.pool);
		json_counts(&j, &f->p[i]);
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
	return 0;
}

int
report_forecast(struct report_ctx *ctx)
{
	struct report_forecast f;
	int rc = -1;

	if (report_forecast_collect(ctx, &f) == -1)
		goto out;
	/* report.c let only text, csv and json through */
	if (ctx->o->format == REPORT_FORMAT_CSV)
		rc = csv(ctx, &f);
	else if (ctx->o->format == REPORT_FORMAT_JSON)
		rc = json(ctx, &f);
	else
		rc = text(ctx, &f);
	ctx->res.rows = f.n;
out:
	report_forecast_free(&f);
	return rc;
}
