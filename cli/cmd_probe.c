/*
 * cmd_probe.c — "lscrenew probe NAME|ADDRESS...": the certificate a
 * phone's web server presents, as a browser would see it, next to what
 * CUCM said of the phone's LSC at the last run.
 *
 * An operand that is an IP literal or a host name with a dot is probed as
 * it is; anything else is a device name (device names have no dot), probed
 * at the last address the state store knows.  Only names need the
 * configuration and the store.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "axl/base/json.h"
#include "axl/probe.h"
#include "cli/cli.h"
#include "cli/run_out.h"
#include "jobs/store.h"

#define AGREE_SECONDS	60	/* CUCM's date and the certificate's */

enum {
	OPT_PORT = 700,
	OPT_CA_FILE
};

struct probe_args {
	unsigned	 port;
	const char	*ca_file;
};

/* What the store says of a phone probed by name. */
struct known {
	unsigned	 n;		/* clusters that know the name */
	char		 cluster[128];
	char		 ip[64];
	int64_t		 lsc_valid_until;
	char		 lsc_issuer[256];	/* "" when none */
};

/* The certificate against CUCM's view. */
struct verdict {
	int		 agrees;	/* validity (and MIC / LSC) agree */
	int		 issuer_agrees;	/* -1: nothing to compare */
	const char	*why;		/* words when they do not agree */
};

static int
probe_opt(struct cli *cli, int c, const char *arg, void *p)
{
	struct probe_args *a = p;
	char *end;
	long v;

	(void)cli;
	switch (c) {
	case OPT_PORT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0' || v < 1 ||
		    v > 65535) {
			fprintf(stderr, "lscrenew probe: --port \"%s\": "
			    "expected a port number from 1 to 65535\n", arg);
			return -1;
		}
		a->port = (unsigned)v;
		return 0;
	case OPT_CA_FILE:
		a->ca_file = arg;
		return 0;
	default:
		return -1;
	}
}

/*
 * Whether an operand is an address (an IP literal, IPv6 perhaps in
 * brackets, or a host name with a dot); the host goes to host.
 */
static int
as_address(const char *arg, char *host, size_t len)
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

static int
on_phone(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct known *k = arg;

	(void)e;
	if (k->n++ > 0)
		return 0;
	snprintf(k->cluster, sizeof(k->cluster), "%s", p->cluster);
	snprintf(k->ip, sizeof(k->ip), "%s", p->last_ip != NULL ?
	    p->last_ip : "");
	k->lsc_valid_until = p->lsc_valid_until;
	snprintf(k->lsc_issuer, sizeof(k->lsc_issuer), "%s",
	    p->lsc_issuer != NULL ? p->lsc_issuer : "");
	return 0;
}

static void
judge(const struct known *k, const struct probe_cert *c, struct verdict *v)
{
	int lsc = c->kind == PROBE_LSC_CAPF || c->kind == PROBE_LSC_CA;
	int64_t d = c->not_after - k->lsc_valid_until;

	v->agrees = 0;
	v->why = NULL;
	v->issuer_agrees = -1;
	if (lsc && k->lsc_issuer[0] != '\0')
		v->issuer_agrees = strcasecmp(c->issuer_cn, k->lsc_issuer) ==
		    0;
	if (k->lsc_valid_until <= 0) {
		v->agrees = !lsc;
		if (lsc)
			v->why = "CUCM knows no LSC, but the phone presents one";
	} else if (!lsc)
		v->why = c->kind == PROBE_MIC ? "the phone presents its MIC, "
		    "not this LSC" : "the phone presents a self-signed "
		    "certificate, not this LSC";
	else if (d >= -AGREE_SECONDS && d <= AGREE_SECONDS)
		v->agrees = 1;
	else
		v->why = d < 0 ? "the phone still presents an older LSC" :
		    "the phone presents a newer LSC than CUCM reported";
}

static void
fmt_utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

static const char *
kind_words(enum probe_kind k)
{
	switch (k) {
	case PROBE_MIC:
		return "MIC (manufacturer installed, from a Cisco "
		    "Manufacturing CA)";
	case PROBE_LSC_CAPF:
		return "LSC issued by CAPF";
	case PROBE_LSC_CA:
		return "LSC issued by an enterprise CA";
	default:
		return "self-signed (neither a MIC nor an LSC)";
	}
}

/* the probe's strings are clean (probe.h); the store's are cleaned here */
#define ROW(label, ...)	do {						\
	printf("  %-24s ", label);					\
	cli_printf(stdout, __VA_ARGS__);				\
	putchar('\n');							\
} while (0)

static void
print_text(const char *name, const char *where, const struct probe_cert *c,
    const struct known *k, const struct verdict *v, int first, int64_t now)
{
	char a[48], b[48];
	long long ago;

	if (!first)
		putchar('\n');
	if (name != NULL)
		cli_printf(stdout, "%s at %s\n", name, where);
	else
		cli_printf(stdout, "%s\n", where);
	ROW("certificate", "%s", kind_words(c->kind));
	ROW("subject", "%s", c->subject);
	ROW("issuer", "%s", c->issuer);
	ROW("serial", "%s", c->serial);
	fmt_utc(c->not_before, a, sizeof(a));
	ROW("not before", "%s%s", a, c->not_yet_valid ? " (not valid yet)" :
	    "");
	fmt_utc(c->not_after, a, sizeof(a));
	ago = (now - c->not_after) / 86400;
	if (c->expired && ago == 0)
		ROW("not after", "%s (expired today)", a);
	else if (c->expired)
		ROW("not after", "%s (expired %lld day%s ago)", a, ago,
		    ago == 1 ? "" : "s");
	else if (c->days_left == 0)
		ROW("not after", "%s (less than a day left)", a);
	else
		ROW("not after", "%s (%lld day%s left)", a, c->days_left,
		    c->days_left == 1 ? "" : "s");
	if (k != NULL) {
		if (k->lsc_valid_until > 0)
			fmt_utc(k->lsc_valid_until, b, sizeof(b));
		else
			snprintf(b, sizeof(b), "none");
		ROW("LSC valid until in CUCM", "%s (%s%s)", b, v->agrees ?
		    "agrees" : "does not agree: ", v->agrees ? "" : v->why);
		if (k->lsc_issuer[0] != '\0')
			ROW("LSC issuer in CUCM", "%s%s", k->lsc_issuer,
			    v->issuer_agrees == 1 ? " (agrees)" :
			    v->issuer_agrees == 0 ? " (does not agree)" : "");
	}
	ROW("SHA-256 fingerprint", "%s", c->sha256);
	if (c->key_curve[0] != '\0')
		ROW("key", "%s %s (%d bits)", c->key_type, c->key_curve,
		    c->key_bits);
	else
		ROW("key", "%s %d bits", c->key_type, c->key_bits);
	ROW("signature", "%s", c->signature);
	if (c->name_match == 1)
		ROW("names", "%s (match %s)", c->names, c->host);
	else
		ROW("names", "%s (%s is not among them: browsers warn)",
		    c->names[0] != '\0' ? c->names : "none", c->host);
	ROW("chain sent", "%zu certificate%s", c->chain_len,
	    c->chain_len == 1 ? "" : "s");
	for (size_t i = 0; i < c->chain_len && i < PROBE_CHAIN_MAX; i++)
		cli_printf(stdout, "    %zu %s\n      issued by %s\n", i + 1,
		    c->chain[i].subject, c->chain[i].issuer);
	if (c->chain_len > PROBE_CHAIN_MAX)
		printf("    ... %zu more\n", c->chain_len - PROBE_CHAIN_MAX);
	ROW("browsers must trust", "%s%s", c->trust, c->chain_root ?
	    " (the root the phone sent)" : "");
	if (c->verify == PROBE_VERIFY_OK)
		ROW("--ca-file", "verified");
	else if (c->verify == PROBE_VERIFY_FAILED)
		ROW("--ca-file", "not verified: %s", c->verify_error);
	ROW("TLS", "%s, %s", c->tls_version, c->cipher);
}

/* schema_version 2: times as RFC 3339 strings (1: seconds since the
 * epoch) */
static void
json_head(struct json *j, struct buf *b, const char *arg, const char *name,
    const char *host, unsigned port)
{
	json_init(j, b, 1);
	json_obj(j, NULL);
	json_int(j, "schema_version", 2);
	json_str(j, "target", arg);
	json_str(j, "name", name);
	json_str(j, "address", host != NULL && *host != '\0' ? host : NULL);
	json_int(j, "port", port);
}

/* A string member, null when empty. */
static void
json_text(struct json *j, const char *key, const char *v)
{
	json_str(j, key, v != NULL && *v != '\0' ? v : NULL);
}

static void
print_json(const char *arg, const char *name, const struct probe_cert *c,
    const struct known *k, const struct verdict *v)
{
	struct buf b = BUF_INIT;
	struct json j;

	json_head(&j, &b, arg, name, c->host, c->port);
	json_null(&j, "error");
	json_text(&j, "kind", probe_kind_name(c->kind));
	json_text(&j, "subject", c->subject);
	json_text(&j, "subject_cn", c->subject_cn);
	json_text(&j, "issuer", c->issuer);
	json_text(&j, "issuer_cn", c->issuer_cn);
	json_text(&j, "serial", c->serial);
	json_time(&j, "not_before", c->not_before);
	json_time(&j, "not_after", c->not_after);
	json_int(&j, "days_left", c->days_left);
	json_bool(&j, "expired", c->expired);
	json_text(&j, "sha256", c->sha256);
	json_text(&j, "key_type", c->key_type);
	json_int(&j, "key_bits", c->key_bits);
	json_text(&j, "key_curve", c->key_curve);
	json_text(&j, "signature", c->signature);
	json_text(&j, "names", c->names);
	json_bool(&j, "name_match", c->name_match == 1);
	json_int(&j, "chain_length", (long long)c->chain_len);
	json_arr(&j, "chain");
	for (size_t i = 0; i < c->chain_len && i < PROBE_CHAIN_MAX; i++) {
		json_obj(&j, NULL);
		json_str(&j, "subject", c->chain[i].subject);
		json_str(&j, "issuer", c->chain[i].issuer);
		json_end(&j);
	}
	json_end(&j);
	json_bool(&j, "chain_root", c->chain_root);
	json_text(&j, "browsers_must_trust", c->trust);
	if (c->verify == PROBE_VERIFY_NONE)
		json_null(&j, "verified");
	else
		json_bool(&j, "verified", c->verify == PROBE_VERIFY_OK);
	json_text(&j, "verify_error", c->verify_error);
	json_text(&j, "tls_version", c->tls_version);
	json_text(&j, "cipher", c->cipher);
	if (k != NULL) {
		json_obj(&j, "cucm");
		json_str(&j, "cluster", k->cluster);
		json_time(&j, "lsc_valid_until", k->lsc_valid_until);
		json_text(&j, "lsc_issuer", k->lsc_issuer);
		json_bool(&j, "agrees", v->agrees);
		if (v->issuer_agrees == -1)
			json_null(&j, "issuer_agrees");
		else
			json_bool(&j, "issuer_agrees", v->issuer_agrees);
		json_text(&j, "note", v->why);
		json_end(&j);
	} else
		json_null(&j, "cucm");
	cli_json_out(&j, &b);
}

static int	fail(const struct cli *, int, const char *, const char *,
		    const char *, unsigned, const char *, ...)
		    __attribute__((format(printf, 7, 8)));

/* Says why an operand failed (and as JSON with --json); returns status. */
static int
fail(const struct cli *cli, int status, const char *arg, const char *name,
    const char *host, unsigned port, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	struct json j;
	char msg[LSC_ERR_MSGLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_printf(stderr, "lscrenew probe: %s\n", msg);
	if (cli->json) {
		json_head(&j, &b, arg, name, host, port);
		json_text(&j, "error", msg);
		cli_json_out(&j, &b);
	}
	return status;
}

/* One operand: where it is probed, and what the store knows of it. */
struct operand {
	const char	*arg;
	const char	*name;		/* NULL for an address */
	char		 host[256];
	struct known	 k;
	int		 rc;		/* its exit status */
};

struct probing {
	const struct cli	*cli;
	const struct probe_args	*a;
	struct operand		*ops;
	size_t			*idx;	/* target -> operand */
	int			 shown;
};

/* Where operand o is probed: 0, or its exit status (said already). */
static int
place(const struct cli *cli, struct store *store, const struct probe_args *a,
    struct operand *o)
{
	struct store_filter f;
	struct lsc_err e;

	memset(&o->k, 0, sizeof(o->k));
	err_clear(&e);
	if (as_address(o->arg, o->host, sizeof(o->host)))
		return 0;
	o->name = o->arg;
	memset(&f, 0, sizeof(f));
	f.name = o->name;
	if (store != NULL && store_each_phone(store, &f, on_phone, &o->k,
	    &e) == -1)
		return fail(cli, EXIT_FAILED, o->arg, o->name, NULL, a->port,
		    "%s", e.msg);
	if (o->k.n == 0)
		return fail(cli, EXIT_USAGE, o->arg, o->name, NULL, a->port,
		    "%s: not a phone in the state store; run lscrenew run "
		    "first, or give a host name with its domain", o->name);
	if (o->k.n > 1)
		return fail(cli, EXIT_USAGE, o->arg, o->name, NULL, a->port,
		    "%s: known in %u clusters; probe its address instead",
		    o->name, o->k.n);
	if (o->k.ip[0] == '\0')
		return fail(cli, EXIT_FAILED, o->arg, o->name, NULL, a->port,
		    "%s: no known address; run lscrenew run first", o->name);
	snprintf(o->host, sizeof(o->host), "%s", o->k.ip);
	return 0;
}

/* probe_many()'s report of one phone: shown as it ends. */
static int
probed(void *arg, size_t i, const struct probe_cert *c,
    const struct lsc_err *pe)
{
	struct probing *pg = arg;
	struct operand *o = &pg->ops[pg->idx[i]];
	struct verdict v;
	struct lsc_err e;
	char where[300];

	memset(&v, 0, sizeof(v));
	if (c == NULL) {
		e = *pe;
		if (o->name != NULL)
			err_prefix(&e, "%s", o->name);
		o->rc = fail(pg->cli, exit_for_error(&e), o->arg, o->name,
		    o->host, pg->a->port, "%s", e.msg);
		return 0;
	}
	if (o->name != NULL)
		judge(&o->k, c, &v);
	if (pg->cli->json)
		print_json(o->arg, o->name, c, o->name != NULL ? &o->k : NULL,
		    &v);
	else {
		snprintf(where, sizeof(where), strchr(c->host, ':') != NULL ?
		    "[%s]:%u" : "%s:%u", c->host, c->port);
		print_text(o->name, where, c, o->name != NULL ? &o->k : NULL,
		    &v, pg->shown == 0, pg->cli->now);
	}
	fflush(stdout);
	pg->shown++;
	return 0;
}

/*
 * Probes the operands that have an address, concurrently; every operand
 * is probed, and the first one's failure (in operand order) is the status.
 */
static int
probe_all(const struct cli *cli, struct probe *pr, struct store *store,
    const struct probe_args *a, char **args, size_t n)
{
	struct operand *ops = calloc(n, sizeof(*ops));
	struct probe_target *t = calloc(n, sizeof(*t));
	size_t *idx = calloc(n, sizeof(*idx)), nt = 0;
	struct probing pg = { cli, a, ops, idx, 0 };
	struct lsc_err e;
	int ret = 0;

	if (ops == NULL || t == NULL || idx == NULL) {
		fprintf(stderr, "lscrenew probe: out of memory\n");
		ret = EXIT_FAILED;
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		ops[k].arg = args[k];
		if ((ops[k].rc = place(cli, store, a, &ops[k])) != 0)
			continue;
		t[nt].host = ops[k].host;
		t[nt].port = a->port;
		idx[nt++] = k;
	}
	err_clear(&e);
	if (probe_many(pr, t, nt, PROBE_CONCURRENCY, PROBE_RATE, cli->now,
	    probed, &pg, &e) == -1) {
		cli_printf(stderr, "lscrenew probe: %s\n", e.msg);
		ret = EXIT_FAILED;
		goto out;
	}
	for (size_t k = 0; k < n && ret == 0; k++)
		ret = ops[k].rc;
out:
	free(ops);
	free(t);
	free(idx);
	return ret;
}

int
cmd_probe(struct cli *cli, int argc, char **argv)
{
	static const struct option extra[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_args a = { 443, NULL };
	struct config cf;
	struct store *store = NULL;
	struct probe *pr = NULL;
	struct lsc_err e;
	char host[256];
	int i, k, rc, ret = EXIT_FAILED, names = 0;

	memset(&cf, 0, sizeof(cf));
	if ((i = cli_getopt(cli, cli->cmd, argc, argv, extra, NULL,
	    probe_opt, &a)) < 0)
		return i == -2 ? 0 : EXIT_USAGE;
	if (i >= argc) {
		fprintf(stderr, "lscrenew probe: name the phones or give their "
		    "addresses\n");
		cmd_usage(cli->cmd, stderr);
		return EXIT_USAGE;
	}
	for (k = i; k < argc; k++)
		if (!as_address(argv[k], host, sizeof(host)))
			names++;
	err_clear(&e);
	if ((pr = probe_new(a.ca_file, 0, &e)) == NULL) {
		fprintf(stderr, "lscrenew probe: --ca-file %s\n", e.msg);
		return e.kind == ERR_USAGE ? EXIT_USAGE : EXIT_FAILED;
	}
	/* the store, when a phone is named (none yet: no run) */
	if (names > 0 && ((rc = cli_load_config(cli, 0, &cf)) != 0 ||
	    ((store = cli_store_read(&cf, &rc)) == NULL && rc != 0))) {
		ret = rc;
		goto out;
	}
	ret = probe_all(cli, pr, store, &a, argv + i, (size_t)(argc - i));
out:
	store_close(store);
	probe_free(pr);
	config_free(&cf);
	return ret;
}
