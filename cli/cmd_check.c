/*
 * cmd_check.c — "lscrenew check": validate without acting.
 *
 * The configuration first (every problem at once), then the state
 * directory, then per cluster: TLS and credentials, the AXL schema version,
 * RisPort70, the right to write, and each configured device pool.  Each
 * finding is one line saying what to fix.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "axl/base/buf.h"
#include "cli/cli.h"
#include "cli/run_out.h"

struct check {
	struct cli	*cli;
	int		 status;	/* worst exit status so far */
	unsigned	 problems;
};

static void say(const char *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
static void ok(struct check *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(struct check *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void fail(struct check *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* One finding; CUCM's words in it (its release, a fault) are cleaned. */
static void
say(const char *tag, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	if (buf_vprintf(&b, fmt, ap) == 0)
		cli_printf(stdout, "%-6s%s\n", tag, b.data);
	buf_free(&b, 0);
}

static void
ok(struct check *k, const char *fmt, ...)
{
	va_list ap;

	if (k->cli->quiet)
		return;
	va_start(ap, fmt);
	say("ok", fmt, ap);
	va_end(ap);
}

/* Something to fix that does not stop a run; shown even with -q. */
static void
warn(struct check *k, const char *fmt, ...)
{
	va_list ap;

	(void)k;
	va_start(ap, fmt);
	say("WARN", fmt, ap);
	va_end(ap);
}

static void
fail(struct check *k, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("FAIL", fmt, ap);
	va_end(ap);
	k->problems++;
	/* the most specific cause wins: config, then unreachable */
	if (k->status == 0 || status == EXIT_CONFIG ||
	    (status == EXIT_UNREACHABLE && k->status != EXIT_CONFIG))
		k->status = status;
}

/* What to do about a connection failure, in a few words. */
static const char *
fix_for(const struct lsc_err *e)
{
	switch (e->kind) {
	case ERR_TLS:
		return "check ca_file/ca_path: it must hold the CA that signed "
		    "the cluster's tomcat certificate";
	case ERR_AUTH:
		return "check username and password, and that the account has "
		    "the Standard AXL API Access role";
	case ERR_NETWORK:
		return "check host and port, and that the AXL service runs and "
		    "is reachable from here";
	case ERR_FAULT:
		return "check axl_version against the cluster's release";
	default:
		return "see the message";
	}
}

static int
queues_on(const struct config *cf, const char *cluster)
{
	for (size_t i = 0; i < cf->ncampaigns; i++)
		if (strcmp(cf->campaigns[i].cluster, cluster) == 0)
			return 1;
	return 0;
}

static void
check_cluster(struct check *k, const struct config *cf,
    const struct cluster_conf *cc)
{
	struct conn c;
	struct lsc_err e;
	int can = 0, exists = 0;

	err_clear(&e);
	if (conn_open(&c, cc, NULL, NULL, 0, &e) == -1) {
		fail(k, exit_for_error(&e), "%s; %s", e.msg, fix_for(&e));
		return;
	}
	ok(k, "cluster %s: TLS verified, credentials accepted, CUCM %s, AXL "
	    "schema %s", cc->name, c.release, axl_version(c.axl));

	if (ris_ping(c.ris, &e) == -1)
		fail(k, exit_for_error(&e), "cluster %s: RisPort70: %s; %s",
		    cc->name, e.msg, e.kind == ERR_AUTH ? "give the account "
		    "the Standard CCM Admin Users and Standard "
		    "Serviceability roles" : fix_for(&e));
	else
		ok(k, "cluster %s: RisPort70 answers", cc->name);

	if (queues_on(cf, cc->name)) {
		err_clear(&e);
		if (axl_can_write(c.axl, &can, &e) == -1)
			fail(k, exit_for_error(&e), "cluster %s: checking the "
			    "right to write: %s", cc->name, e.msg);
		else if (!can)
			fail(k, EXIT_FAILED, "cluster %s: the AXL account is "
			    "read-only; campaigns must write: give it the "
			    "Standard AXL API Access role", cc->name);
		else
			ok(k, "cluster %s: the account may write (updatePhone)",
			    cc->name);
	}

	for (size_t i = 0; i < cf->ncampaigns; i++) {
		const struct policy *p = &cf->campaigns[i];

		if (strcmp(p->cluster, cc->name) != 0)
			continue;
		for (size_t j = 0; j < p->npools; j++) {
			err_clear(&e);
			if (axl_pool_exists(c.axl, p->pools[j], &exists,
			    &e) == -1)
				fail(k, exit_for_error(&e), "campaign %s: "
				    "device pool \"%s\": %s", p->name,
				    p->pools[j], e.msg);
			else if (!exists)
				fail(k, EXIT_CONFIG, "campaign %s: device pool "
				    "\"%s\" does not exist on cluster %s; fix "
				    "device_pools (names are exact)", p->name,
				    p->pools[j], cc->name);
			else
				ok(k, "campaign %s: device pool \"%s\" exists",
				    p->name, p->pools[j]);
		}
	}
	conn_close(&c);
}

int
cmd_check(struct cli *cli, int argc, char **argv)
{
	int offline = 0;
	const struct option extra[] = {
		{ "offline", no_argument, &offline, 1 },
		{ NULL, 0, NULL, 0 }
	};
	struct check k = { cli, 0, 0 };
	struct config cf;
	int i, rc;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, extra, NULL, NULL,
	    NULL)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if ((rc = cli_load_config(cli, CONFIG_CLUSTER, &cf)) != 0)
		return rc;
	ok(&k, "configuration %s: %zu cluster%s, %zu campaign%s",
	    cli->config_path, cf.nclusters, cf.nclusters == 1 ? "" : "s",
	    cf.ncampaigns, cf.ncampaigns == 1 ? "" : "s");
	for (size_t c = 0; c < cf.nclusters; c++) {
		const struct cluster_conf *cl = &cf.clusters[c];

		if (cl->proxy != NULL)
			ok(&k, "cluster %s: connects through the proxy %s",
			    cl->name, cl->proxy);
		if (cl->ca_file == NULL && cl->ca_path == NULL)
			warn(&k, "cluster %s: no ca_file or ca_path: any CA "
			    "of the system store can vouch for %s; set ca_file "
			    "to the CA of its Tomcat certificate", cl->name,
			    cl->host);
	}
	fflush(stdout);
	if (cli_check_state_dir(cf.global.state_dir, 1) != 0)
		fail(&k, EXIT_CONFIG, "state directory %s: see above",
		    cf.global.state_dir);
	else
		ok(&k, "state directory %s is writable", cf.global.state_dir);

	if (!offline)
		for (size_t c = 0; c < cf.nclusters; c++)
			check_cluster(&k, &cf, &cf.clusters[c]);
	if (k.problems > 0 && !cli->quiet)
		printf("%u problem%s found\n", k.problems,
		    k.problems == 1 ? "" : "s");
	config_free(&cf);
	return k.status;
}
