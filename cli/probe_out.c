/*
 * probe_out.c — what "lscrenew probe" shows of each phone: the full
 * description of an operand's certificate, one line per phone of a
 * selection, or one JSON object per phone and line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "axl/base/clock.h"
#include "axl/base/json.h"
#include "cli/probe_int.h"

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
print_validity(const struct probe_cert *c, int64_t now)
{
	char a[48];
	long long ago;

	clock_fmt("%Y-%m-%d %H:%M:%S UTC", "never", c->not_before, a,
	    sizeof(a));
	ROW("not before", "%s%s", a, c->not_yet_valid ? " (not valid yet)" :
	    "");
	clock_fmt("%Y-%m-%d %H:%M:%S UTC", "never", c->not_after, a,
	    sizeof(a));
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
}

static void
print_cucm(const struct target *t, const struct audit_verdict *v)
{
	char b[48];

	clock_fmt("%Y-%m-%d %H:%M:%S UTC", "none", t->lsc_valid_until, b,
	    sizeof(b));
	ROW("LSC valid until in CUCM", "%s (%s%s)", b, v->validity_agrees ?
	    "agrees" : "does not agree: ", v->validity_agrees ? "" :
	    v->reason);
	if (t->lsc_issuer != NULL && t->lsc_issuer[0] != '\0')
		ROW("LSC issuer in CUCM", "%s%s", t->lsc_issuer,
		    v->issuer_agrees == 1 ? " (agrees)" :
		    v->issuer_agrees == 0 ? " (does not agree)" : "");
	ROW("phone and CUCM", "%s: %s", audit_class_name(v->class), v->reason);
}

static void
print_text(const struct probe_seen *s, int first, int64_t now)
{
	const struct probe_cert *c = s->c;

	if (!first)
		putchar('\n');
	if (s->t->name != NULL)
		cli_printf(stdout, "%s at ", s->t->name);
	cli_printf(stdout, strchr(c->host, ':') != NULL ? "[%s]:%u\n" :
	    "%s:%u\n", c->host, c->port);
	ROW("certificate", "%s", kind_words(c->kind));
	ROW("subject", "%s", c->subject);
	ROW("issuer", "%s", c->issuer);
	ROW("serial", "%s", c->serial);
	print_validity(c, now);
	if (s->v != NULL)
		print_cucm(s->t, s->v);
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
json_head(struct json *j, struct buf *b, const struct target *t,
    unsigned port, const struct audit_verdict *v)
{
	json_init(j, b, 1);
	json_obj(j, NULL);
	json_int(j, "schema_version", 2);
	json_str(j, "target", t->arg != NULL ? t->arg : t->name);
	json_str(j, "name", t->name);
	json_str(j, "address", t->host);
	json_int(j, "port", port);
	json_str(j, "class", v != NULL ? audit_class_name(v->class) : NULL);
	json_str(j, "class_reason", v != NULL ? v->reason : NULL);
}

/* A string member, null when empty. */
static void
json_text(struct json *j, const char *key, const char *v)
{
	json_str(j, key, v != NULL && *v != '\0' ? v : NULL);
}

static void
json_cert(struct json *j, const struct probe_cert *c)
{
	json_text(j, "kind", probe_kind_name(c->kind));
	json_text(j, "subject", c->subject);
	json_text(j, "subject_cn", c->subject_cn);
	json_text(j, "issuer", c->issuer);
	json_text(j, "issuer_cn", c->issuer_cn);
	json_text(j, "serial", c->serial);
	json_time(j, "not_before", c->not_before);
	json_time(j, "not_after", c->not_after);
	json_int(j, "days_left", c->days_left);
	json_bool(j, "expired", c->expired);
	json_text(j, "sha256", c->sha256);
	json_text(j, "key_type", c->key_type);
	json_int(j, "key_bits", c->key_bits);
	json_text(j, "key_curve", c->key_curve);
	json_text(j, "signature", c->signature);
	json_text(j, "names", c->names);
	json_bool(j, "name_match", c->name_match == 1);
	json_int(j, "chain_length", (long long)c->chain_len);
	json_arr(j, "chain");
	for (size_t i = 0; i < c->chain_len && i < PROBE_CHAIN_MAX; i++) {
		json_obj(j, NULL);
		json_str(j, "subject", c->chain[i].subject);
		json_str(j, "issuer", c->chain[i].issuer);
		json_str(j, "sha256", c->chain[i].sha256);
		json_end(j);
	}
	json_end(j);
	json_bool(j, "chain_root", c->chain_root);
	json_text(j, "browsers_must_trust", c->trust);
	if (c->verify == PROBE_VERIFY_NONE)
		json_null(j, "verified");
	else
		json_bool(j, "verified", c->verify == PROBE_VERIFY_OK);
	json_text(j, "verify_error", c->verify_error);
	json_text(j, "tls_version", c->tls_version);
	json_text(j, "cipher", c->cipher);
}

static void
print_json(const struct probe_seen *s)
{
	const struct target *t = s->t;
	struct buf b = BUF_INIT;
	struct json j;

	json_head(&j, &b, t, s->port, s->v);
	json_str(&j, "outcome", probe_outcome_name(s->outcome));
	json_str(&j, "error", s->c == NULL ? s->why : NULL);
	if (s->c != NULL)
		json_cert(&j, s->c);
	if (s->v != NULL) {
		json_obj(&j, "cucm");
		json_str(&j, "cluster", t->cluster);
		json_time(&j, "lsc_valid_until", t->lsc_valid_until);
		json_text(&j, "lsc_issuer", t->lsc_issuer);
		json_bool(&j, "agrees", s->v->validity_agrees);
		if (s->v->issuer_agrees == -1)
			json_null(&j, "issuer_agrees");
		else
			json_bool(&j, "issuer_agrees", s->v->issuer_agrees);
		json_text(&j, "note", s->v->validity_agrees ? NULL :
		    s->v->reason);
		json_end(&j);
	} else
		json_null(&j, "cucm");
	cli_json_out(&j, &b);
}

void
probe_show(const struct cli *cli, const struct probe_seen *s, int first,
    int brief)
{
	if (cli->json)
		print_json(s);
	else if (s->c == NULL && !brief)
		cli_printf(stderr, "lscrenew probe: %s\n", s->why);
	else if (brief)
		cli_printf(stdout, "%s %s: %s%s%s: %s\n", s->t->name,
		    s->t->host, s->c != NULL ? audit_kind_name(s->c->kind) :
		    probe_outcome_name(s->outcome), s->v != NULL ? ", " : "",
		    s->v != NULL ? audit_class_name(s->v->class) : "",
		    s->v != NULL ? s->v->reason : s->why);
	else
		print_text(s, first, cli->now);
	/* with --json a failure is said on stderr too, as without */
	if (cli->json && s->c == NULL && !brief)
		cli_printf(stderr, "lscrenew probe: %s\n", s->why);
	fflush(stdout);
}

int
probe_fail(const struct cli *cli, int status, const struct target *t,
    unsigned port, const struct audit_verdict *v, const char *fmt, ...)
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
		json_head(&j, &b, t, port, v);
		json_text(&j, "error", msg);
		cli_json_out(&j, &b);
	}
	return status;
}
