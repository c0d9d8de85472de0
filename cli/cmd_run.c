/*
 * cmd_run.c — "lscrenew run" and "lscrenew plan".
 *
 * run: verify every operation in flight, queue renewals for due registered
 * phones, record the offline ones, and tell cron what happened through the
 * exit status.  plan: the same decisions, written nowhere.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "axl/base/buf.h"
#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/engine.h"
#include "jobs/lock.h"
#include "jobs/store.h"

struct run_opts {
	int	 no_delay;
	int	 all;
};

/* Whether a campaign takes part, and with which pools (--pool). */
static int
select_campaign(const struct cli *cli, const struct policy *src,
    struct policy *dst, char **one)
{
	/* section names are case-insensitive, as the file's reader has them */
	if (cli->campaign != NULL && strcasecmp(cli->campaign, src->name) != 0)
		return 0;
	*dst = *src;
	if (cli->pool == NULL)
		return 1;
	for (size_t i = 0; i < src->npools; i++)
		if (strcmp(src->pools[i], cli->pool) == 0) {
			*one = src->pools[i];
			dst->pools = one;
			dst->npools = 1;
			return 1;
		}
	return 0;
}

/* A real sleep before a cron run, so a fleet does not hit CUCM at once. */
static void
random_delay(const struct config *cf, const struct run_opts *o)
{
	struct lsc_clock *clk = clock_real();
	int64_t ms;

	if (o->no_delay || cf->global.random_delay <= 0 ||
	    isatty(STDIN_FILENO))
		return;
	ms = (int64_t)(clk->random(clk) * (double)cf->global.random_delay *
	    1000.0);
	log_info("waiting %lld s (random_delay) before starting",
	    (long long)(ms / 1000));
	clock_sleep(clk, ms);
}

/*
 * Runs the selected campaigns of each cluster, the cluster's inventory
 * read once for all of them.  Returns 1 when a failure was logged (the
 * first one in *first), 0 otherwise.
 */
static int
run_clusters(struct cli *cli, const struct config *cf, struct engine *eng,
    struct run_out *out, struct axl_stats *stats, struct lsc_err *first)
{
	struct policy *sel = NULL;
	const struct policy **pick = NULL;
	char	**one = NULL;
	struct conn c;
	struct engine_cluster ec;
	struct lsc_err e;
	size_t	 n, k;
	int	 failed = 0;

	/* the selected campaigns, at least one: ncampaigns > 0 */
	sel = calloc(cf->ncampaigns, sizeof(*sel));
	pick = calloc(cf->ncampaigns, sizeof(*pick));
	one = calloc(cf->ncampaigns, sizeof(*one));
	if (sel == NULL || pick == NULL || one == NULL) {
		err_set(first, ERR_SYSTEM, "%s", strerror(errno));
		log_error("%s", first->msg);
		failed = 1;
		goto out;
	}
	for (size_t ci = 0; ci < cf->nclusters; ci++) {
		const struct cluster_conf *cc = &cf->clusters[ci];

		for (n = 0, k = 0; k < cf->ncampaigns; k++)
			if (select_campaign(cli, &cf->campaigns[k], &sel[k],
			    &one[k]) && strcmp(sel[k].cluster, cc->name) == 0)
				pick[n++] = &sel[k];
		if (n == 0)
			continue;
		err_clear(&e);
		if (conn_open(&c, cc, stats, eng->clock, eng->deadline_ms,
		    &e) == -1) {
			log_error("%s", e.msg);
			if (first->kind == ERR_NONE)
				*first = e;
			failed = 1;
			if (e.kind == ERR_TIMEOUT)
				break;
			continue;
		}
		log_info("cluster %s: CUCM %s, AXL schema %s", cc->name,
		    c.release, axl_version(c.axl));
		ec.name = cc->name;
		ec.axl = c.axl;
		ec.ris = c.ris;
		if (engine_cluster(eng, pick, n, &ec, &e) == -1) {
			run_out_progress_end(out);
			log_error("cluster %s: %s", cc->name, e.msg);
			if (first->kind == ERR_NONE)
				*first = e;
			failed = 1;
		}
		/* no connection outlives its cluster: none reaches the hook */
		conn_close(&c);
		if (e.kind == ERR_STORE || e.kind == ERR_TIMEOUT)
			break;
	}
out:
	free(sel);
	free(pick);
	free(one);
	return failed;
}

/* The campaigns that take part, comma-separated, into names; returns
 * how many. */
static size_t
campaign_names(const struct cli *cli, const struct config *cf, char *names,
    size_t len)
{
	struct policy sel;
	char	*one = NULL;
	size_t	 nsel = 0, off = 0;
	int	 rc;

	names[0] = '\0';
	for (size_t k = 0; k < cf->ncampaigns; k++)
		if (select_campaign(cli, &cf->campaigns[k], &sel, &one)) {
			nsel++;
			rc = snprintf(names + off, len - off, "%s%s",
			    off ? "," : "", sel.name);
			if (rc > 0 && (size_t)rc < len - off)
				off += (size_t)rc;
		}
	return nsel;
}

/*
 * The store a run or a plan works on: for a run, after the random delay
 * and under the lock (*lock), read-write; for a plan, read-only, or in
 * memory when there is none yet.  NULL with *ret set on failure.
 */
static struct store *
open_store(struct cli *cli, const struct config *cf, const struct run_opts *ro,
    enum engine_mode mode, const char *path, struct lsc_lock **lock,
    int *ret)
{
	struct store *store;
	struct lsc_err e;

	err_clear(&e);
	if (mode == ENGINE_RUN) {
		random_delay(cf, ro);
		/* the run starts now, after the delay (unless LSCRENEW_NOW) */
		if (cli_now(&cli->now) == -1) {
			*ret = EXIT_USAGE;
			return NULL;
		}
		if ((*lock = lock_acquire(cf->global.state_dir,
		    (int64_t)time(NULL), &e)) == NULL) {
			fprintf(stderr, "lscrenew: %s\n", e.msg);
			*ret = exit_for_error(&e);
			return NULL;
		}
		store = store_open(path, STORE_RW, &e);
	} else if (access(path, F_OK) == 0)
		store = store_open(path, STORE_RO, &e);
	else
		store = store_open_memory(&e);
	if (store == NULL)
		fprintf(stderr, "lscrenew: %s\n", e.msg);
	return store;
}

/* Drops the history older than the retention, after a good run. */
static void
prune(struct store *store, int64_t before)
{
	unsigned long pruned = 0;
	struct lsc_err e;

	err_clear(&e);
	if (store_prune(store, before, &pruned, &e) == -1)
		log_warn("pruning history: %s", e.msg);
	else if (pruned > 0)
		log_info("pruned %lu history rows older than the retention",
		    pruned);
}

static int
run_or_plan(struct cli *cli, int argc, char **argv, enum engine_mode mode)
{
	struct run_opts ro = { 0, 0 };
	const struct option extra[] = {
		{ "no-delay", no_argument, &ro.no_delay, 1 },
		{ "all", no_argument, &ro.all, 1 },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd *cmd = cli->cmd;
	struct config cf;
	struct engine eng;
	struct engine_observer ob;
	struct run_out out;
	struct lsc_lock *lock = NULL;
	struct store *store = NULL;
	struct axl_stats stats;
	struct lsc_err e, first;
	char path[4096], calls[512], names[1024];
	int64_t started_ms = 0, ended;
	int ret = EXIT_FAILED, i, rc, failed = 0;

	memset(&cf, 0, sizeof(cf));
	memset(&eng, 0, sizeof(eng));
	memset(&stats, 0, sizeof(stats));
	err_clear(&first);
	err_clear(&e);

	if ((i = cli_getopt(cli, cmd, argc, argv, extra, NULL, NULL,
	    NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (mode == ENGINE_RUN && ro.all) {
		fprintf(stderr, "lscrenew run: unknown option --all\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_load_config(cli, CONFIG_CLUSTER, &cf)) != 0)
		return rc;

	if (campaign_names(cli, &cf, names, sizeof(names)) == 0) {
		fprintf(stderr, "lscrenew %s: no campaign covers device pool "
		    "\"%s\"\n", cmd->name, cli->pool != NULL ? cli->pool : "");
		ret = EXIT_USAGE;
		goto out;
	}

	if ((rc = cli_check_state_dir(cf.global.state_dir,
	    mode == ENGINE_RUN)) != 0) {
		ret = rc;
		goto out;
	}
	if (cli_store_path(&cf, path, sizeof(path)) == -1) {
		fprintf(stderr, "lscrenew: state directory path too long\n");
		ret = EXIT_CONFIG;
		goto out;
	}
	if ((store = open_store(cli, &cf, &ro, mode, path, &lock,
	    &ret)) == NULL)
		goto out;

	eng.mode = mode;
	eng.store = store;
	eng.now = cli->now;
	eng.clock = clock_real();
	started_ms = eng.clock->mono_ms(eng.clock);
	if (cf.global.run_timeout > 0)
		eng.deadline_ms = started_ms + cf.global.run_timeout * 1000;
	eng.probe_port = (unsigned)cf.global.probe_port;
	eng.probe_concurrency = cf.global.probe_concurrency;
	eng.probe_rate = cf.global.probe_rate;
	run_out_init(&out, cli, mode, ro.all);
	run_out_observer(&out, &ob);
	eng.observer = &ob;
	if (mode == ENGINE_RUN && store_run_begin(store, cli->now, names,
	    (long)getpid(), &eng.run, &e) == -1) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		goto out;
	}

	failed = run_clusters(cli, &cf, &eng, &out, &stats, &first);
	run_out_progress_end(&out);
	err_clear(&e);
	if (first.kind != ERR_STORE && engine_finish(&eng, &e) == -1) {
		log_error("%s", e.msg);
		if (first.kind == ERR_NONE)
			first = e;
		failed = 1;
	}

	stats_format(&stats, calls, sizeof(calls));
	log_info("calls: %s", calls);
	if (failed)
		ret = exit_for_error(&first);
	else
		ret = run_out_status(&out, &eng.counts);
	if (ret == EXIT_NOTHING && failed)
		ret = EXIT_FAILED;
	if (mode == ENGINE_RUN) {
		err_clear(&e);
		/* the end: the run's now plus the time it took */
		ended = cli->now + (eng.clock->mono_ms(eng.clock) - started_ms +
		    500) / 1000;
		if (store_run_finish(store, eng.run, ended, ret, &eng.counts,
		    calls, failed ? first.msg : NULL, &e) == -1) {
			if (first.kind != ERR_STORE)	/* said once */
				log_error("%s", e.msg);
			ret = EXIT_FAILED;
		}
		if (!failed && cf.global.retention > 0)
			prune(store, cli->now - cf.global.retention);
		run_after(cli, &cf, store, eng.run, &eng.counts, ret);
	}
	run_out_summary(&out, &eng.counts, eng.run, ret, failed ? &first :
	    NULL, store);
out:
	store_close(store);
	lock_release(lock);
	config_free(&cf);
	return ret;
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
	return run_or_plan(cli, argc, argv, ENGINE_RUN);
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	return run_or_plan(cli, argc, argv, ENGINE_PLAN);
}
