/*
 * probe_select.c — which phones "lscrenew probe" probes, and where: an
 * operand that is an address as it is, a device name at the last address
 * the state store knows, and the phones --campaign, --pool and --all
 * select at their current address, asked of RisPort70 as a run asks it
 * (the names in chunks of 1000, paced by the cluster's ris_rate).
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/probe_int.h"
#include "jobs/store.h"

struct target *
targets_add(struct targets *ts)
{
	struct target *v;
	size_t cap;

	if (ts->n == ts->cap) {
		cap = ts->cap > 0 ? ts->cap * 2 : 16;
		if ((v = reallocarray(ts->v, cap, sizeof(*v))) == NULL)
			return NULL;
		ts->v = v;
		ts->cap = cap;
	}
	memset(&ts->v[ts->n], 0, sizeof(ts->v[0]));
	return &ts->v[ts->n++];
}

void
targets_free(struct targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		free(ts->v[i].host);
		free(ts->v[i].lsc_issuer);
	}
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

int
probe_is_address(const char *arg, char *host, size_t len)
{
	unsigned char a[sizeof(struct in6_addr)];
	size_t n = strlen(arg);

	if (n > 2 && arg[0] == '[' && arg[n - 1] == ']' && n - 2 < len) {
		memcpy(host, arg + 1, n - 2);
		host[n - 2] = '\0';
		if (inet_pton(AF_INET6, host, a) == 1)
			return 1;
	}
	if (inet_pton(AF_INET, arg, a) == 1 || inet_pton(AF_INET6, arg,
	    a) == 1 || strchr(arg, '.') != NULL) {
		snprintf(host, len, "%s", arg);
		return 1;
	}
	return 0;
}

/* What the store says of a phone: copied into the target. */
struct found {
	const struct config *cf;
	struct target	*t;
	unsigned	 n;		/* clusters that know the name */
};

static int
keep_phone(struct target *t, const struct config *cf,
    const struct store_phone *p)
{
	const struct cluster_conf *cc = config_cluster(cf, p->cluster);

	t->cluster = cc != NULL ? cc->name : NULL;
	t->campaign = p->campaign != NULL ? config_campaign(cf, p->campaign) :
	    NULL;
	t->known = p->mem.state != PS_GONE;
	t->lsc_valid_until = p->lsc_valid_until;
	if ((t->name == NULL && (t->name = strdup(p->name)) == NULL) ||
	    (p->lsc_issuer != NULL && (t->lsc_issuer =
	    strdup(p->lsc_issuer)) == NULL))
		return -1;
	return 0;
}

static int
on_named(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct found *f = arg;

	if (f->n++ > 0)
		return 0;
	if (keep_phone(f->t, f->cf, p) == -1 || (p->last_ip != NULL &&
	    (f->t->host = strdup(p->last_ip)) == NULL))
		return err_set(e, ERR_SYSTEM, "out of memory");
	return 0;
}

int
probe_place(const struct cli *cli, const struct config *cf,
    struct store *store, unsigned port, struct target *t)
{
	struct store_filter f;
	struct found fd = { cf, t, 0 };
	struct lsc_err e;
	char host[256];

	err_clear(&e);
	if (probe_is_address(t->arg, host, sizeof(host)))
		return (t->host = strdup(host)) == NULL ? probe_fail(cli,
		    EXIT_FAILED, t, port, NULL, "out of memory") : 0;
	memset(&f, 0, sizeof(f));
	f.name = t->arg;
	if (store != NULL && store_each_phone(store, &f, on_named, &fd,
	    &e) == -1)
		return probe_fail(cli, EXIT_FAILED, t, port, NULL, "%s", e.msg);
	if (fd.n == 0)
		return probe_fail(cli, EXIT_USAGE, t, port, NULL, "%s: not a "
		    "phone in the state store; run lscrenew run first, or give "
		    "a host name with its domain", t->arg);
	if (fd.n > 1)
		return probe_fail(cli, EXIT_USAGE, t, port, NULL, "%s: known "
		    "in %u clusters; probe its address instead", t->arg, fd.n);
	if (t->host == NULL || t->host[0] == '\0') {
		free(t->host);
		t->host = NULL;
		return probe_fail(cli, EXIT_FAILED, t, port, NULL, "%s: no "
		    "known address; run lscrenew run first", t->arg);
	}
	return 0;
}

/* ---- selections ------------------------------------------------------- */

struct gather {
	const struct config *cf;
	struct targets	*ts;
	size_t		 n;		/* phones this filter selected */
};

static int
on_selected(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct gather *g = arg;
	struct target *t;

	if (p->mem.state == PS_GONE)
		return 0;
	g->n++;
	if ((t = targets_add(g->ts)) == NULL ||
	    keep_phone(t, g->cf, p) == -1)
		return err_set(e, ERR_SYSTEM, "out of memory");
	return 0;
}

static int
by_cluster_name(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	int c = strcasecmp(x->cluster != NULL ? x->cluster : "",
	    y->cluster != NULL ? y->cluster : "");

	return c != 0 ? c : strcasecmp(x->name, y->name);
}

/* The phones of one filter; 0 or an exit status (said). */
static int
gather(const struct config *cf, struct store *store, struct targets *ts,
    const char *campaign, const char *pool)
{
	struct store_filter f;
	struct gather g = { cf, ts, 0 };
	struct lsc_err e;

	memset(&f, 0, sizeof(f));
	f.campaign = campaign;
	f.pool = pool;
	err_clear(&e);
	if (store != NULL && store_each_phone(store, &f, on_selected, &g,
	    &e) == -1) {
		cli_printf(stderr, "lscrenew probe: %s\n", e.msg);
		return EXIT_FAILED;
	}
	if (g.n > 0)
		return 0;
	if (campaign != NULL)
		cli_printf(stderr, "lscrenew probe: --campaign %s: no phone of "
		    "this campaign in the state store; run lscrenew run "
		    "first\n", campaign);
	else if (pool != NULL)
		cli_printf(stderr, "lscrenew probe: --pool %s: no phone of "
		    "this device pool in the state store\n", pool);
	else
		fprintf(stderr, "lscrenew probe: --all: no phone in the "
		    "state store; run lscrenew run first\n");
	return pool != NULL ? EXIT_USAGE : EXIT_FAILED;
}

/* Sorted by cluster and name, each phone once (selections overlap). */
static void
unique(struct targets *ts, size_t from)
{
	struct target *v = ts->v + from;
	size_t n = ts->n - from, k = 0;

	qsort(v, n, sizeof(*v), by_cluster_name);
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && by_cluster_name(&v[k - 1], &v[i]) == 0) {
			free(v[i].name);
			free(v[i].lsc_issuer);
			continue;
		}
		v[k++] = v[i];
	}
	ts->n = from + k;
}

/* The selected phones of one cluster: v[0..n), sorted by name. */
struct registry {
	struct target	*v;
	size_t		 n;
};

static int
by_name(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct target *)elem)->name);
}

static int
on_reg(void *arg, const struct ris_device *d, struct lsc_err *e)
{
	struct registry *r = arg;
	struct target *t;

	if (!d->registered || d->ip == NULL || d->ip[0] == '\0' ||
	    (t = bsearch(d->name, r->v, r->n, sizeof(*r->v), by_name)) ==
	    NULL || t->host != NULL)
		return 0;
	if ((t->host = strdup(d->ip)) == NULL)
		return err_set(e, ERR_SYSTEM, "out of memory");
	return 0;
}

/* Asks RisPort70 where the selected phones of cluster cc are. */
static int
locate(const struct cluster_conf *cc, struct target *v, size_t n)
{
	struct registry r = { v, n };
	const char **names;
	struct conn c;
	struct lsc_err e;
	int rc = 0;

	if ((names = calloc(n, sizeof(*names))) == NULL) {
		fprintf(stderr, "lscrenew probe: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = v[i].name;
	err_clear(&e);
	if (conn_open(&c, cc, NULL, NULL, 0, &e) == -1) {
		cli_printf(stderr, "lscrenew probe: %s\n", e.msg);
		rc = exit_for_error(&e);
	} else if (ris_select(c.ris, names, n, on_reg, &r, &e) == -1) {
		cli_printf(stderr, "lscrenew probe: cluster %s: %s\n",
		    cc->name, e.msg);
		rc = exit_for_error(&e);
	}
	conn_close(&c);
	free(names);
	return rc;
}

int
probe_select(struct cli *cli, const struct config *cf, struct store *store,
    const struct probe_args *a, struct targets *ts)
{
	size_t from = ts->n, lo, hi;
	const struct cluster_conf *cc;
	int rc = 0;

	if (a->all)
		rc = gather(cf, store, ts, NULL, NULL);
	if (rc == 0 && cli->campaign != NULL)
		rc = gather(cf, store, ts, cli->campaign, NULL);
	for (size_t i = 0; rc == 0 && i < a->npools; i++)
		rc = gather(cf, store, ts, NULL, a->pools[i]);
	if (rc != 0)
		return rc;
	unique(ts, from);
	for (lo = from; lo < ts->n; lo = hi) {
		for (hi = lo + 1; hi < ts->n && ts->v[hi].cluster ==
		    ts->v[lo].cluster; hi++)
			;
		if ((cc = config_cluster(cf, ts->v[lo].cluster != NULL ?
		    ts->v[lo].cluster : "")) != NULL &&
		    (rc = locate(cc, ts->v + lo, hi - lo)) != 0)
			return rc;
	}
	return 0;
}
