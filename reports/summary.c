/*
 * summary.c — counts per cluster, campaign and device pool.
 *
 * For each (cluster, campaign, pool) of the store (campaign: the last one
 * that evaluated the phone): phones by state, renewed in the last run
 * (renewed_at within the newest finished run), renewed in the last 30 days,
 * LSCs expired, expiring within 30, 60 and 90 days (cumulative: 60 days
 * includes 30) and phones without an LSC; then the totals.  Phones gone
 * from CUCM count in their state only, not in the expiry columns.
 *
 * The phone side, where probes exist: phones probed (their newest probe),
 * and of them those presenting what CUCM records, something else, and no
 * certificate at all.
 *
 * Text: the last run in words, then two tables: phones by state per
 * group, and renewals, expiries and the phone side per (cluster, pool).
 * CSV: one row per group, every count.  The groups are also what metrics
 * and the HTML page are made of.
 */
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

/* Short column titles for the states, in enum order. */
static const char *const state_titles[PS__MAX] = {
	"OK", "DUE", "QUEUE", "PEND", "RENEW", "LEFT", "FAIL", "ATTN",
	"ABAND", "GONE"
};

/* Sums g into t (keys untouched). */
static void
group_add(struct report_group *t, const struct report_group *g)
{
	t->phones += g->phones;
	for (int i = 0; i < PS__MAX; i++)
		t->state[i] += g->state[i];
	t->renewed_run += g->renewed_run;
	t->renewed_30d += g->renewed_30d;
	t->exp30 += g->exp30;
	t->exp60 += g->exp60;
	t->exp90 += g->exp90;
	t->expired += g->expired;
	t->no_lsc += g->no_lsc;
	t->probed += g->probed;
	t->agrees += g->agrees;
	t->differs += g->differs;
	t->silent += g->silent;
}

static int
key_order(const void *va, const void *vb)
{
	const struct report_group *a = va, *b = vb;
	int c;

	if ((c = strcmp(a->key.cluster, b->key.cluster)) != 0 ||
	    (c = strcmp(a->key.campaign, b->key.campaign)) != 0)
		return c;
	return strcmp(a->key.pool, b->key.pool);
}

/* The phone side: each phone's newest probe counted in its group. */
static void
count_probes(struct report_ctx *ctx, struct report_summary *s)
{
	const struct report_trust *t = ctx->probes;

	for (size_t i = 0; t != NULL && s->n > 0 && i < t->np; i++) {
		const struct report_probe *p = &t->p[i];
		struct report_group k, *g;

		if (p->name == NULL)
			continue;
		memset(&k, 0, sizeof(k));
		k.key.cluster = p->cluster != NULL ? p->cluster : "";
		k.key.campaign = p->campaign != NULL ? p->campaign : "";
		k.key.pool = p->pool != NULL ? p->pool : "";
		if ((g = bsearch(&k, s->g, s->n, sizeof(*s->g),
		    key_order)) == NULL)
			continue;
		g->probed++;
		if (p->chain_ix == TRUST_NONE)
			g->silent++;
		else if (p->cls != NULL && strcmp(p->cls, "agrees") == 0)
			g->agrees++;
		else
			g->differs++;
	}
}

/* One group as SQLite counted it; they come in key order. */
static int
tally_cb(void *arg, const struct store_tally *t, struct lsc_err *e)
{
	struct report_summary *s = arg;
	struct report_group *g;

	if ((g = report_grow(s->g, s->n, &s->cap, sizeof(*g), 16)) == NULL)
		return report_syserr(e, "counting phones");
	s->g = g;
	g = &s->g[s->n];
	memset(g, 0, sizeof(*g));
	g->key.cluster = report_phones_dup(&s->strings, t->cluster);
	g->key.campaign = report_phones_dup(&s->strings, t->campaign);
	g->key.pool = report_phones_dup(&s->strings, t->pool);
	if (g->key.cluster == NULL || g->key.campaign == NULL ||
	    g->key.pool == NULL)
		return report_syserr(e, "counting phones");
	s->n++;
	g->phones = t->phones;
	memcpy(g->state, t->state, sizeof(g->state));
	g->renewed_run = t->renewed_run;
	g->renewed_30d = t->renewed_30d;
	g->exp30 = t->exp30;
	g->exp60 = t->exp60;
	g->exp90 = t->exp90;
	g->expired = t->expired;
	g->no_lsc = t->no_lsc;
	return 0;
}

int
report_summary_collect(struct report_ctx *ctx, struct report_summary *s)
{
	struct store_filter f;
	struct store_run *r = &s->last;

	memset(s, 0, sizeof(*s));
	if (store_last_run(ctx->store, r, &s->have_run, ctx->e) == -1)
		return -1;
	if (s->have_run) {
		/* the store lends these until its next call */
		r->campaigns = report_phones_dup(&s->strings, r->campaigns);
		r->mode = report_phones_dup(&s->strings, r->mode);
		r->error = report_phones_dup(&s->strings, r->error);
		r->calls = report_phones_dup(&s->strings, r->calls);
	}
	report_filter(ctx->o, &f);
	if (store_each_tally(ctx->store, &f, ctx->o->now, s->have_run ?
	    r->started : 1, s->have_run ? r->finished : 0, tally_cb, s,
	    ctx->e) == -1)
		return -1;
	count_probes(ctx, s);
	for (size_t i = 0; i < s->n; i++)
		group_add(&s->total, &s->g[i]);
	return 0;
}

void
report_summary_free(struct report_summary *s)
{
	if (s == NULL)
		return;
	free(s->g);
	report_phones_free(&s->strings);
	memset(s, 0, sizeof(*s));
}

static int
by_pool(const void *va, const void *vb)
{
	const struct report_group *a = va, *b = vb;
	int c;

	if ((c = strcmp(a->key.cluster, b->key.cluster)) != 0)
		return c;
	return strcmp(a->key.pool, b->key.pool);
}

int
report_summary_by_pool(const struct report_summary *s,
    struct report_group **out, size_t *n, struct lsc_err *e)
{
	struct report_group *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (s->n == 0)
		return 0;
	if ((v = calloc(s->n, sizeof(*v))) == NULL)
		return report_syserr(e, "counting phones");
	memcpy(v, s->g, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), by_pool);
	for (size_t i = 0; i < s->n; i++) {
		if (k > 0 && by_pool(&v[k - 1], &v[i]) == 0)
			group_add(&v[k - 1], &v[i]);
		else
			v[k++] = v[i];
		v[k - 1].key.campaign = "";
	}
	*out = v;
	*n = k;
	return 0;
}

/* ---- text ---------------------------------------------------------------- */

static int
text_last_run(struct report_ctx *ctx, const struct report_summary *s)
{
	const struct store_run *r = &s->last;
	char when[32], took[32];

	if (!s->have_run)
		return report_text_para(ctx, 0, "No run has finished yet.");
	clock_fmt(CLOCK_MINUTE, "", r->started, when, sizeof(when));
	report_fmt_duration(r->finished - r->started, took, sizeof(took));
	return report_text_para(ctx, 0, "Last run #%lld: %s UTC, took %s, "
	    "exit status %d; %lu phones, %lu queued, %lu renewed, %lu newly "
	    "left behind, %lu write error%s%s%s.", (long long)r->id, when,
	    took, r->exit_status, r->counts.phones, r->counts.queued,
	    r->counts.renewed, r->counts.newly_left_behind, r->counts.errors,
	    r->counts.errors == 1 ? "" : "s", r->error != NULL ? "; " : "",
	    r->error != NULL ? r->error : "");
}

static const char *
plural(unsigned long n)
{
	return n == 1 ? "" : "s";
}

static int
text(struct report_ctx *ctx, const struct report_summary *s)
{
	const struct report_group *tot = &s->total;
	struct report_tab *t = NULL, *u = NULL;
	struct report_group *pools = NULL;
	char now[32], filt[600];
	unsigned long person;
	size_t np = 0;
	int rc = -1;

	clock_fmt(CLOCK_MINUTE, "", ctx->o->now, now, sizeof(now));
	report_filter_text(ctx->o, filt, sizeof(filt));
	person = tot->state[PS_LEFT_BEHIND] + tot->state[PS_FAILED_RETRYABLE] +
	    tot->state[PS_NEEDS_ATTENTION] + tot->state[PS_ABANDONED];
	if (report_text_heading(ctx, "Summary%s, %s UTC", filt, now) == -1 ||
	    text_last_run(ctx, s) == -1 ||
	    report_text_para(ctx, 0, "%lu phone%s: %lu renewed in the last 30 "
	    "days, %lu in flight, %lu need%s a person; LSCs expired: %lu, "
	    "expiring within 30 days: %lu, within 90 days: %lu.", tot->phones,
	    plural(tot->phones), tot->renewed_30d, tot->state[PS_QUEUED] +
	    tot->state[PS_PENDING], person, person == 1 ? "s" : "",
	    tot->expired, tot->exp30, tot->exp90) == -1)
		return -1;
	if (s->n == 0)
		return 0;

	if (report_summary_by_pool(s, &pools, &np, ctx->e) == -1)
		goto out;
	if ((t = report_tab_new(1)) == NULL || (u = report_tab_new(1)) ==
	    NULL) {
		report_syserr(ctx->e, "building a table");
		goto out;
	}
	report_tab_col(t, "CLUSTER", TAB_SHRINK, 6, 0, 0);
	report_tab_col(t, "CAMPAIGN", TAB_SHRINK, 8, 0, 0);
	report_tab_col(t, "POOL", TAB_SHRINK, 10, 0, 0);
	report_tab_col(t, "ALL", TAB_RIGHT, 0, 0, 0);
	for (int i = 0; i < PS__MAX; i++)
		report_tab_col(t, state_titles[i], TAB_RIGHT, 0, 0, 0);
	for (size_t i = 0; i <= s->n; i++) {
		const struct report_group *g = i < s->n ? &s->g[i] : tot;

		report_tab_cell(t, i < s->n ? g->key.cluster : "total");
		report_tab_cell(t, i < s->n ? g->key.campaign : "");
		report_tab_cell(t, i < s->n ? g->key.pool : "");
		report_tab_cellf(t, "%lu", g->phones);
		for (int k = 0; k < PS__MAX; k++)
			report_tab_cellf(t, "%lu", g->state[k]);
	}

	report_tab_col(u, "CLUSTER", TAB_SHRINK, 6, 0, 0);
	report_tab_col(u, "POOL", TAB_SHRINK, 10, 0, 0);
	report_tab_col(u, "LAST RUN", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "RENEWED 30D", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "EXPIRED", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "WITHIN 30D", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "60D", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "90D", TAB_RIGHT, 0, 0, 0);
	report_tab_col(u, "NO LSC", TAB_RIGHT, 0, 0, 0);
	if (tot->probed > 0) {	/* the phone side, once probes exist */
		report_tab_col(u, "PROBED", TAB_RIGHT, 0, 0, 1);
		report_tab_col(u, "AGREE", TAB_RIGHT, 0, 0, 1);
		report_tab_col(u, "DIFFER", TAB_RIGHT, 0, 0, 1);
		report_tab_col(u, "NO CERT", TAB_RIGHT, 0, 0, 1);
	}
	for (size_t i = 0; i <= np; i++) {
		const struct report_group *g = i < np ? &pools[i] : tot;

		report_tab_cell(u, i < np ? g->key.cluster : "total");
		report_tab_cell(u, i < np ? g->key.pool : "");
		report_tab_cellf(u, "%lu", g->renewed_run);
		report_tab_cellf(u, "%lu", g->renewed_30d);
		report_tab_cellf(u, "%lu", g->expired);
		report_tab_cellf(u, "%lu", g->exp30);
		report_tab_cellf(u, "%lu", g->exp60);
		report_tab_cellf(u, "%lu", g->exp90);
		report_tab_cellf(u, "%lu", g->no_lsc);
		if (tot->probed > 0) {
			report_tab_cellf(u, "%lu", g->probed);
			report_tab_cellf(u, "%lu", g->agrees);
			report_tab_cellf(u, "%lu", g->differs);
			report_tab_cellf(u, "%lu", g->silent);
		}
	}
	buf_puts(ctx->out, "\n");
	if (report_text_heading(ctx, "Phones by state") == -1 ||
	    report_tab_render(ctx, t, 0, NULL) == -1 ||
	    report_text_para(ctx, 0, "QUEUE queued, PEND pending, RENEW "
	    "renewed, LEFT left_behind, FAIL failed_retryable, ATTN "
	    "needs_attention, ABAND abandoned.") == -1)
		goto out;
	buf_puts(ctx->out, "\n");
	if (report_text_heading(ctx, "Renewals and LSC expiries per device "
	    "pool") == -1 ||
	    report_tab_render(ctx, u, 0, NULL) == -1 ||
	    report_text_para(ctx, 0, "Renewed in the last run and in the last "
	    "30 days; LSCs expired, and expiring within 30, 60 and 90 days "
	    "(each includes the shorter); phones gone from CUCM left "
	    "out.%s", tot->probed > 0 ? " PROBED: phones whose web server "
	    "was probed; of them AGREE present what CUCM records, DIFFER "
	    "something else, NO CERT nothing (see report trust)." : "") == -1)
		goto out;
	rc = 0;
out:
	free(pools);
	report_tab_free(t);
	report_tab_free(u);
	return rc;
}

/* ---- CSV and JSON ------------------------------------------------------------ */

#define GROUP_FIELDS	(17 + PS__MAX)

/* A group's fields: its key (cluster, campaign, pool; not the total's),
 * then its counts. */
static size_t
group_fields(const struct report_group *g, int key,
    struct report_field f[GROUP_FIELDS])
{
	size_t n = 0;

	if (key) {
		REPORT_STR(f, n, "cluster", g->key.cluster);
		REPORT_STR(f, n, "campaign", g->key.campaign);
		REPORT_STR(f, n, "pool", g->key.pool);
	}
	REPORT_NUM(f, n, "phones", RF_INT, (long long)g->phones);
	f[n++] = (struct report_field){ "states", RF_OBJ, "", 0 };
	for (int k = 0; k < PS__MAX; k++)
		REPORT_NUM(f, n, phone_state_name((enum phone_state)k), RF_INT,
		    (long long)g->state[k]);
	f[n++] = (struct report_field){ "states", RF_END, NULL, 0 };
	REPORT_NUM(f, n, "renewed_last_run", RF_INT, (long long)g->renewed_run);
	REPORT_NUM(f, n, "renewed_30d", RF_INT, (long long)g->renewed_30d);
	REPORT_NUM(f, n, "expiring_30d", RF_INT, (long long)g->exp30);
	REPORT_NUM(f, n, "expiring_60d", RF_INT, (long long)g->exp60);
	REPORT_NUM(f, n, "expiring_90d", RF_INT, (long long)g->exp90);
	REPORT_NUM(f, n, "expired", RF_INT, (long long)g->expired);
	REPORT_NUM(f, n, "no_lsc", RF_INT, (long long)g->no_lsc);
	REPORT_NUM(f, n, "probed", RF_INT, (long long)g->probed);
	REPORT_NUM(f, n, "phone_agrees", RF_INT, (long long)g->agrees);
	REPORT_NUM(f, n, "phone_differs", RF_INT, (long long)g->differs);
	REPORT_NUM(f, n, "phone_no_certificate", RF_INT,
	    (long long)g->silent);
	return n;
}

static int
csv(struct report_ctx *ctx, const struct report_summary *s)
{
	struct report_field f[GROUP_FIELDS];
	struct report_csv c;
	size_t n;

	report_csv_init(&c, ctx->out);
	n = group_fields(&s->total, 1, f);
	report_csv_fields(&c, f, n, 1);
	report_csv_end(&c);
	for (size_t i = 0; i < s->n; i++) {
		report_csv_fields(&c, f, group_fields(&s->g[i], 1, f), 0);
		report_csv_end(&c);
	}
	return 0;
}

static int
json(struct report_ctx *ctx, const struct report_summary *s)
{
	struct report_field f[REPORT_RUN_FIELDS + GROUP_FIELDS];
	struct json j;

	json_init(&j, ctx->out, 0);
	report_json_envelope(ctx, &j);
	if (s->have_run) {
		report_run_fields(&s->last, "", f);
		json_obj(&j, "last_run");
		report_json_fields(&j, f, REPORT_RUN_FIELDS);
		json_end(&j);
	} else
		json_null(&j, "last_run");
	json_arr(&j, "groups");
	for (size_t i = 0; i < s->n; i++) {
		json_obj(&j, NULL);
		report_json_fields(&j, f, group_fields(&s->g[i], 1, f));
		json_end(&j);
	}
	json_end(&j);
	json_obj(&j, "total");
	report_json_fields(&j, f, group_fields(&s->total, 0, f));
	json_end(&j);
	json_finish(&j);
	return 0;
}

int
report_summary(struct report_ctx *ctx)
{
	struct report_summary s;
	int rc = -1;

	if (report_summary_collect(ctx, &s) == -1)
		goto out;
	/* report.c let only text, csv and json through */
	if (ctx->o->format == REPORT_FORMAT_CSV)
		rc = csv(ctx, &s);
	else if (ctx->o->format == REPORT_FORMAT_JSON)
		rc = json(ctx, &s);
	else
		rc = text(ctx, &s);
	ctx->res.rows = s.n;
out:
	report_summary_free(&s);
	return rc;
}
