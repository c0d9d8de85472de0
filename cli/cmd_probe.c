/*
 * cmd_probe.c — "lscrenew probe NAME|ADDRESS... | --campaign NAME |
 * --pool NAME... | --all": the certificate each phone's web server
 * presents, as a browser would see it, against what CUCM records of the
 * phone, recorded in the state store.
 *
 * An operand that is an IP literal or a host name with a dot is probed as
 * it is (and not recorded: no phone is known by its address); anything
 * else is a device name, probed at the last address the state store
 * knows.  A selection probes each registered phone it names at its
 * current address (probe_select.c).  Only names and selections need the
 * configuration and the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/probe_int.h"
#include "jobs/lock.h"
#include "jobs/store.h"
#include "jobs/store_probe.h"

enum {
	OPT_PORT = 700,
	OPT_CA_FILE,
	OPT_POOL,
	OPT_ALL
};

static int
probe_opt(struct cli *cli, int c, const char *arg, void *p)
{
	struct probe_args *a = p;
	const char **v;
	char *end;
	long n;

	(void)cli;
	switch (c) {
	case OPT_PORT:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || n < 1 ||
		    n > 65535) {
			fprintf(stderr, "lscrenew probe: --port \"%s\": "
			    "expected a port number from 1 to 65535\n", arg);
			return -1;
		}
		a->port = (unsigned)n;
		return 0;
	case OPT_CA_FILE:
		a->ca_file = arg;
		return 0;
	case OPT_POOL:
		if ((v = reallocarray(a->pools, a->npools + 1,
		    sizeof(*v))) == NULL) {
			fprintf(stderr, "lscrenew probe: out of memory\n");
			return -1;
		}
		a->pools = v;
		a->pools[a->npools++] = arg;
		return 0;
	case OPT_ALL:
		a->all = 1;
		return 0;
	default:
		return -1;
	}
}

struct probing {
	const struct cli	*cli;
	const struct probe_args	*a;
	struct store		*store;		/* NULL: nothing recorded */
	struct target		**idx;		/* probe -> target */
	size_t			 n;		/* probes */
	int			 brief;		/* a selection: one line each */
	int			 shown;
	unsigned long		 ended, failed, differ;
	struct lsc_err		 stop;		/* why the loop stopped */
};

static void
classify(const struct cli *cli, const struct target *t,
    enum probe_outcome o, const struct probe_cert *c, const char *why,
    struct audit_verdict *v)
{
	struct audit_cucm k;

	memset(&k, 0, sizeof(k));
	k.known = t->known;
	k.lsc_valid_until = t->lsc_valid_until;
	k.lsc_issuer = t->lsc_issuer;
	if (t->campaign != NULL) {
		k.renew_before = t->campaign->renew_before;
		k.expected_issuer = t->campaign->expected_issuer;
	}
	audit_classify(o, c, why, &k, cli->now, v);
}

/* Records a phone's probe; -1 with pg->stop set when the store fails. */
static int
record(struct probing *pg, const struct target *t, enum probe_outcome o,
    const struct probe_cert *c, const char *why,
    const struct audit_verdict *v)
{
	struct store_probe p;
	struct store_probe_ca cas[PROBE_CHAIN_MAX];
	char chain[PROBE_CHAIN_MAX * 66];
	size_t ncas;

	if (pg->store == NULL || t->name == NULL || t->cluster == NULL)
		return 0;
	audit_to_store(t->cluster, t->name, t->host, pg->a->port,
	    pg->cli->now, o, c, why, v, &p, cas, &ncas, chain);
	err_clear(&pg->stop);
	return store_probe_add(pg->store, &p, cas, ncas, NULL, &pg->stop);
}

static void
progress(struct probing *pg)
{
	if (!pg->brief || !pg->cli->progress)
		return;
	fprintf(stderr, "\rprobed %lu of %zu phones (%lu failed)", pg->ended,
	    pg->n, pg->failed);
	if (pg->ended == pg->n)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* probe_many()'s report of one phone: classed, shown, recorded. */
static int
probed(void *arg, size_t i, enum probe_outcome o, const struct probe_cert *c,
    const struct lsc_err *pe)
{
	struct probing *pg = arg;
	struct target *t = pg->idx[i];
	struct probe_seen s = { t, pg->a->port, o, c, NULL, NULL };
	struct audit_verdict v;
	struct lsc_err e;

	if (c == NULL) {
		e = *pe;
		if (t->name != NULL && t->arg != NULL)	/* a named operand */
			err_prefix(&e, "%s", t->name);
		s.why = e.msg;
		if (t->arg != NULL)
			t->rc = exit_for_error(&e);
		pg->failed++;
	}
	if (t->name != NULL) {
		classify(pg->cli, t, o, c, s.why, &v);
		s.v = &v;
		pg->differ += v.class != AUDIT_AGREES && c != NULL;
	}
	if (pg->brief && pg->cli->progress)
		fputs("\r\033[K", stderr);	/* the phone's line, then it */
	probe_show(pg->cli, &s, pg->shown++ == 0, pg->brief && t->arg ==
	    NULL);
	pg->ended++;
	progress(pg);
	return s.v != NULL ? record(pg, t, o, c, s.why, s.v) : 0;
}

static unsigned
setting(const struct cli *cli, const struct config *cf, int rate)
{
	const struct policy *p = cli->campaign != NULL && cf != NULL ?
	    config_campaign(cf, cli->campaign) : NULL;
	unsigned v = p == NULL ? 0 : rate ? p->probe_rate :
	    p->probe_concurrency;

	if (v == 0 && cf != NULL && cf->path != NULL)
		v = rate ? cf->global.probe_rate : cf->global.probe_concurrency;
	return v != 0 ? v : rate ? PROBE_RATE : PROBE_CONCURRENCY;
}

/*
 * Probes the targets that have an address, concurrently, and says what
 * the selection came to.  The status: the first operand's failure (in
 * operand order), else "attention" when a selected phone failed or does
 * not agree with CUCM, else 0.
 */
static int
probe_all(const struct cli *cli, const struct config *cf, struct probe *pr,
    struct store *store, const struct probe_args *a, struct targets *ts,
    int brief)
{
	struct probe_target *pt = calloc(ts->n + 1, sizeof(*pt));
	struct target **idx = calloc(ts->n + 1, sizeof(*idx));
	struct probing pg = { cli, a, store, idx, 0, brief, 0, 0, 0, 0, {0} };
	struct lsc_err e;
	unsigned long unreg = 0;
	int ret = 0;

	if (pt == NULL || idx == NULL) {
		fprintf(stderr, "lscrenew probe: out of memory\n");
		ret = EXIT_FAILED;
		goto out;
	}
	for (size_t k = 0; k < ts->n; k++) {
		if (ts->v[k].rc != 0)
			continue;
		if (ts->v[k].host == NULL) {
			unreg++;	/* a selected phone not registered */
			continue;
		}
		pt[pg.n].host = ts->v[k].host;
		pt[pg.n].port = a->port;
		idx[pg.n++] = &ts->v[k];
	}
	err_clear(&e);
	if (probe_many(pr, pt, pg.n, setting(cli, cf, 0), setting(cli, cf, 1),
	    cli->now, probed, &pg, &e) == -1) {
		if (pg.stop.kind != ERR_NONE)
			e = pg.stop;
		cli_printf(stderr, "lscrenew probe: %s\n", e.msg);
		ret = exit_for_error(&e);
		goto out;
	}
	if (brief && !cli->quiet && !cli->json)
		printf("probed %zu phones: %lu agree with CUCM, %lu do not, "
		    "%lu unreachable; %lu not registered (not probed)\n", pg.n,
		    (unsigned long)pg.n - pg.failed - pg.differ, pg.differ,
		    pg.failed, unreg);
	for (size_t k = 0; k < ts->n && ret == 0; k++)
		ret = ts->v[k].rc;
	if (ret == 0 && brief && (pg.failed > 0 || pg.differ > 0))
		ret = EXIT_ATTENTION;
out:
	free(pt);
	free(idx);
	return ret;
}

/*
 * The state store, read and written under the state directory's lock
 * (*lock), as a run writes it: a run holds write transactions open while
 * RisPort70 answers, longer than SQLite would wait, so the probe says who
 * holds the lock rather than fail halfway.  NULL with *ret 0 when no run
 * made one yet.
 */
static struct store *
open_store(const struct config *cf, struct lsc_lock **lock, int *ret)
{
	struct store *s;
	struct lsc_err e;
	char path[4096];

	err_clear(&e);
	if (cli_store_path(cf, path, sizeof(path)) == 0 &&
	    access(path, F_OK) == 0 && (*lock = lock_acquire(
	    cf->global.state_dir, (int64_t)time(NULL), &e)) == NULL) {
		fprintf(stderr, "lscrenew: %s%s\n", e.msg, e.kind ==
		    ERR_LOCKED ? "; probe records what it finds under the same "
		    "lock: try again when that process ends" : "");
		*ret = exit_for_error(&e);
		return NULL;
	}
	if ((s = cli_store_use(cf, 1, ret)) == NULL)
		return NULL;
	/* a probe can be taken again: no fsync per phone */
	err_clear(&e);
	if (store_durable(s, 0, &e) == -1) {
		fprintf(stderr, "lscrenew: %s\n", e.msg);
		store_close(s);
		*ret = EXIT_FAILED;
		return NULL;
	}
	return s;
}

/* The operands, then the selection; 0 or an exit status (said). */
static int
gather_targets(struct cli *cli, const struct config *cf, struct store *store,
    const struct probe_args *a, char **args, size_t n, struct targets *ts)
{
	struct target *t;

	for (size_t k = 0; k < n; k++) {
		if ((t = targets_add(ts)) == NULL) {
			fprintf(stderr, "lscrenew probe: out of memory\n");
			return EXIT_FAILED;
		}
		t->arg = args[k];
		t->rc = probe_place(cli, cf, store, a->port, t);
	}
	if (a->all || cli->campaign != NULL || a->npools > 0)
		return probe_select(cli, cf, store, a, ts);
	return 0;
}

int
cmd_probe(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "all", no_argument, NULL, OPT_ALL },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_args a = { 0, NULL, 0, NULL, 0 };
	struct targets ts = { NULL, 0, 0 };
	struct config cf;
	struct store *store = NULL;
	struct lsc_lock *lock = NULL;
	struct probe *pr = NULL;
	struct lsc_err e;
	char host[256];
	int i, k, rc, ret = EXIT_FAILED, names = 0, sel;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, extra, NULL,
	    probe_opt, &a)) < 0) {
		ret = i == -2 ? 0 : EXIT_USAGE;
		goto out;
	}
	sel = a.all || cli->campaign != NULL || a.npools > 0;
	if (i >= argc && !sel) {
		fprintf(stderr, "lscrenew probe: name the phones, give their "
		    "addresses, or select them with --campaign, --pool or "
		    "--all\n");
		cmd_usage(cli->cmd, stderr);
		ret = EXIT_USAGE;
		goto out;
	}
	for (k = i; k < argc; k++)
		if (!probe_is_address(argv[k], host, sizeof(host)))
			names++;
	err_clear(&e);
	if ((pr = probe_new(a.ca_file, 0, &e)) == NULL) {
		fprintf(stderr, "lscrenew probe: --ca-file %s\n", e.msg);
		ret = e.kind == ERR_USAGE ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	/* the store, when a phone is named or selected (none yet: no run) */
	if ((names > 0 || sel) && ((rc = cli_load_config(cli, sel ?
	    CONFIG_CLUSTER : 0, &cf)) != 0 || ((store = open_store(&cf,
	    &lock, &rc)) == NULL && rc != 0))) {
		ret = rc;
		goto out;
	}
	if (a.port == 0)	/* no --port: the configuration's, or 443 */
		a.port = cf.path != NULL ? (unsigned)cf.global.probe_port : 443;
	if ((ret = gather_targets(cli, &cf, store, &a, argv + i,
	    (size_t)(argc - i), &ts)) == 0)
		ret = probe_all(cli, &cf, pr, store, &a, &ts, sel);
out:
	targets_free(&ts);
	store_close(store);
	lock_release(lock);
	probe_free(pr);
	config_free(&cf);
	free(a.pools);
	return ret;
}
