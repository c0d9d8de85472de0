/*
 * html.c — the report as one self-contained HTML page.
 *
 * One file, no external asset and no script: inline CSS (with a print
 * stylesheet) and inline SVG charts, so it can be mailed, archived or
 * opened from a file share and looks the same everywhere.  It holds:
 *
 *   header         title, the report's time, the last run
 *   tiles          phones, renewed in 30 days, in flight, left behind,
 *                  needing attention, LSCs expired
 *   charts         svg#chart-forecast, svg#chart-states (see svg.c)
 *   left behind    table#left-behind, one tbody row (tr.lb-row) per phone
 *                  of the left-behind set, most urgent first
 *   summary        table#summary, phones by state per cluster/campaign/
 *                  pool; table#expiries, renewals and expiries per pool
 *   trust          section#trust-section, table#trust: the chains the
 *                  phones present (newest probe) and the root each needs,
 *                  and per pool the answer in words (p.trust-answer); see
 *                  trust_out.c
 *   runs           table#runs, the ten newest runs
 *
 * Everything from the store is escaped (report_html_esc()); the page
 * declares UTF-8 and carries nothing the store did not give it except the
 * report's own words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

#define RECENT_RUNS	10

/* Column titles for the states in the summary table (full names in the
 * title attribute). */
static const char *const state_short[PS__MAX] = {
	"OK", "Due", "Queued", "Pending", "Renewed", "Left behind", "Failed",
	"Attention", "Abandoned", "Gone"
};

/* The stylesheet, in pieces under C's 4095-byte string limit. */
static const char *const css[] = {
"*{box-sizing:border-box}"
"body{margin:0;background:#f4f6f8;color:#1f2933;font:14px/1.45 "
"system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
"sans-serif}"
"main{max-width:1280px;margin:0 auto;padding:24px 24px 40px}"
"header{background:#1e3a5f;color:#fff;padding:22px 24px}"
"header .in{max-width:1232px;margin:0 auto}"
"h1{margin:0;font-size:24px;font-weight:600;letter-spacing:.2px}"
"header p{margin:6px 0 0;color:#c9d6e3}"
"h2{font-size:17px;font-weight:600;margin:0 0 12px}"
"section{background:#fff;border:1px solid #dde3ea;border-radius:8px;"
"padding:18px 20px;margin:0 0 20px}"
".tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:14px;"
"background:none;border:0;padding:0}"
".tile{background:#fff;border:1px solid #dde3ea;border-radius:8px;"
"padding:14px 16px;border-top:4px solid #8fa3b8}"
".tile .n{font-size:30px;font-weight:650;line-height:1.1}"
".tile .l{font-weight:600;margin-top:2px}"
".tile .s{color:#617286;font-size:12px;margin-top:2px}"
".tile.good{border-top-color:#2f9e44}.tile.info{border-top-color:#3b7dd8}"
".tile.warn{border-top-color:#f08c00}.tile.bad{border-top-color:#e03131}"
".tile.bad .n{color:#c92a2a}.tile.warn .n{color:#d9480f}"
".note{color:#617286;margin:8px 0 0;font-size:13px}"
"svg.chart{width:100%;height:auto;display:block}"
"svg text{font-family:inherit;fill:#3e4c59}"
,
".grid{stroke:#e4e9ee}.axis{stroke:#9aa5b1}"
".tick,.xlab{font-size:11px}.xyear{font-size:11px;font-weight:600}"
".val{font-size:11px;font-weight:600}"
".bar{fill:#3b7dd8}.bar-expired{fill:#e03131}"
".plab{font-size:12px}.tot{font-size:12px;font-weight:600}"
".lg{font-size:12px}"
".s-ok{fill:#9bd0a7}.dot.s-ok{background:#9bd0a7}.badge.s-ok{background:#d3f0da}"
".s-due{fill:#f2c94c}.dot.s-due{background:#f2c94c}.badge.s-due{background:#fdf1c7}"
".s-queued{fill:#8fbcee}.dot.s-queued{background:#8fbcee}.badge.s-queued{background:#dceafb}"
".s-pending{fill:#3b7dd8}.dot.s-pending{background:#3b7dd8}.badge.s-pending{background:#cfe0f7}"
".s-renewed{fill:#2f9e44}.dot.s-renewed{background:#2f9e44}.badge.s-renewed{background:#cdeed4}"
".s-left_behind{fill:#f08c00}.dot.s-left_behind{background:#f08c00}.badge.s-left_behind{background:#ffe3bf}"
".s-failed_retryable{fill:#e03131}.dot.s-failed_retryable{background:#e03131}.badge.s-failed_retryable{background:#ffd6d6}"
".s-needs_attention{fill:#a61e4d}.dot.s-needs_attention{background:#a61e4d}.badge.s-needs_attention{background:#f7d0de}"
".s-abandoned{fill:#495057}.dot.s-abandoned{background:#495057}.badge.s-abandoned{background:#dfe2e5}"
".s-gone{fill:#ced4da}.dot.s-gone{background:#ced4da}.badge.s-gone{background:#eceef0}"
,
"table{border-collapse:collapse;width:100%;font-size:13px}"
"th{text-align:left;font-weight:600;color:#52606d;background:#f0f3f6;"
"border-bottom:1px solid #cbd2d9;padding:7px 7px;white-space:nowrap;"
"vertical-align:bottom}"
"td{padding:6px 7px;border-bottom:1px solid #e9edf1;vertical-align:top}"
"tfoot th,tfoot td{background:#f0f3f6;color:#1f2933;font-weight:600;"
"border-top:1px solid #cbd2d9}"
"tbody tr:nth-child(even) td{background:#fafbfc}"
"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
"td.neg{color:#c92a2a;font-weight:600}td.soon{color:#d9480f}"
".scroll{overflow-x:auto}"
"td.reason{min-width:260px;overflow-wrap:anywhere}"
"td.phone{min-width:190px;max-width:260px;overflow-wrap:anywhere}"
".sub{color:#7b8794;font-size:12px;font-weight:400}"
".muted{color:#7b8794}"
"td.ip{white-space:nowrap}"
".dot{display:inline-block;width:9px;height:9px;border-radius:50%;"
"margin-right:4px;vertical-align:0}"
".name{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,"
"monospace;white-space:nowrap;font-size:12.5px}"
"td.when{white-space:nowrap}"
".badge{display:inline-block;padding:1px 7px;border-radius:10px;"
"font-size:12px;white-space:nowrap;color:#1f2933}"
".empty{color:#2f9e44;font-weight:600}"
"footer{color:#7b8794;font-size:12px;text-align:center;margin-top:8px}"
,
"@media (max-width:900px){.tiles{grid-template-columns:repeat(3,1fr)}}"
"@media print{"
"@page{size:A4 landscape;margin:12mm}"
"body{background:#fff;font-size:10pt}"
"header{background:none;color:#000;padding:0 0 8px;"
"border-bottom:2px solid #000}"
"header p{color:#333}main{max-width:none;padding:10px 0 0}"
"section,.tile{border-color:#999;break-inside:avoid}"
"section.table{break-inside:auto}.scroll{overflow:visible}"
"td.reason{min-width:0}"
"thead{display:table-header-group}tr{break-inside:avoid}"
".tiles{grid-template-columns:repeat(6,1fr)}"
"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
"}"
};

/* ---- pieces ---------------------------------------------------------------- */

struct page {
	struct report_ctx	*ctx;
	struct buf		*b;
	struct report_summary	 sum;
	struct report_group	*pools;
	size_t			 npools;
	struct report_forecast	 fc;
	struct report_phones	 lb;
	struct report_runs	 runs;
};

static void
td(struct buf *b, const char *cls, const char *text)
{
	if (cls != NULL)
		buf_printf(b, "<td class=\"%s\">", cls);
	else
		buf_puts(b, "<td>");
	report_html_esc(b, text != NULL ? text : "");
	buf_puts(b, "</td>");
}

static void
td_num(struct buf *b, unsigned long v)
{
	buf_printf(b, "<td class=\"num\">%lu</td>", v);
}

static void
td_time(struct buf *b, int64_t t)
{
	char when[32];

	clock_fmt(CLOCK_MINUTE, "", t, when, sizeof(when));
	td(b, "when", when);
}

static void
badge(struct buf *b, enum phone_state s)
{
	buf_printf(b, "<td><span class=\"badge s-%s\">%s</span></td>",
	    phone_state_name(s), phone_state_name(s));
}

static void
tile(struct buf *b, const char *cls, unsigned long n, const char *label,
    const char *sub)
{
	buf_printf(b, "<div class=\"tile %s\"><div class=\"n\">%lu</div>"
	    "<div class=\"l\">%s</div><div class=\"s\">", cls, n, label);
	report_html_esc(b, sub);
	buf_puts(b, "</div></div>\n");
}

static void
head(struct page *pg)
{
	const struct report_opts *o = pg->ctx->o;
	const struct store_run *r = &pg->sum.last;
	struct buf *b = pg->b;
	char now[32], when[32], took[32], filt[600];

	clock_fmt(CLOCK_MINUTE, "", o->now, now, sizeof(now));
	report_filter_text(o, filt, sizeof(filt));
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"lscrenew\">\n<title>LSC "
	    "renewal report");
	report_html_esc(b, filt);
	buf_printf(b, " \xe2\x80\x94 %s UTC</title>\n<style>", now);
	for (size_t i = 0; i < sizeof(css) / sizeof(css[0]); i++)
		buf_puts(b, css[i]);
	buf_puts(b, "</style>\n</head>\n<body>\n<header><div class=\"in\">\n"
	    "<h1>LSC renewal report");
	report_html_esc(b, filt);
	buf_printf(b, "</h1>\n<p id=\"generated\">Generated %s UTC", now);
	if (pg->sum.have_run) {
		clock_fmt(CLOCK_MINUTE, "", r->started, when, sizeof(when));
		report_fmt_duration(r->finished - r->started, took,
		    sizeof(took));
		buf_printf(b, " \xc2\xb7 last run #%lld on %s UTC, took %s, "
		    "exit status %d", (long long)r->id, when, took,
		    r->exit_status);
		if (r->error != NULL) {
			buf_puts(b, ": ");
			report_html_esc(b, r->error);
		}
	} else
		buf_puts(b, " \xc2\xb7 no run has finished yet");
	buf_puts(b, "</p>\n</div></header>\n<main>\n");
}

static void
tiles(struct page *pg)
{
	const struct report_group *t = &pg->sum.total;
	struct buf *b = pg->b;
	unsigned long phones = t->phones - t->state[PS_GONE];
	unsigned long flight = t->state[PS_QUEUED] + t->state[PS_PENDING];
	unsigned long attn = t->state[PS_NEEDS_ATTENTION] +
	    t->state[PS_ABANDONED];
	char sub[160];

	/* an operation past its deadline is left behind, not in flight:
	 * each phone is counted in one tile */
	for (size_t i = 0; i < pg->lb.n && flight > 0; i++)
		if (pg->lb.v[i].mem.state == PS_QUEUED ||
		    pg->lb.v[i].mem.state == PS_PENDING)
			flight--;

	buf_puts(b, "<section class=\"tiles\" id=\"tiles\">\n");
	snprintf(sub, sizeof(sub), "in %zu device pool%s", pg->npools,
	    pg->npools == 1 ? "" : "s");
	tile(b, "info", phones, "Phones", sub);
	snprintf(sub, sizeof(sub), "%lu in the last run", t->renewed_run);
	tile(b, "good", t->renewed_30d, "Renewed, 30 days", sub);
	tile(b, "info", flight, "In flight", "queued or pending in CUCM");
	tile(b, pg->lb.n > 0 ? "warn" : "good", pg->lb.n, "Left behind",
	    "due and not renewed");
	tile(b, attn > 0 ? "bad" : "good", attn, "Need attention",
	    "CAPF refused, or given up");
	snprintf(sub, sizeof(sub), "%lu more within 30 days", t->exp30);
	tile(b, t->expired > 0 ? "bad" : "good", t->expired, "LSCs expired",
	    sub);
	buf_puts(b, "</section>\n");
}

static void
charts(struct page *pg)
{
	const struct report_fc_pool *t = &pg->fc.total;
	struct buf *b = pg->b;

	buf_printf(b, "<section id=\"forecast\">\n<h2>LSC expiries, next %d "
	    "months</h2>\n", FORECAST_MONTHS);
	report_svg_forecast(b, &pg->fc);
	buf_printf(b, "<p class=\"note\">%lu expired \xc2\xb7 %lu expiring "
	    "later than %d months \xc2\xb7 %lu without an LSC (MIC only). "
	    "Phones gone from CUCM are not counted.</p>\n</section>\n",
	    t->expired, t->later, FORECAST_MONTHS, t->no_lsc);
	buf_puts(b, "<section id=\"states\">\n<h2>Phones by state per device "
	    "pool</h2>\n");
	if (pg->npools == 0)
		buf_puts(b, "<p class=\"note\">No phone in the state store "
		    "yet.</p>\n");
	report_svg_states(b, pg->pools, pg->npools, pg->fc.clusters);
	buf_puts(b, "</section>\n");
}

static void
left_behind(struct page *pg)
{
	int64_t now = pg->ctx->o->now;
	struct buf *b = pg->b;
	char date[32], reason[300];
	long long days;

	buf_printf(b, "<section class=\"table\" id=\"left-behind-section\">\n"
	    "<h2>Left behind (%zu)</h2>\n", pg->lb.n);
	if (pg->lb.n == 0)
		buf_puts(b, "<p class=\"empty\">Every due phone is renewed or "
		    "in flight.</p>\n");
	else
		buf_puts(b, "<p class=\"note\">Due and not renewed, most "
		    "urgent first: expired LSCs, then the soonest expiry, "
		    "then phones without an LSC. Days: whole days until the "
		    "LSC expires, negative once expired.</p>\n");
	buf_puts(b, "<div class=\"scroll\"><table id=\"left-behind\">\n"
	    "<thead><tr><th>Name</th><th>Device pool</th><th>LSC expires</th>"
	    "<th class=\"num\">Days</th><th>State</th><th>Reason</th>"
	    "<th>Offline since</th><th>Last IP</th><th class=\"num\">Tries"
	    "</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < pg->lb.n; i++) {
		const struct store_phone *p = &pg->lb.v[i];

		buf_puts(b, "<tr class=\"lb-row\"><td class=\"phone\">"
		    "<span class=\"name\">");
		report_html_esc(b, p->name);
		buf_puts(b, "</span>");
		if (p->model != NULL || p->description != NULL) {
			buf_puts(b, "<div class=\"sub\">");
			report_html_esc(b, p->model);
			if (p->model != NULL && p->description != NULL)
				buf_puts(b, " \xc2\xb7 ");
			report_html_esc(b, p->description);
			buf_puts(b, "</div>");
		}
		buf_puts(b, "</td>");
		td(b, NULL, p->pool);
		if (p->lsc_valid_until > 0) {
			clock_fmt(CLOCK_DATE, "", p->lsc_valid_until, date,
			    sizeof(date));
			days = clock_days(p->lsc_valid_until, now);
			td(b, "when", date);
			buf_printf(b, "<td class=\"num%s\">%lld</td>",
			    days < 0 ? " neg" : days <= 30 ? " soon" : "", days);
		} else {
			td(b, "when muted", "no LSC");
			td(b, "num", "");
		}
		badge(b, p->mem.state);
		td(b, "reason", report_reason(p, now, reason, sizeof(reason)));
		clock_fmt(CLOCK_DATE, "", p->mem.first_offline, date,
		    sizeof(date));
		td(b, "when", date);
		buf_puts(b, "<td class=\"ip\">");
		report_html_esc(b, p->last_ip);
		if (p->last_node != NULL) {
			buf_puts(b, "<div class=\"sub\">");
			report_html_esc(b, p->last_node);
			buf_puts(b, "</div>");
		}
		buf_puts(b, "</td>");
		td_num(b, p->mem.attempts);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody>\n</table></div>\n</section>\n");
}

static void
summary(struct page *pg)
{
	struct buf *b = pg->b;
	int probed = pg->sum.total.probed > 0;

	buf_puts(b, "<section class=\"table\" id=\"summary-section\">\n"
	    "<h2>Phones by state</h2>\n<div class=\"scroll\">"
	    "<table id=\"summary\">\n<thead><tr><th>Cluster</th>"
	    "<th>Campaign</th><th>Device pool</th><th class=\"num\">Phones"
	    "</th>");
	for (int k = 0; k < PS__MAX; k++)
		buf_printf(b, "<th class=\"num st\" title=\"%s\"><i class=\""
		    "dot s-%s\"></i>%s</th>", phone_state_name(
		    (enum phone_state)k), phone_state_name((enum phone_state)k),
		    state_short[k]);
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i <= pg->sum.n; i++) {
		const struct report_group *g = i < pg->sum.n ? &pg->sum.g[i] :
		    &pg->sum.total;

		if (i < pg->sum.n) {
			buf_puts(b, "<tr>");
			td(b, NULL, g->key.cluster);
			td(b, NULL, g->key.campaign);
			td(b, NULL, g->key.pool);
		} else
			buf_puts(b, "</tbody>\n<tfoot><tr><th colspan=\"3\">"
			    "Total</th>");
		td_num(b, g->phones);
		for (int k = 0; k < PS__MAX; k++)
			td_num(b, g->state[k]);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tfoot>\n</table></div>\n</section>\n");

	buf_puts(b, "<section class=\"table\" id=\"expiries-section\">\n"
	    "<h2>Renewals and LSC expiries per device pool</h2>\n"
	    "<div class=\"scroll\"><table id=\"expiries\">\n<thead><tr>"
	    "<th>Cluster</th><th>Device pool</th>"
	    "<th class=\"num\">Renewed, last run</th>"
	    "<th class=\"num\">Renewed, 30 days</th>"
	    "<th class=\"num\">LSC expired</th>"
	    "<th class=\"num\">Expiring within 30 days</th>"
	    "<th class=\"num\">60 days</th><th class=\"num\">90 days</th>"
	    "<th class=\"num\">No LSC</th>");
	if (probed)
		buf_puts(b, "<th class=\"num\">Probed</th><th class=\"num\">"
		    "Phone agrees with CUCM</th><th class=\"num\">Differs"
		    "</th><th class=\"num\">No certificate</th>");
	buf_puts(b, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i <= pg->npools; i++) {
		const struct report_group *g = i < pg->npools ? &pg->pools[i] :
		    &pg->sum.total;

		if (i < pg->npools) {
			buf_puts(b, "<tr>");
			td(b, NULL, g->key.cluster);
			td(b, NULL, g->key.pool);
		} else
			buf_puts(b, "</tbody>\n<tfoot><tr><th colspan=\"2\">"
			    "Total</th>");
		td_num(b, g->renewed_run);
		td_num(b, g->renewed_30d);
		td_num(b, g->expired);
		td_num(b, g->exp30);
		td_num(b, g->exp60);
		td_num(b, g->exp90);
		td_num(b, g->no_lsc);
		if (probed) {
			td_num(b, g->probed);
			td_num(b, g->agrees);
			td_num(b, g->differs);
			td_num(b, g->silent);
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tfoot>\n</table></div>\n<p class=\"note\">Expiry columns "
	    "leave out phones gone from CUCM; 60 and 90 days include the "
	    "shorter windows.</p>\n</section>\n");
}

static void
runs(struct page *pg)
{
	struct buf *b = pg->b;
	char took[32];

	buf_puts(b, "<section class=\"table\" id=\"runs-section\">\n"
	    "<h2>Recent runs</h2>\n<div class=\"scroll\"><table id=\"runs\">"
	    "\n<thead><tr>"
	    "<th class=\"num\">Run</th><th>Started</th><th class=\"num\">Took"
	    "</th><th>Campaigns</th><th class=\"num\">Exit</th>"
	    "<th class=\"num\">Phones</th><th class=\"num\">Queued</th>"
	    "<th class=\"num\">Renewed</th><th class=\"num\">Newly left behind"
	    "</th><th class=\"num\">Errors</th><th>Error</th></tr></thead>\n"
	    "<tbody>\n");
	for (size_t i = 0; i < pg->runs.n; i++) {
		const struct store_run *r = &pg->runs.v[i];
		int done = r->finished > 0;

		buf_printf(b, "<tr><td class=\"num\">%lld</td>",
		    (long long)r->id);
		td_time(b, r->started);
		if (done) {
			report_fmt_duration(r->finished - r->started, took,
			    sizeof(took));
			td(b, "num", took);
		} else
			td(b, "num", "-");
		td(b, NULL, r->campaigns);
		if (done && r->exit_status >= 0)
			buf_printf(b, "<td class=\"num\">%d</td>",
			    r->exit_status);
		else
			td(b, "num", "-");
		td_num(b, r->counts.phones);
		td_num(b, r->counts.queued);
		td_num(b, r->counts.renewed);
		td_num(b, r->counts.newly_left_behind);
		td_num(b, r->counts.errors);
		td(b, NULL, !done ? "not finished (running, or killed)" :
		    r->error);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</tbody>\n</table></div>\n</section>\n");
}

int
report_html(struct report_ctx *ctx)
{
	struct page pg;
	int rc = -1;

	memset(&pg, 0, sizeof(pg));
	pg.ctx = ctx;
	pg.b = ctx->out;
	if (report_summary_collect(ctx, &pg.sum) == -1 ||
	    report_summary_by_pool(&pg.sum, &pg.pools, &pg.npools,
	    ctx->e) == -1 ||
	    report_forecast_collect(ctx, &pg.fc) == -1 ||
	    report_left_behind_load(ctx, &pg.lb) == -1 ||
	    report_runs_load(ctx, RECENT_RUNS, 0, &pg.runs) == -1)
		goto out;
	head(&pg);
	tiles(&pg);
	charts(&pg);
	left_behind(&pg);
	summary(&pg);
	if (report_trust_html(ctx, ctx->probes, pg.b) == -1)
		goto out;
	runs(&pg);
	buf_puts(pg.b, "<footer>Made by lscrenew from its state store; "
	    "times are UTC.</footer>\n</main>\n</body>\n</html>\n");
	ctx->res.rows = pg.lb.n;
	rc = 0;
out:
	report_summary_free(&pg.sum);
	free(pg.pools);
	report_forecast_free(&pg.fc);
	report_phones_free(&pg.lb);
	report_runs_free(&pg.runs);
	return rc;
}
