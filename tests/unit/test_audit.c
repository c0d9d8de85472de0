/*
 * test_audit.c — audit_classify(), every class as a table, and the store
 * row audit_to_store() makes of a probe.
 *
 * Each row: what the phone presented (or how the probe failed), what CUCM
 * records and what the campaign wants; then the class and a piece of the
 * reason an administrator will read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/audit.h"

#define NOW	((int64_t)1800000000)	/* 2027-01-15 08:00 UTC */
#define DAY	((int64_t)86400)

struct row {
	const char	*title;
	/* the phone */
	enum probe_outcome outcome;
	enum probe_kind	 kind;
	const char	*issuer_cn;
	int64_t		 not_after;	/* relative to NOW */
	/* CUCM and the campaign */
	int		 unknown;
	int64_t		 lsc;		/* relative; 0: no LSC */
	const char	*lsc_issuer;
	int64_t		 renew_before;
	const char	*expected;
	/* the verdict */
	enum audit_class want;
	int		 validity_agrees;
	int		 issuer_agrees;
	const char	*reason;	/* a piece of it */
};

#define CAPF	"CAPF-7cceb445"
#define ACME	"Acme Issuing CA 1"

static const struct row rows[] = {
	{ "LSC as recorded", PROBE_PRESENTED, PROBE_LSC_CAPF, CAPF, 400 * DAY,
	  0, 400 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_AGREES, 1, 1, "presents the LSC CUCM records (valid until "
	  "2028-02-19)" },
	{ "dates within a minute agree", PROBE_PRESENTED, PROBE_LSC_CA, ACME,
	  400 * DAY + 59, 0, 400 * DAY, ACME, 30 * DAY, ACME,
	  AUDIT_AGREES, 1, 1, "presents the LSC CUCM records" },
	{ "MIC, no LSC recorded", PROBE_PRESENTED, PROBE_MIC,
	  "Cisco Manufacturing CA SHA2", 3000 * DAY, 0, 0, NULL, 30 * DAY,
	  CAPF, AUDIT_AGREES, 1, -1, "presents its MIC; CUCM records no LSC" },
	{ "MIC although CUCM records an LSC", PROBE_PRESENTED, PROBE_MIC,
	  "Cisco Manufacturing CA SHA2", 3000 * DAY, 0, 400 * DAY, CAPF,
	  30 * DAY, NULL, AUDIT_MIC_NOT_LSC, 0, -1,
	  "presents its MIC, not the LSC CUCM records" },
	{ "self-signed although CUCM records an LSC", PROBE_PRESENTED,
	  PROBE_SELF_SIGNED, "SEP1", 3000 * DAY, 0, 400 * DAY, CAPF, 30 * DAY,
	  NULL, AUDIT_OTHER_LSC, 0, -1, "a self-signed certificate, not the "
	  "LSC" },
	{ "renewed in CUCM, the old LSC still served", PROBE_PRESENTED,
	  PROBE_LSC_CAPF, CAPF, 10 * DAY, 0, 730 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_OTHER_LSC, 0, 1, "still presents an older LSC (valid until "
	  "2027-01-25; CUCM records 2029-01-14)" },
	{ "newer on the phone than in CUCM", PROBE_PRESENTED, PROBE_LSC_CAPF,
	  CAPF, 730 * DAY, 0, 10 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_OTHER_LSC, 0, 1, "presents a newer LSC than CUCM records" },
	{ "an LSC CUCM does not record", PROBE_PRESENTED, PROBE_LSC_CAPF, CAPF,
	  400 * DAY, 0, 0, NULL, 30 * DAY, NULL,
	  AUDIT_OTHER_LSC, 0, -1, "CUCM knows no LSC, but the phone presents "
	  "one (issued by " CAPF },
	{ "same dates, another issuer", PROBE_PRESENTED, PROBE_LSC_CA, ACME,
	  400 * DAY, 0, 400 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_OTHER_LSC, 1, 0, "issued by " ACME "; CUCM records one issued "
	  "by " CAPF },
	{ "issuer compared without case", PROBE_PRESENTED, PROBE_LSC_CAPF,
	  "capf-7CCEB445", 400 * DAY, 0, 400 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_AGREES, 1, 1, "presents the LSC" },
	{ "inside renew_before", PROBE_PRESENTED, PROBE_LSC_CAPF, CAPF,
	  20 * DAY, 0, 20 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_EXPIRING, 1, 1, "expires on 2027-02-04, inside renew_before "
	  "(30 days)" },
	{ "expired, as CUCM records", PROBE_PRESENTED, PROBE_LSC_CAPF, CAPF,
	  -DAY, 0, -DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_EXPIRING, 1, 1, "expired on 2027-01-14" },
	{ "an expired MIC", PROBE_PRESENTED, PROBE_MIC, "Cisco Manufacturing "
	  "CA SHA2", -DAY, 0, 0, NULL, 30 * DAY, NULL,
	  AUDIT_EXPIRING, 1, -1, "expired on" },
	{ "no campaign: renew_before not known", PROBE_PRESENTED,
	  PROBE_LSC_CAPF, CAPF, 20 * DAY, 0, 20 * DAY, CAPF, 0, NULL,
	  AUDIT_AGREES, 1, 1, "presents the LSC" },
	{ "expected_issuer as a whole name", PROBE_PRESENTED, PROBE_LSC_CA,
	  ACME, 400 * DAY, 0, 400 * DAY, ACME, 30 * DAY, "cn=" ACME ",O=Acme",
	  AUDIT_AGREES, 1, 1, "presents the LSC" },
	{ "a whole name must match whole", PROBE_PRESENTED, PROBE_LSC_CA,
	  ACME, 400 * DAY, 0, 400 * DAY, ACME, 30 * DAY, "CN=" ACME,
	  AUDIT_ISSUER_DIFFERS, 1, 1, "not by the expected_issuer CN=" },
	{ "another issuer than expected_issuer", PROBE_PRESENTED,
	  PROBE_LSC_CAPF, CAPF, 400 * DAY, 0, 400 * DAY, CAPF, 30 * DAY, ACME,
	  AUDIT_ISSUER_DIFFERS, 1, 1, "issued by " CAPF ", not by the "
	  "expected_issuer " ACME },
	{ "expected_issuer does not apply to a MIC", PROBE_PRESENTED,
	  PROBE_MIC, "Cisco Manufacturing CA SHA2", 3000 * DAY, 0, 0, NULL,
	  30 * DAY, ACME, AUDIT_AGREES, 1, -1, "presents its MIC" },
	{ "not in CUCM", PROBE_PRESENTED, PROBE_LSC_CAPF, CAPF, 400 * DAY,
	  1, 400 * DAY, CAPF, 30 * DAY, NULL,
	  AUDIT_NOT_IN_CUCM, 1, 1, "CUCM has no phone of that name" },
	{ "refused", PROBE_REFUSED, PROBE_MIC, NULL, 0, 0, 400 * DAY, CAPF,
	  30 * DAY, NULL, AUDIT_UNREACHABLE, 0, -1,
	  "127.1.0.5:443: connect: Connection refused" },
	{ "unreachable wins over not in CUCM", PROBE_TIMEOUT, PROBE_MIC, NULL,
	  0, 1, 0, NULL, 0, NULL, AUDIT_UNREACHABLE, 0, -1,
	  "127.1.0.5:443: connect: Connection refused" },
};

static void
test_table(void **state)
{
	struct probe_cert c;
	struct audit_cucm k;
	struct audit_verdict v;
	const struct row *r;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		r = &rows[i];
		memset(&c, 0, sizeof(c));
		c.kind = r->kind;
		snprintf(c.issuer_cn, sizeof(c.issuer_cn), "%s",
		    r->issuer_cn != NULL ? r->issuer_cn : "");
		snprintf(c.issuer, sizeof(c.issuer), "CN=%s, O=Acme",
		    c.issuer_cn);
		c.not_after = NOW + r->not_after;
		memset(&k, 0, sizeof(k));
		k.known = !r->unknown;
		k.lsc_valid_until = r->lsc != 0 ? NOW + r->lsc : 0;
		k.lsc_issuer = r->lsc_issuer;
		k.renew_before = r->renew_before;
		k.expected_issuer = r->expected;
		audit_classify(r->outcome, r->outcome == PROBE_PRESENTED ? &c :
		    NULL, r->outcome == PROBE_PRESENTED ? NULL : "127.1.0.5:443: "
		    "connect: Connection refused", &k, NOW, &v);
		if (v.class != r->want || strstr(v.reason, r->reason) == NULL ||
		    (r->outcome == PROBE_PRESENTED && (v.validity_agrees !=
		    r->validity_agrees || v.issuer_agrees != r->issuer_agrees)))
			fail_msg("%s: got %s (%s), validity %d, issuer %d; "
			    "want %s with \"%s\"", r->title,
			    audit_class_name(v.class), v.reason,
			    v.validity_agrees, v.issuer_agrees,
			    audit_class_name(r->want), r->reason);
		assert_null(strchr(v.reason, '\n'));
	}
}

/* The row of a presented chain: fingerprints as sent, the CAs whole. */
static void
test_to_store(void **state)
{
	struct probe_cert *c = calloc(1, sizeof(*c));
	struct audit_verdict v;
	struct audit_cucm k = { 1, NOW + 400 * DAY, ACME, 30 * DAY, NULL };
	struct store_probe p;
	struct store_probe_ca cas[PROBE_CHAIN_MAX];
	char chain[PROBE_CHAIN_MAX * 66];
	size_t n;

	(void)state;
	assert_non_null(c);
	c->kind = PROBE_LSC_CA;
	snprintf(c->issuer_cn, sizeof(c->issuer_cn), ACME);
	snprintf(c->subject, sizeof(c->subject), "CN=SEP1");
	snprintf(c->serial, sizeof(c->serial), "0A");
	c->not_after = NOW + 400 * DAY;
	c->chain_len = 3;
	snprintf(c->chain[0].sha256, 65, "%064d", 1);
	snprintf(c->chain[0].aki, 129, "ab01");
	snprintf(c->chain[1].sha256, 65, "%064d", 2);
	snprintf(c->chain[2].sha256, 65, "%064d", 3);
	c->chain[1].der_len = 5;	/* the root's DER did not fit: */
	c->chain[1].der_off = 0;	/* named in the chain, not kept */
	c->verify = PROBE_VERIFY_FAILED;
	snprintf(c->verify_error, sizeof(c->verify_error), "unable to get "
	    "local issuer certificate");
	audit_classify(PROBE_PRESENTED, c, NULL, &k, NOW, &v);
	audit_to_store("sim", "SEP1", "127.1.0.5", 443, NOW, PROBE_PRESENTED,
	    c, NULL, &v, &p, cas, &n, chain);
	assert_string_equal(p.outcome, "presented");
	assert_null(p.reason);
	assert_string_equal(p.kind, "enterprise_lsc");
	assert_string_equal(p.sha256, c->chain[0].sha256);
	assert_string_equal(p.aki, "ab01");
	assert_int_equal(strlen(p.chain), 64 * 2 + 1);
	assert_non_null(strstr(p.chain, c->chain[2].sha256));
	assert_int_equal(p.verified, 0);
	assert_string_equal(p.class, "agrees");
	assert_int_equal(n, 1);
	assert_string_equal(cas[0].sha256, c->chain[1].sha256);
	assert_int_equal(cas[0].der_len, 5);

	audit_classify(PROBE_NOT_TLS, NULL, "x: wrong version number", &k, NOW,
	    &v);
	audit_to_store("sim", "SEP1", "127.1.0.5", 443, NOW, PROBE_NOT_TLS,
	    NULL, "x: wrong version number", &v, &p, cas, &n, chain);
	assert_string_equal(p.outcome, "not_tls");
	assert_string_equal(p.reason, "x: wrong version number");
	assert_null(p.kind);
	assert_null(p.chain);
	assert_int_equal(p.verified, -1);
	assert_string_equal(p.class, "unreachable");
	assert_int_equal(n, 0);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_to_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
