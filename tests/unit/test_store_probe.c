/*
 * test_store_probe.c — probe results in the state store: recording with
 * the CAs a phone sent, the latest probe per phone, a phone's history, and
 * retention.  A real SQLite file in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jobs/store.h"
#include "tests/unit/fixture_store.h"
#include "jobs/store_probe.h"

#define NOW ((int64_t)1800000000)
#define ROOT "aa11"
#define ISSUING "bb22"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lsc_err e;

	snprintf(f->dir, sizeof(f->dir), "/tmp/lsc-sprobe-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/lscrenew.db", f->dir);
	if ((f->s = store_open(f->path, STORE_RW, &e)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	const char *sfx[] = { "", "-wal", "-shm" };

	store_close(f->s);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static const unsigned char der_root[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
static const unsigned char der_issuing[] = { 0x30, 0x03, 0x02, 0x01, 0x02 };

static const struct store_probe_ca cas[] = {
	{ ISSUING, "CN=Issuing", "CN=Root", "22", "11", 0, der_issuing,
	    sizeof(der_issuing), NOW },
	{ ROOT, "CN=Root", "CN=Root", "11", NULL, 1, der_root,
	    sizeof(der_root), NOW },
};

static struct store_probe
presented(const char *phone, int64_t at, const char *serial)
{
	struct store_probe p = {
		.cluster = "sim", .phone = phone, .at = at,
		.address = "127.1.0.5", .port = 8443, .outcome = "presented",
		.kind = "enterprise_lsc", .subject = "CN=SEP1",
		.issuer = "CN=Issuing", .serial = serial,
		.not_before = at - 86400, .not_after = at + 86400 * 365,
		.sha256 = "cc33", .aki = "22", .chain = ISSUING " " ROOT,
		.verified = -1, .class = "agrees",
		.class_reason = "presents the LSC CUCM records"
	};

	return p;
}

static struct store_probe
failed(const char *phone, const char *address, int64_t at)
{
	struct store_probe p = {
		.cluster = "sim", .phone = phone, .at = at, .address = address,
		.port = 443, .outcome = "refused",
		.reason = "connect: Connection refused", .verified = -1,
		.class = "unreachable", .class_reason = "refused"
	};

	return p;
}

struct seen {
	int		 n;
	char		 line[8][160];
};

static int
see_probe(void *arg, const struct store_probe *p, struct lsc_err *e)
{
	struct seen *s = arg;

	(void)e;
	if (s->n < 8)
		snprintf(s->line[s->n], sizeof(s->line[0]),
		    "%s %s %lld %s %s %s %d %s", p->cluster,
		    p->phone != NULL ? p->phone : "-", (long long)p->at,
		    p->address, p->outcome, p->serial != NULL ? p->serial :
		    "-", p->verified, p->chain != NULL ? p->chain : "-");
	s->n++;
	return 0;
}

static int
see_ca(void *arg, const struct store_probe_ca *c, struct lsc_err *e)
{
	struct seen *s = arg;

	(void)e;
	if (s->n < 8)
		snprintf(s->line[s->n], sizeof(s->line[0]), "%s %s %s %d %zu"
		    " %02x", c->sha256, c->subject, c->ski != NULL ? c->ski :
		    "-", c->self_signed, c->der_len, c->der[4]);
	s->n++;
	return 0;
}

static void
test_add_and_read(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store_probe a = presented("SEPA", NOW, "01"),
	    a2 = presented("SEPA", NOW + 60, "02"),
	    b = failed(NULL, "10.0.0.9", NOW);
	struct seen s = { 0 };
	int64_t id = 0;

	a.verified = 1;
	assert_int_equal(store_probe_add(f->s, &a, cas, 2, &id, &e), 0);
	assert_true(id > 0);
	/* the same CAs again: kept once */
	assert_int_equal(store_probe_add(f->s, &a2, cas, 2, NULL, &e), 0);
	assert_int_equal(store_probe_add(f->s, &b, NULL, 0, NULL, &e), 0);

	assert_int_equal(store_each_latest_probe(f->s, NULL, see_probe, &s,
	    &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "sim - 1800000000 10.0.0.9 refused - "
	    "-1 -");
	assert_string_equal(s.line[1], "sim SEPA 1800000060 127.1.0.5 "
	    "presented 02 -1 " ISSUING " " ROOT);

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_phone_probe(f->s, "sim", "SEPA", 0,
	    see_probe, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(s.line[0], " 02 -1 "));	/* newest first */
	assert_non_null(strstr(s.line[1], " 01 1 "));

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_probe_ca(f->s, see_ca, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], ROOT " CN=Root 11 1 5 01");
	assert_string_equal(s.line[1], ISSUING " CN=Issuing 22 0 5 02");
}

static void
test_cluster_filter_and_limit(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store_probe a = presented("SEPA", NOW, "01"),
	    b = failed("SEPB", "10.0.0.9", NOW);
	struct seen s = { 0 };

	b.cluster = "other";
	assert_int_equal(store_probe_add(f->s, &a, cas, 2, NULL, &e), 0);
	a.at += 10;
	assert_int_equal(store_probe_add(f->s, &a, cas, 2, NULL, &e), 0);
	assert_int_equal(store_probe_add(f->s, &b, NULL, 0, NULL, &e), 0);
	assert_int_equal(store_each_latest_probe(f->s, "other", see_probe, &s,
	    &e), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.line[0], "other SEPB 1800000000 10.0.0.9 "
	    "refused - -1 -");
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_phone_probe(f->s, "sim", "SEPA", 1,
	    see_probe, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.line[0], "1800000010"));
}

static int
stop(void *arg, const struct store_probe *p, struct lsc_err *e)
{
	(void)arg;
	(void)p;
	return err_set(e, ERR_USAGE, "stopped");
}

/* A failed insert leaves nothing behind, in its own transaction or the
 * caller's. */
static void
test_add_is_atomic(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store_probe a = presented("SEPA", NOW, "01");
	struct seen s = { 0 };

	a.address = NULL;	/* NOT NULL: the insert fails after the CAs */
	assert_int_equal(store_probe_add(f->s, &a, cas, 2, NULL, &e), -1);
	assert_int_equal(e.kind, ERR_STORE);
	assert_non_null(strstr(e.msg, "recording a probe"));
	assert_int_equal(store_each_probe_ca(f->s, see_ca, &s, &e), 0);
	assert_int_equal(s.n, 0);

	a.address = "127.1.0.5";
	assert_int_equal(store_begin(f->s, &e), 0);
	assert_int_equal(store_probe_add(f->s, &a, cas, 2, NULL, &e), 0);
	assert_int_equal(store_commit(f->s, &e), 0);
	assert_int_equal(store_each_latest_probe(f->s, NULL, stop, NULL, &e),
	    -1);
	assert_string_equal(e.msg, "stopped");
}

static void
test_retention(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store_probe old = presented("SEPA", NOW - 1000, "01"),
	    new = presented("SEPA", NOW, "02"),
	    lone = presented("SEPB", NOW - 1000, "03"),
	    gone = failed(NULL, "10.0.0.9", NOW - 2000),
	    gone2 = failed(NULL, "10.0.0.9", NOW - 1000);
	struct seen s = { 0 };
	unsigned long deleted = 0;

	/* the only probe naming the issuing CA is pruned: so is the CA */
	old.chain = ISSUING " " ROOT;
	new.chain = ROOT;
	lone.chain = ROOT;
	assert_int_equal(store_probe_add(f->s, &old, cas, 2, NULL, &e), 0);
	assert_int_equal(store_probe_add(f->s, &new, cas + 1, 1, NULL, &e), 0);
	assert_int_equal(store_probe_add(f->s, &lone, cas + 1, 1, NULL, &e),
	    0);
	assert_int_equal(store_probe_add(f->s, &gone, NULL, 0, NULL, &e), 0);
	assert_int_equal(store_probe_add(f->s, &gone2, NULL, 0, NULL, &e), 0);

	assert_int_equal(store_prune(f->s, NOW - 10, &deleted, &e), 0);
	assert_int_equal(deleted, 3);	/* old, gone, the issuing CA */
	assert_int_equal(store_each_latest_probe(f->s, NULL, see_probe, &s,
	    &e), 0);
	assert_int_equal(s.n, 3);	/* the latest of each stays */
	assert_non_null(strstr(s.line[0], "10.0.0.9"));
	assert_non_null(strstr(s.line[0], "1799999000"));
	assert_non_null(strstr(s.line[1], "SEPA 1800000000"));
	assert_non_null(strstr(s.line[2], "SEPB"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_phone_probe(f->s, "sim", "SEPA", 0,
	    see_probe, &s, &e), 0);
	assert_int_equal(s.n, 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_each_probe_ca(f->s, see_ca, &s, &e), 0);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.line[0], ROOT " CN=Root"));
	assert_int_equal(store_check(f->s, &e), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_and_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cluster_filter_and_limit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_is_atomic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
