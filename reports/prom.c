/*
 * prom.c — metrics in the Prometheus text exposition format, for
 * node_exporter's textfile collector (write it with report_write_file():
 * the collector must never read half a file).
 *
 *   lscrenew_phones{cluster,campaign,pool,state}     every state, zeros too,
 *                                                    so series never vanish
 *   lscrenew_lsc_expiring{cluster,pool,within="30d"|"60d"|"90d"}
 *                                                    cumulative, like the
 *                                                    summary
 *   lscrenew_lsc_expired{cluster,pool}
 *   lscrenew_phones_probed{cluster,pool,result="agrees"|"differs"|
 *                    "no_certificate"}   the phone side: each phone's
 *                                        newest probe
 *   lscrenew_trust_phones{cluster,pool,model,kind,root}, lscrenew_trust_chains
 *                                        (report trust, prom format)
 *   lscrenew_last_run_timestamp_seconds              end of the newest
 *   lscrenew_last_run_exit_status                    finished run (absent
 *   lscrenew_last_run_duration_seconds               before the first)
 *
 * All gauges, no sample timestamps (the collector refuses them).  Label
 * values escape backslash, double quote and newline; bytes that are not
 * UTF-8 become U+FFFD.  Phones gone from CUCM count in lscrenew_phones
 * only.
 */
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

void
report_prom_label(struct buf *b, const char *name, const char *v,
    int first)
{
	const char *p, *run;
	uint32_t cp;
	size_t n;

	buf_printf(b, "%s%s=\"", first ? "" : ",", name);
	if (v == NULL)
		v = "";
	for (run = p = v; *p != '\0'; p += n) {
		n = utf8_next(p, &cp);
		if (*p != '\\' && *p != '"' && *p != '\n' && !(cp == 0xfffd &&
		    !(n == 3 && memcmp(p, "\xef\xbf\xbd", 3) == 0)))
			continue;
		buf_append(b, run, (size_t)(p - run));
		run = p + n;
		if (*p == '\\')
			buf_puts(b, "\\\\");
		else if (*p == '"')
			buf_puts(b, "\\\"");
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else
			buf_puts(b, "\xef\xbf\xbd");
	}
	buf_append(b, run, (size_t)(p - run));
	buf_append(b, "\"", 1);
}

void
report_prom_family(struct buf *b, const char *name, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

int
report_metrics(struct report_ctx *ctx)
{
	static const char *const within[3] = { "30d", "60d", "90d" };
	struct report_summary s;
	struct report_group *pools = NULL;
	struct buf *b = ctx->out;
	size_t np = 0, i;
	int rc = -1;

	if (report_summary_collect(ctx, &s) == -1)
		goto out;

	report_prom_family(b, "lscrenew_phones", "Phones in the state store "
	    "by cluster, campaign, device pool and state.");
	for (i = 0; i < s.n; i++)
		for (int k = 0; k < PS__MAX; k++) {
			buf_puts(b, "lscrenew_phones{");
			report_prom_label(b, "cluster", s.g[i].key.cluster,
			    1);
			report_prom_label(b, "campaign", s.g[i].key.campaign,
			    0);
			report_prom_label(b, "pool", s.g[i].key.pool, 0);
			report_prom_label(b, "state", phone_state_name(
			    (enum phone_state)k), 0);
			buf_printf(b, "} %lu\n", s.g[i].state[k]);
		}

	/* the same counts per (cluster, pool), whatever the campaign */
	if (report_summary_by_pool(&s, &pools, &np, ctx->e) == -1)
		goto out;

	report_prom_family(b, "lscrenew_lsc_expiring", "Phones whose LSC "
	    "expires within 30, 60 or 90 days (cumulative), by cluster and "
	    "device pool.");
	for (i = 0; i < np; i++)
		for (int w = 0; w < 3; w++) {
			buf_puts(b, "lscrenew_lsc_expiring{");
			report_prom_label(b, "cluster", pools[i].key.cluster,
			    1);
			report_prom_label(b, "pool", pools[i].key.pool, 0);
			report_prom_label(b, "within", within[w], 0);
			buf_printf(b, "} %lu\n", w == 0 ? pools[i].exp30 :
			    w == 1 ? pools[i].exp60 : pools[i].exp90);
		}
	report_prom_family(b, "lscrenew_lsc_expired", "Phones whose LSC has "
	    "expired, by cluster and device pool.");
	for (i = 0; i < np; i++) {
		buf_puts(b, "lscrenew_lsc_expired{");
		report_prom_label(b, "cluster", pools[i].key.cluster, 1);
		report_prom_label(b, "pool", pools[i].key.pool, 0);
		buf_printf(b, "} %lu\n", pools[i].expired);
	}

	report_prom_family(b, "lscrenew_phones_probed", "Phones by what their "
	    "newest probe found compared with CUCM, by cluster and device "
	    "pool.");
	for (i = 0; i < np; i++)
		for (int w = 0; w < 3; w++) {
			buf_puts(b, "lscrenew_phones_probed{");
			report_prom_label(b, "cluster", pools[i].key.cluster,
			    1);
			report_prom_label(b, "pool", pools[i].key.pool, 0);
			report_prom_label(b, "result", w == 0 ? "agrees" : w ==
			    1 ? "differs" : "no_certificate", 0);
			buf_printf(b, "} %lu\n", w == 0 ? pools[i].agrees :
			    w == 1 ? pools[i].differs : pools[i].silent);
		}

	if (s.have_run) {
		report_prom_family(b, "lscrenew_last_run_timestamp_seconds",
		    "When the last finished run ended, in seconds since the "
		    "epoch.");
		buf_printf(b, "lscrenew_last_run_timestamp_seconds %lld\n",
		    (long long)s.last.finished);
		report_prom_family(b, "lscrenew_last_run_exit_status", "Exit "
		    "status of the last finished run (see lscrenew(1) EXIT "
		    "STATUS).");
		buf_printf(b, "lscrenew_last_run_exit_status %d\n",
		    s.last.exit_status);
		report_prom_family(b, "lscrenew_last_run_duration_seconds",
		    "How long the last finished run took.");
		buf_printf(b, "lscrenew_last_run_duration_seconds %lld\n",
		    (long long)(s.last.finished - s.last.started));
	}
	ctx->res.rows = s.n;
	rc = 0;
out:
	free(pools);
	report_summary_free(&s);
	return rc;
}
