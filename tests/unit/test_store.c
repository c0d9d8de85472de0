/*
 * test_store.c — the SQLite state store: schema and migrations from every
 * earlier version, phones and their history, observations, claims,
 * marks, retention.  Real SQLite files in a temporary directory.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "jobs/store.h"
#include "jobs/store_int.h"
#include "tests/unit/fixture_store.h"

/* The schema version of an open store (PRAGMA user_version); -1 when it
 * cannot be read. */
static int
store_schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

#define NOW ((int64_t)1800000000)

struct fx {
	char	 dir[64];
	char	 path[128];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/lsc-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/lscrenew.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];
	const char *sfx[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, sfx[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct store_phone
phone(const char *name, enum phone_state s, const char *reason)
{
	struct store_phone p;

	memset(&p, 0, sizeof(p));
	p.cluster = "sim";
	p.name = name;
	p.campaign = "nightly";
	p.pool = "HQ Phones";
	p.model = "Cisco 8845";
	p.description = "Lobby & <front> \"desk\" \xc3\xa9";
	p.lsc_valid_until = NOW + 86400;
	p.mem.state = s;
	snprintf(p.mem.reason, sizeof(p.mem.reason), "%s", reason);
	return p;
}

static void
put(struct store *s, int64_t run, const struct store_phone *p,
    const struct phone_memory *old)
{
	struct lsc_err e;

	assert_int_equal(store_begin(s, &e), 0);
	assert_int_equal(store_phone_put(s, run, NOW, p, old, &e), 0);
	assert_int_equal(store_commit(s, &e), 0);
}

struct count {
	unsigned n;
	char	 last[64];
};

static int
count_event(void *arg, const struct store_event *ev, struct lsc_err *e)
{
	struct count *c = arg;

	(void)e;
	c->n++;
	snprintf(c->last, sizeof(c->last), "%s", phone_state_name(
	    ev->new_state));
	return 0;
}

static int
count_phone(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct count *c = arg;

	(void)e;
	c->n++;
	snprintf(c->last, sizeof(c->last), "%s", p->name);
	return 0;
}

static void
test_create(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct stat st;

	assert_non_null(s);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_check(s, &e), 0);
	store_close(s);
	/* umask 077 in main; the file holds the state of the cluster */
	assert_int_equal(stat(f->path, &st), 0);
}

/* Builds a store at version v with one phone as that version knew it. */
static void
old_store(const char *path, int v)
{
	struct lsc_err e;
	struct store *s = store_open_version(path, v, &e);

	assert_non_null(s);
	assert_int_equal(store_schema_version(s), v);
	assert_int_equal(store_exec(s, "INSERT INTO phone (cluster, name, "
	    "pool, state, reason, first_offline, attempts) VALUES ('sim', "
	    "'SEP00000000AAAA', 'HQ', 'left_behind', 'offline since "
	    "2026-01-01', 1767225600, 4); INSERT INTO event (run, time, "
	    "cluster, name, old_state, new_state, reason) VALUES (1, "
	    "1767225600, 'sim', 'SEP00000000AAAA', 'due', 'left_behind', "
	    "'offline')", &e), 0);
	store_close(s);
}

static void
check_migrated(const char *path)
{
	struct lsc_err e;
	struct store *s = store_open(path, STORE_RW, &e);
	struct store_phone p;
	struct count c = { 0, "" };
	int found = 0;

	assert_non_null(s);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_phone_get(s, "sim", "SEP00000000AAAA", &p,
	    &found, &e), 0);
	assert_true(found);
	/* nothing recorded is lost */
	assert_int_equal(p.mem.state, PS_LEFT_BEHIND);
	assert_int_equal(p.mem.first_offline, 1767225600);
	assert_int_equal(p.mem.attempts, 4);
	assert_string_equal(p.mem.reason, "offline since 2026-01-01");
	assert_int_equal(p.mem.phase, OP_NONE);
	assert_int_equal(store_each_event(s, "sim", "SEP00000000AAAA", 0,
	    count_event, &c, &e), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(store_check(s, &e), 0);
	store_close(s);
}

static void
test_migrate_from_every_version(void **state)
{
	struct fx *f = *state;
	char p[160];

	for (int v = 1; v < STORE_SCHEMA_VERSION; v++) {
		snprintf(p, sizeof(p), "%s/v%d.db", f->dir, v);
		old_store(p, v);
		check_migrated(p);
		unlink(p);
		snprintf(p, sizeof(p), "%s/v%d.db-wal", f->dir, v);
		unlink(p);
		snprintf(p, sizeof(p), "%s/v%d.db-shm", f->dir, v);
		unlink(p);
	}
}

static void
test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);

	assert_non_null(s);
	assert_int_equal(store_exec(s, "PRAGMA user_version = 99", &e), 0);
	store_close(s);
	err_clear(&e);
	assert_null(store_open(f->path, STORE_RW, &e));
	assert_int_equal(e.kind, ERR_STORE);
	assert_non_null(strstr(e.msg, "schema version 99 is newer"));
}

static void
test_readonly(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s;
	struct count n = { 0, "" };

	err_clear(&e);
	assert_null(store_open(f->path, STORE_RO, &e));
	assert_non_null(strstr(e.msg, "no state store yet"));
	old_store(f->path, 1);
	err_clear(&e);
	assert_null(store_open(f->path, STORE_RO, &e));
	assert_non_null(strstr(e.msg, "schema version 1"));
	s = store_open(f->path, STORE_RW, &e);
	store_close(s);
	s = store_open(f->path, STORE_RO, &e);
	assert_non_null(s);
	/* a read-only store reads, and refuses writes */
	assert_int_equal(store_each_phone(s, NULL, count_phone, &n, &e), 0);
	assert_int_equal(n.n, 1);
	assert_int_equal(store_begin(s, &e), 0);
	assert_int_equal(store_listed(s, "sim", "HQ", NULL, 1, NOW, &e), -1);
	assert_int_equal(e.kind, ERR_STORE);
	store_rollback(s);
	store_close(s);
}

static void
test_phone_roundtrip_and_events(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_phone p = phone("SEP001122334455", PS_DUE,
	    "LSC expires in 12 days"), got;
	struct phone_memory before;
	struct count c = { 0, "" };
	int found;

	assert_non_null(s);
	put(s, 1, &p, NULL);
	assert_int_equal(store_phone_get(s, "sim", "SEP001122334455", &got,
	    &found, &e), 0);
	assert_true(found);
	assert_string_equal(got.description, p.description);
	assert_int_equal(got.mem.state, PS_DUE);

	/* same state, same reason: no event */
	before = p.mem;
	put(s, 2, &p, &before);
	/* a state change: an event naming its run */
	p.mem.state = PS_LEFT_BEHIND;
	snprintf(p.mem.reason, sizeof(p.mem.reason), "offline since X");
	put(s, 3, &p, &before);
	/* a changed reason in a state a report shows: an event */
	before = p.mem;
	snprintf(p.mem.reason, sizeof(p.mem.reason), "offline since Y");
	put(s, 4, &p, &before);
	assert_int_equal(store_each_event(s, NULL, "SEP001122334455", 0,
	    count_event, &c, &e), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.last, "left_behind");
	assert_int_equal(store_phone_get(s, "sim", "nope", &got, &found, &e),
	    0);
	assert_false(found);
	store_close(s);
}

static void
test_filters_and_urgency(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_filter fl;
	struct store_phone a = phone("SEPA", PS_LEFT_BEHIND, "x"),
	    b = phone("SEPB", PS_OK, "x"), c = phone("SEPC", PS_ABANDONED, "x");
	struct count n = { 0, "" };

	a.lsc_valid_until = NOW + 10;
	c.lsc_valid_until = NOW - 10;
	put(s, 1, &a, NULL);
	put(s, 1, &b, NULL);
	put(s, 1, &c, NULL);
	memset(&fl, 0, sizeof(fl));
	fl.states = 1u << PS_LEFT_BEHIND | 1u << PS_ABANDONED;
	fl.order = STORE_ORDER_URGENCY;
	assert_int_equal(store_each_phone(s, &fl, count_phone, &n, &e), 0);
	assert_int_equal(n.n, 2);
	assert_string_equal(n.last, "SEPA");	/* expired SEPC came first */
	store_close(s);
}

static void
test_audit_and_runs(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_counts c;
	struct store_run r;
	int64_t run, id;
	int found;

	assert_int_equal(store_run_begin(s, NOW, "nightly", 42, &run, &e), 0);
	assert_int_equal(store_audit_begin(s, run, NOW, "sim", "SEPA",
	    "updatePhone", "certificateOperation=Install/Upgrade", &id, &e),
	    0);
	assert_int_equal(store_audit_end(s, id, "ok", &e), 0);
	memset(&c, 0, sizeof(c));
	c.phones = 3;
	c.queued = 1;
	c.state[PS_PENDING] = 1;
	c.state[PS_LEFT_BEHIND] = 2;
	assert_int_equal(store_last_run(s, &r, &found, &e), 0);
	assert_false(found);	/* a run still going is not "last" */
	assert_int_equal(store_run_finish(s, run, NOW + 60, 1, &c,
	    "listPhone=1", NULL, &e), 0);
	assert_int_equal(store_last_run(s, &r, &found, &e), 0);
	assert_true(found);
	assert_int_equal(r.exit_status, 1);
	assert_int_equal(r.counts.queued, 1);
	assert_int_equal(r.counts.state[PS_LEFT_BEHIND], 2);
	assert_string_equal(r.calls, "listPhone=1");
	store_close(s);
}

/* Whether a phone's rewrite would change anything: every field counts
 * but its id, last run and time of writing. */
static void
test_phone_differs(void **state)
{
	struct store_phone a = phone("SEPA", PS_DUE, "LSC expires in 3 days"),
	    b;
	char	 pool[16];

	(void)state;
	b = a;
	b.id = 7;
	b.last_run = 9;
	b.updated = 11;
	assert_false(store_phone_differs(&a, &b));
	snprintf(pool, sizeof(pool), "%s", a.pool);
	b.pool = pool;		/* equal text elsewhere */
	assert_false(store_phone_differs(&a, &b));
	b = a;
	b.last_ip = "10.0.0.1";
	assert_true(store_phone_differs(&a, &b));
	b = a;
	b.lsc_issuer = NULL;
	a.lsc_issuer = "CN=CAPF";
	assert_true(store_phone_differs(&a, &b));
	a.lsc_issuer = NULL;
	b = a;
	b.mem.attempts++;
	assert_true(store_phone_differs(&a, &b));
	b = a;
	snprintf(b.mem.reason, sizeof(b.mem.reason), "LSC expires in 2 days");
	assert_true(store_phone_differs(&a, &b));
	b = a;
	b.last_seen = 1;
	assert_true(store_phone_differs(&a, &b));
}

struct seen_ids {
	int64_t		 id;
	const char	*pool;
	const char	*like;
};

static int
seen_one(void *arg, int64_t id)
{
	return ((struct seen_ids *)arg)->id == id;
}

/* A pool read in full, with a pattern; "SEP%" by hand for the test. */
static int
listed_one(void *arg, const char *pool, const char *name)
{
	const struct seen_ids *s = arg;

	return strcmp(pool, s->pool) == 0 && (s->like == NULL ||
	    strncmp(name, "SEP", 3) == 0);
}

/* The phones of a pool read in full that the read did not see, not
 * written by the run: deleted from CUCM. */
static void
test_unseen_are_gone_candidates(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_phone a = phone("SEPA", PS_LEFT_BEHIND, "x"),
	    b = phone("SEPB", PS_OK, "x"), c = phone("SEPC", PS_OK, "x"),
	    d = phone("CSFD", PS_OK, "x"), g = phone("SEPG", PS_GONE, "x"),
	    o = phone("SEPO", PS_OK, "x"), got;
	struct count n = { 0, "" };
	struct seen_ids seen = { 0, "HQ Phones", "SEP%" };
	int	 found;

	put(s, 1, &a, NULL);
	put(s, 1, &b, NULL);
	c.last_run = 2;		/* written by run 2 */
	put(s, 2, &c, NULL);
	put(s, 1, &d, NULL);
	put(s, 1, &g, NULL);
	o.pool = "BR";
	put(s, 1, &o, NULL);
	o.cluster = "other";
	o.pool = "HQ Phones";
	put(s, 1, &o, NULL);
	assert_int_equal(store_phone_get(s, "sim", "SEPB", &got, &found, &e),
	    0);
	assert_true(found && got.id > 0);
	seen.id = got.id;
	assert_int_equal(store_each_unseen(s, "sim", 2, listed_one, seen_one,
	    &seen, count_phone, &n, &e), 0);
	assert_int_equal(n.n, 1);
	assert_string_equal(n.last, "SEPA");
	/* without a pattern, CSFD is one too; other pools and clusters not */
	memset(&n, 0, sizeof(n));
	seen.like = NULL;
	assert_int_equal(store_each_unseen(s, "sim", 2, listed_one, seen_one,
	    &seen, count_phone, &n, &e), 0);
	assert_int_equal(n.n, 2);
	store_close(s);
}

/* A phone not written by a run that read its pool in full was seen by
 * it: its last run is that run's, while it is not gone. */
static void
test_listing_is_a_last_run(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_phone a = phone("SEPA", PS_OK, "x"),
	    b = phone("CSFB", PS_OK, "x"), got;
	int	 found;

	a.last_run = b.last_run = 3;
	put(s, 3, &a, NULL);
	put(s, 3, &b, NULL);
	assert_int_equal(store_begin(s, &e), 0);
	assert_int_equal(store_listed(s, "sim", "HQ Phones", "SEP%", 5, NOW,
	    &e), 0);
	assert_int_equal(store_listed(s, "sim", "HQ Phones", "SEP%", 7, NOW,
	    &e), 0);
	assert_int_equal(store_commit(s, &e), 0);
	assert_int_equal(store_phone_get(s, "sim", "SEPA", &got, &found, &e),
	    0);
	assert_int_equal(got.last_run, 7);
	assert_int_equal(store_phone_get(s, "sim", "CSFB", &got, &found, &e),
	    0);
	assert_int_equal(got.last_run, 3);
	a.mem.state = PS_GONE;
	put(s, 3, &a, NULL);
	assert_int_equal(store_phone_get(s, "sim", "SEPA", &got, &found, &e),
	    0);
	assert_int_equal(got.last_run, 3);
	store_close(s);
}

static int
mark_count(void *arg, const char *cluster, const char *name,
    enum phone_state ps, struct lsc_err *e)
{
	unsigned *n = arg;

	(void)cluster;
	(void)name;
	(void)ps;
	(void)e;
	(*n)++;
	return 0;
}

static void
test_marks(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	int64_t m1, m2, m, t;
	unsigned n = 0;
	int found;

	assert_int_equal(store_mark_begin(s, "left-behind", NOW, &m1, &e), 0);
	assert_int_equal(store_mark_add(s, m1, "sim", "SEPA", PS_LEFT_BEHIND,
	    &e), 0);
	assert_int_equal(store_mark_begin(s, "left-behind", NOW + 10, &m2,
	    &e), 0);
	assert_int_equal(store_mark_last(s, "left-behind", m2, &m, &t, &found,
	    &e), 0);
	assert_true(found);
	assert_int_equal(m, m1);
	assert_int_equal(store_each_mark(s, m, mark_count, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_mark_last(s, "left-behind", m1, &m, &t, &found,
	    &e), 0);
	assert_false(found);
	store_close(s);
}

static void
test_prune_keeps_what_reports_need(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_phone a = phone("SEPA", PS_LEFT_BEHIND, "offline"),
	    b = phone("SEPB", PS_OK, "not due");
	struct count ca = { 0, "" }, cb = { 0, "" };
	unsigned long deleted = 0;

	put(s, 1, &a, NULL);
	put(s, 1, &b, NULL);
	assert_int_equal(store_prune(s, NOW + 1, &deleted, &e), 0);
	assert_int_equal(store_each_event(s, NULL, "SEPA", 0, count_event,
	    &ca, &e), 0);
	assert_int_equal(store_each_event(s, NULL, "SEPB", 0, count_event,
	    &cb, &e), 0);
	assert_int_equal(ca.n, 1);	/* left behind: kept whatever its age */
	assert_int_equal(cb.n, 0);	/* ok, older than retention: pruned */
	assert_true(deleted >= 1);
	assert_int_equal(store_check(s, &e), 0);
	store_close(s);
}

static void
test_reset(void **state)
{
	struct fx *f = *state;
	struct lsc_err e;
	struct store *s = store_open(f->path, STORE_RW, &e);
	struct store_phone a = phone("SEPA", PS_ABANDONED, "abandoned"), got;
	int found;

	a.mem.attempts = 9;
	a.mem.first_offline = NOW - 100;
	put(s, 1, &a, NULL);
	assert_int_equal(store_phone_reset(s, NOW, "sim", "SEPA", &found, &e),
	    0);
	assert_true(found);
	assert_int_equal(store_phone_get(s, "sim", "SEPA", &got, &found, &e),
	    0);
	assert_int_equal(got.mem.state, PS_DUE);
	assert_int_equal(got.mem.attempts, 0);
	assert_int_equal(got.mem.first_offline, 0);
	assert_non_null(strstr(got.mem.reason, "reset by an administrator "
	    "(was abandoned)"));
	assert_int_equal(store_phone_reset(s, NOW, "sim", "SEPZ", &found, &e),
	    0);
	assert_false(found);
	store_close(s);
}

static void
test_unwritable_dir(void **state)
{
	struct lsc_err e;

	(void)state;
	err_clear(&e);
	assert_null(store_open("/nonexistent-dir/lscrenew.db", STORE_RW, &e));
	assert_int_equal(e.kind, ERR_STORE);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/lscrenew.db"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_every_version,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phone_roundtrip_and_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters_and_urgency, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_and_runs, setup,
		    teardown),
		cmocka_unit_test(test_phone_differs),
		cmocka_unit_test_setup_teardown(test_listing_is_a_last_run,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unseen_are_gone_candidates,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_prune_keeps_what_reports_need, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test(test_unwritable_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
