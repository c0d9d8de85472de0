/*
 * history.c — the runs: when, which campaigns, what they did, how they
 * ended and how many calls they cost the cluster.
 *
 * Newest first; opts.limit keeps the newest N, --since DATE the runs
 * started at or after it.  A run with no end recorded is running, or was
 * killed: no duration and no exit status ("not finished").  LEFT counts
 * the phones newly left behind by the run.  Text shows the run-level error
 * and, as the width allows, the calls; CSV and JSON have every field and
 * the phones per state after each run.  Runs span campaigns: the
 * cluster, campaign and pool filters do not apply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

struct collect {
	struct report_runs	*runs;
	unsigned		 limit;
	int64_t			 since;
};

static int
run_cb(void *arg, const struct store_run *r, struct lsc_err *e)
{
	struct collect *c = arg;
	struct report_runs *rs = c->runs;
	struct store_run *v, *k;

	if (r->started < c->since || (c->limit > 0 && rs->n >= c->limit))
		return 0;
	if ((v = report_grow(rs->v, rs->n, &rs->cap, sizeof(*v), 32)) == NULL)
		return report_syserr(e, "reading runs");
	rs->v = v;
	k = &rs->v[rs->n++];
	*k = *r;
	const char **f[] = { &k->campaigns, &k->mode, &k->error, &k->calls };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL &&
		    (*f[i] = report_phones_dup(&rs->strings, *f[i])) == NULL)
			return report_syserr(e, "reading runs");
	return 0;
}

int
report_runs_load(struct report_ctx *ctx, unsigned limit, int64_t since,
    struct report_runs *rs)
{
	struct collect c;

	memset(rs, 0, sizeof(*rs));
	c.runs = rs;
	c.limit = limit;
	c.since = since;
	/* the store's limit counts before the since filter: filter here */
	return store_each_run(ctx->store, since > 0 ? 0 : limit, run_cb, &c,
	    ctx->e);
}

void
report_runs_free(struct report_runs *rs)
{
	if (rs == NULL)
		return;
	free(rs->v);
	report_phones_free(&rs->strings);
	memset(rs, 0, sizeof(*rs));
}

static int
text(struct report_ctx *ctx, const struct report_runs *rs)
{
	struct report_tab *t;
	char now[32], when[32], took[32];
	int rc;

	clock_fmt(CLOCK_MINUTE, "", ctx->o->now, now, sizeof(now));
	if (report_text_heading(ctx, "Runs, newest first, %s UTC", now) == -1)
		return -1;
	if (ctx->o->since == REPORT_SINCE_TIME) {
		clock_fmt(CLOCK_MINUTE, "", ctx->o->since_time, when,
		    sizeof(when));
		report_text_line(ctx, "Started since %s UTC.", when);
	}
	if (rs->n == 0)
		return report_text_line(ctx, "No run recorded.");
	if ((t = report_tab_new(1)) == NULL)
		return report_syserr(ctx->e, "building a table");
	report_tab_col(t, "RUN", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "STARTED", 0, 0, 0, 0);
	report_tab_col(t, "TOOK", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "CAMPAIGNS", TAB_SHRINK, 10, 30, 0);
	report_tab_col(t, "EXIT", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "PHONES", TAB_RIGHT, 0, 0, 1);
	report_tab_col(t, "QUEUED", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "RENEWED", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "LEFT", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "ERRORS", TAB_RIGHT, 0, 0, 2);
	report_tab_col(t, "ERROR", TAB_SHRINK, 20, 0, 0);
	report_tab_col(t, "CALLS", TAB_SHRINK, 20, 0, 3);
	for (size_t i = 0; i < rs->n; i++) {
		const struct store_run *r = &rs->v[i];
		int done = r->finished > 0;

		clock_fmt(CLOCK_MINUTE, "", r->started, when, sizeof(when));
		report_tab_cellf(t, "%lld", (long long)r->id);
		report_tab_cell(t, when);
		if (done)
			report_fmt_duration(r->finished - r->started, took,
			    sizeof(took));
		report_tab_cell(t, done ? took : "-");
		report_tab_cell(t, r->campaigns);
		if (done && r->exit_status >= 0)
			report_tab_cellf(t, "%d", r->exit_status);
		else
			report_tab_cell(t, "-");
		report_tab_cellf(t, "%lu", r->counts.phones);
		report_tab_cellf(t, "%lu", r->counts.queued);
		report_tab_cellf(t, "%lu", r->counts.renewed);
		report_tab_cellf(t, "%lu", r->counts.newly_left_behind);
		report_tab_cellf(t, "%lu", r->counts.errors);
		report_tab_cell(t, !done ? "not finished" : r->error != NULL ?
		    r->error : "");
		report_tab_cell(t, r->calls);
	}
	buf_puts(ctx->out, "\n");
	rc = report_tab_render(ctx, t, 0, NULL);
	report_tab_free(t);
	return rc;
}

/* CSV: "state_queued" are the phones queued after the run, apart from
 * "queued", the operations the run sent. */
static int
csv_json(struct report_ctx *ctx, const struct report_runs *rs)
{
	struct report_field f[REPORT_RUN_FIELDS];
	struct store_run none;
	struct report_csv c;
	struct json j;

	memset(&none, 0, sizeof(none));
	report_csv_init(&c, ctx->out);
	json_init(&j, ctx->out, 0);
	if (ctx->o->format == REPORT_FORMAT_CSV) {
		report_run_fields(&none, "state_", f);
		report_csv_fields(&c, f, REPORT_RUN_FIELDS, 1);
		report_csv_end(&c);
	} else {
		report_json_envelope(ctx, &j);
		json_arr(&j, "runs");
	}
	for (size_t i = 0; i < rs->n; i++) {
		report_run_fields(&rs->v[i], "state_", f);
		if (ctx->o->format == REPORT_FORMAT_CSV) {
			report_csv_fields(&c, f, REPORT_RUN_FIELDS, 0);
			report_csv_end(&c);
		} else {
			json_obj(&j, NULL);
			report_json_fields(&j, f, REPORT_RUN_FIELDS);
			json_end(&j);
		}
	}
	if (ctx->o->format == REPORT_FORMAT_JSON) {
		json_end(&j);
		json_finish(&j);
	}
	return 0;
}

int
report_history(struct report_ctx *ctx)
{
	struct report_runs rs;
	int64_t since = ctx->o->since == REPORT_SINCE_TIME ?
	    ctx->o->since_time : 0;
	int rc = -1;

	if (report_runs_load(ctx, ctx->o->limit, since, &rs) == -1)
		goto out;
	/* report.c let only text, csv and json through */
	if (ctx->o->format == REPORT_FORMAT_TEXT)
		rc = text(ctx, &rs);
	else
		rc = csv_json(ctx, &rs);
	ctx->res.rows = rs.n;
out:
	report_runs_free(&rs);
	return rc;
}
