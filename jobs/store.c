/*
 * store.c — the SQLite state store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "jobs/store.h"
#include "jobs/store_int.h"

/*
 * Forward migrations: migrations[i] takes a store from version i to i + 1.
 * Never edit a released step; append a new one and bump
 * STORE_SCHEMA_VERSION.
 */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: phones, runs, events */
	"CREATE TABLE phone ("
	"  cluster TEXT NOT NULL, name TEXT NOT NULL, campaign TEXT,"
	"  pool TEXT, model TEXT, description TEXT,"
	"  cert_operation TEXT, cert_status TEXT,"
	"  lsc_valid_until INTEGER NOT NULL DEFAULT 0, lsc_issuer TEXT,"
	"  last_ip TEXT, last_node TEXT, last_seen INTEGER NOT NULL DEFAULT 0,"
	"  last_run INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL, state_since INTEGER NOT NULL DEFAULT 0,"
	"  reason TEXT,"
	"  deadline INTEGER NOT NULL DEFAULT 0,"
	"  queued_at INTEGER NOT NULL DEFAULT 0,"
	"  prev_valid_until INTEGER NOT NULL DEFAULT 0,"
	"  first_offline INTEGER NOT NULL DEFAULT 0,"
	"  last_offline INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_retry INTEGER NOT NULL DEFAULT 0,"
	"  renewed_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (cluster, name));"
	"CREATE TABLE run ("
	"  id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
	"  finished INTEGER NOT NULL DEFAULT 0, campaigns TEXT,"
	"  mode TEXT NOT NULL DEFAULT 'run', pid INTEGER,"
	"  exit_status INTEGER NOT NULL DEFAULT -1, error TEXT, calls TEXT,"
	"  phones INTEGER NOT NULL DEFAULT 0, queued INTEGER NOT NULL DEFAULT 0,"
	"  renewed INTEGER NOT NULL DEFAULT 0,"
	"  newly_left_behind INTEGER NOT NULL DEFAULT 0,"
	"  errors INTEGER NOT NULL DEFAULT 0, states TEXT);"
	"CREATE TABLE event ("
	"  id INTEGER PRIMARY KEY, run INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  cluster TEXT NOT NULL, name TEXT NOT NULL, old_state TEXT,"
	"  new_state TEXT NOT NULL, reason TEXT);",

	/* 1 -> 2: the audit of writes, and the phase of an operation */
	"ALTER TABLE phone ADD COLUMN op_phase INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY, run INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  cluster TEXT NOT NULL, name TEXT NOT NULL, op TEXT NOT NULL,"
	"  vals TEXT, result TEXT NOT NULL);",

	/* 2 -> 3: report marks, and indexes for reports and pruning */
	"CREATE TABLE mark ("
	"  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, time INTEGER NOT NULL);"
	"CREATE TABLE mark_phone ("
	"  mark INTEGER NOT NULL, cluster TEXT NOT NULL, name TEXT NOT NULL,"
	"  state TEXT NOT NULL, PRIMARY KEY (mark, cluster, name));"
	"CREATE INDEX event_phone ON event (cluster, name, id);"
	"CREATE INDEX event_time ON event (time);"
	"CREATE INDEX audit_phone ON audit (cluster, name, id);"
	"CREATE INDEX phone_pool ON phone (cluster, pool);"
	"CREATE INDEX phone_state ON phone (state);",
};

static const char obs_schema[] =
	"CREATE TEMP TABLE IF NOT EXISTS obs ("
	"  cluster TEXT NOT NULL, name TEXT NOT NULL, campaign TEXT NOT NULL,"
	"  pool TEXT, model TEXT, description TEXT, uuid TEXT,"
	"  cert_operation TEXT, cert_status TEXT, finish_time TEXT,"
	"  have_lsc INTEGER NOT NULL DEFAULT 0,"
	"  lsc_valid_until INTEGER NOT NULL DEFAULT 0, lsc_issuer TEXT,"
	"  db_ip TEXT, db_node TEXT, db_seen INTEGER NOT NULL DEFAULT 0,"
	"  want_reg INTEGER NOT NULL DEFAULT 0,"
	"  asked INTEGER NOT NULL DEFAULT 0,"
	"  reg INTEGER NOT NULL DEFAULT 0,"
	"  reg_ip TEXT, reg_node TEXT, reg_time INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (cluster, name));"
	"CREATE TEMP TABLE IF NOT EXISTS claim ("
	"  cluster TEXT NOT NULL, name TEXT NOT NULL, campaign TEXT NOT NULL,"
	"  PRIMARY KEY (cluster, name));"
	"CREATE TEMP TABLE IF NOT EXISTS listed ("
	"  cluster TEXT NOT NULL, pool TEXT NOT NULL, pattern TEXT);";

int
store_fail(struct store *s, struct lsc_err *e, const char *what)
{
	return err_set(e, ERR_STORE, "%s: %s: %s", s->path, what,
	    sqlite3_errmsg(s->db));
}

int
store_exec(struct store *s, const char *sql, struct lsc_err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_STORE, "%s: %s", s->path,
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
store_prepare(struct store *s, const char *sql, struct lsc_err *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_fail(s, e, "prepare");
		return NULL;
	}
	return st;
}

/* A cached statement, prepared once per store. */
sqlite3_stmt *
store_cached(struct store *s, enum store_stmt id, const char *sql,
    struct lsc_err *e)
{
	if (s->stmt[id] == NULL)
		s->stmt[id] = store_prepare(s, sql, e);
	else {
		sqlite3_reset(s->stmt[id]);
		sqlite3_clear_bindings(s->stmt[id]);
	}
	return s->stmt[id];
}

void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

const char *
store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
user_version(struct store *s, int *v, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, "PRAGMA user_version", e)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, e, "reading the schema version");
	return 0;
}

/* Brings the schema from its version to `target`, one transaction per
 * step, so an interrupted migration leaves a consistent older store. */
int
store_migrate_to(struct store *s, int target, struct lsc_err *e)
{
	char sql[64];
	int v;

	if (user_version(s, &v, e) == -1)
		return -1;
	if (v > STORE_SCHEMA_VERSION)
		return err_set(e, ERR_STORE, "%s: schema version %d is newer "
		    "than this lscrenew understands (%d): upgrade lscrenew",
		    s->path, v, STORE_SCHEMA_VERSION);
	for (; v < target; v++) {
		if (store_exec(s, "BEGIN IMMEDIATE", e) == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(s, migrations[v], e) == -1 ||
		    store_exec(s, sql, e) == -1) {
			err_prefix(e, "migrating the store to version %d",
			    v + 1);
			store_exec(s, "ROLLBACK", NULL);
			return -1;
		}
		if (store_exec(s, "COMMIT", e) == -1)
			return -1;
	}
	return 0;
}

static struct store *
open_db(const char *path, int flags, struct lsc_err *e)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s->path = strdup(path)) == NULL) {
		free(s);
		err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		err_set(e, ERR_STORE, "%s: cannot open the store: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_extended_result_codes(s->db, 1);
	return s;
}

static int
setup_session(struct store *s, struct lsc_err *e)
{
	/* Temporary tables and sorts stay off the heap: memory is bounded
	 * by the page cache whatever the number of phones. */
	return store_exec(s, "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = FILE;"
	    "PRAGMA cache_size = -4096;", e) == -1 ||
	    store_exec(s, obs_schema, e) == -1 ? -1 : 0;
}

struct store *
store_open(const char *path, enum store_mode mode, struct lsc_err *e)
{
	struct store *s;
	int v;

	if (mode == STORE_RO) {
		if (access(path, F_OK) == -1) {
			err_set(e, ERR_STORE, "%s: no state store yet (run "
			    "'lscrenew run' first)", path);
			return NULL;
		}
		if ((s = open_db(path, SQLITE_OPEN_READONLY, e)) == NULL)
			return NULL;
		s->readonly = 1;
		if (user_version(s, &v, e) == -1)
			goto fail;
		if (v != STORE_SCHEMA_VERSION) {
			err_set(e, ERR_STORE, "%s: schema version %d, this "
			    "lscrenew needs %d: run 'lscrenew run' (or "
			    "'status') once to migrate it", path, v,
			    STORE_SCHEMA_VERSION);
			goto fail;
		}
		if (setup_session(s, e) == -1)
			goto fail;
		return s;
	}

	if ((s = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    e)) == NULL)
		return NULL;
	if (store_exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;", e) == -1 ||
	    store_migrate_to(s, STORE_SCHEMA_VERSION, e) == -1 ||
	    setup_session(s, e) == -1)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

struct store *
store_open_version(const char *path, int v, struct lsc_err *e)
{
	struct store *s;

	if ((s = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    e)) == NULL)
		return NULL;
	if (store_exec(s, "PRAGMA journal_mode = WAL", e) == -1 ||
	    store_migrate_to(s, v, e) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_memory(struct lsc_err *e)
{
	struct store *s;

	if ((s = open_db(":memory:", SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, e)) == NULL)
		return NULL;
	if (store_migrate_to(s, STORE_SCHEMA_VERSION, e) == -1 ||
	    setup_session(s, e) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	store_scratch_free(s);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int
store_schema_version(struct store *s)
{
	int v = -1;

	if (user_version(s, &v, NULL) == -1)
		return -1;
	return v;
}

int
store_check(struct store *s, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc, ok = 0;
	const char *r = NULL;

	if ((st = store_prepare(s, "PRAGMA integrity_check", e)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = store_col_text(st, 0);
		ok = r != NULL && strcmp(r, "ok") == 0;
		if (!ok)
			err_set(e, ERR_STORE, "%s: integrity check: %s",
			    s->path, r != NULL ? r : "?");
	} else
		store_fail(s, e, "integrity check");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int
store_begin(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "BEGIN IMMEDIATE", e);
}

int
store_commit(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "COMMIT", e);
}

int
store_obs_begin(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "BEGIN", e);
}

int
store_obs_commit(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "COMMIT", e);
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", NULL);
}

/* ---- runs ---------------------------------------------------------------- */

int
store_run_begin(struct store *s, int64_t now, const char *campaigns,
    long pid, int64_t *run, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "INSERT INTO run (started, campaigns, mode, pid)"
	    " VALUES (?, ?, 'run', ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	store_bind_text(st, 2, campaigns);
	sqlite3_bind_int64(st, 3, pid);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "recording the run");
	*run = sqlite3_last_insert_rowid(s->db);
	return 0;
}

static void
states_text(const struct store_counts *c, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (int i = 0; i < PS__MAX && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s=%lu", off ? " " : "",
		    phone_state_name((enum phone_state)i), c->state[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static void
states_parse(const char *t, struct store_counts *c)
{
	char name[32];
	unsigned long v;
	enum phone_state ps;
	int used;

	while (t != NULL && sscanf(t, " %31[a-z_]=%lu%n", name, &v,
	    &used) == 2) {
		if (phone_state_parse(name, &ps) == 0)
			c->state[ps] = v;
		t += used;
	}
}

int
store_run_finish(struct store *s, int64_t run, int64_t now, int status,
    const struct store_counts *c, const char *calls, const char *error,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	char states[512];
	int rc;

	states_text(c, states, sizeof(states));
	st = store_prepare(s, "UPDATE run SET finished = ?, exit_status = ?,"
	    " phones = ?, queued = ?, renewed = ?, newly_left_behind = ?,"
	    " errors = ?, states = ?, calls = ?, error = ? WHERE id = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, status);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->phones);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)c->queued);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)c->renewed);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->newly_left_behind);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)c->errors);
	store_bind_text(st, 8, states);
	store_bind_text(st, 9, calls);
	store_bind_text(st, 10, error);
	sqlite3_bind_int64(st, 11, run);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "finishing the run record");
	return 0;
}

#define RUN_COLS "id, started, finished, campaigns, mode, pid, exit_status," \
	" error, calls, phones, queued, renewed, newly_left_behind, errors," \
	" states"

static void
row_to_run(sqlite3_stmt *st, struct store_run *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->started = sqlite3_column_int64(st, 1);
	r->finished = sqlite3_column_int64(st, 2);
	r->campaigns = store_col_text(st, 3);
	r->mode = store_col_text(st, 4);
	r->pid = (long)sqlite3_column_int64(st, 5);
	r->exit_status = sqlite3_column_int(st, 6);
	r->error = store_col_text(st, 7);
	r->calls = store_col_text(st, 8);
	r->counts.phones = (unsigned long)sqlite3_column_int64(st, 9);
	r->counts.queued = (unsigned long)sqlite3_column_int64(st, 10);
	r->counts.renewed = (unsigned long)sqlite3_column_int64(st, 11);
	r->counts.newly_left_behind =
	    (unsigned long)sqlite3_column_int64(st, 12);
	r->counts.errors = (unsigned long)sqlite3_column_int64(st, 13);
	states_parse(store_col_text(st, 14), &r->counts);
}

int
store_each_run(struct store *s, unsigned limit, store_run_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_run r;
	int rc, ret = -1;

	st = store_prepare(s, "SELECT " RUN_COLS " FROM run ORDER BY id DESC"
	    " LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_run(st, &r);
		if (fn(arg, &r, e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading runs");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
store_last_run(struct store *s, struct store_run *r, int *found,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	st = store_prepare(s, "SELECT " RUN_COLS " FROM run WHERE finished > 0"
	    " ORDER BY id DESC LIMIT 1", e);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_to_run(st, r);
		/* keep the strings: copy them into the scratch space */
		r->campaigns = store_scratch(s, 0, r->campaigns);
		r->mode = store_scratch(s, 1, r->mode);
		r->error = store_scratch(s, 2, r->error);
		r->calls = store_scratch(s, 3, r->calls);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, e, "reading the last run");
	return 0;
}

/* ---- audit ------------------------------------------------------------- */

int
store_audit_begin(struct store *s, int64_t run, int64_t now,
    const char *cluster, const char *name, const char *op, const char *vals,
    int64_t *id, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_AUDIT_INS, "INSERT INTO audit (run, time,"
	    " cluster, name, op, vals, result) VALUES (?, ?, ?, ?, ?, ?,"
	    " 'sending')", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text(st, 3, cluster);
	store_bind_text(st, 4, name);
	store_bind_text(st, 5, op);
	store_bind_text(st, 6, vals);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording a write");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_audit_end(struct store *s, int64_t id, const char *result,
    struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_AUDIT_UPD, "UPDATE audit SET result = ?"
	    " WHERE id = ?", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, result);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording a write's result");
	return 0;
}

int
store_each_audit(struct store *s, const char *cluster, const char *name,
    store_audit_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_audit a;
	int rc, ret = -1;

	st = store_prepare(s, "SELECT id, run, time, cluster, name, op, vals,"
	    " result FROM audit WHERE (?1 IS NULL OR cluster = ?1) AND"
	    " (?2 IS NULL OR name = ?2) ORDER BY id", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.id = sqlite3_column_int64(st, 0);
		a.run = sqlite3_column_int64(st, 1);
		a.time = sqlite3_column_int64(st, 2);
		a.cluster = store_col_text(st, 3);
		a.name = store_col_text(st, 4);
		a.op = store_col_text(st, 5);
		a.values = store_col_text(st, 6);
		a.result = store_col_text(st, 7);
		if (fn(arg, &a, e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading the audit");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- events ------------------------------------------------------------ */

int
store_each_event(struct store *s, const char *cluster, const char *name,
    int64_t since, store_event_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_event ev;
	const char *t;
	int rc, ret = -1;

	st = store_prepare(s, "SELECT id, run, time, cluster, name, old_state,"
	    " new_state, reason FROM event WHERE (?1 IS NULL OR cluster = ?1)"
	    " AND (?2 IS NULL OR name = ?2) AND time >= ?3 ORDER BY id", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof(ev));
		ev.id = sqlite3_column_int64(st, 0);
		ev.run = sqlite3_column_int64(st, 1);
		ev.time = sqlite3_column_int64(st, 2);
		ev.cluster = store_col_text(st, 3);
		ev.name = store_col_text(st, 4);
		t = store_col_text(st, 5);
		ev.has_old = t != NULL && phone_state_parse(t,
		    &ev.old_state) == 0;
		t = store_col_text(st, 6);
		if (t == NULL || phone_state_parse(t, &ev.new_state) == -1)
			ev.new_state = PS_OK;
		ev.reason = store_col_text(st, 7);
		if (fn(arg, &ev, e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading events");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- marks ------------------------------------------------------------- */

int
store_mark_begin(struct store *s, const char *kind, int64_t now,
    int64_t *mark, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = store_prepare(s, "INSERT INTO mark (kind, time) VALUES"
	    " (?, ?)", e)) == NULL)
		return -1;
	store_bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "saving a report mark");
	*mark = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
store_mark_add(struct store *s, int64_t mark, const char *cluster,
    const char *name, enum phone_state ps, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_MARK_ADD, "INSERT OR REPLACE INTO mark_phone"
	    " (mark, cluster, name, state) VALUES (?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mark);
	store_bind_text(st, 2, cluster);
	store_bind_text(st, 3, name);
	store_bind_text(st, 4, phone_state_name(ps));
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "saving a report mark");
	return 0;
}

int
store_mark_last(struct store *s, const char *kind, int64_t before,
    int64_t *mark, int64_t *time, int *found, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	st = store_prepare(s, "SELECT id, time FROM mark WHERE kind = ? AND"
	    " (? = 0 OR id < ?) ORDER BY id DESC LIMIT 1", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int64(st, 3, before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*mark = sqlite3_column_int64(st, 0);
		*time = sqlite3_column_int64(st, 1);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, e, "reading report marks");
	return 0;
}

int
store_each_mark(struct store *s, int64_t mark, store_mark_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	enum phone_state ps;
	const char *t;
	int rc, ret = -1;

	st = store_prepare(s, "SELECT cluster, name, state FROM mark_phone"
	    " WHERE mark = ? ORDER BY cluster, name", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mark);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = store_col_text(st, 2);
		if (t == NULL || phone_state_parse(t, &ps) == -1)
			ps = PS_OK;
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1), ps,
		    e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading a report mark");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- retention ----------------------------------------------------------- */

int
store_prune(struct store *s, int64_t before, unsigned long *deleted,
    struct lsc_err *e)
{
	/* Phones whose history a report still needs keep all of it. */
	static const char keep[] =
	    "(SELECT cluster, name FROM phone WHERE state IN ('left_behind',"
	    " 'failed_retryable', 'needs_attention', 'abandoned', 'queued',"
	    " 'pending', 'due'))";
	char sql[1024];
	unsigned long n = 0;

	if (store_begin(s, e) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "DELETE FROM event WHERE time < %lld AND"
	    " (cluster, name) NOT IN %s", (long long)before, keep);
	if (store_exec(s, sql, e) == -1)
		goto fail;
	n += (unsigned long)sqlite3_changes(s->db);
	snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE time < %lld AND"
	    " (cluster, name) NOT IN %s", (long long)before, keep);
	if (store_exec(s, sql, e) == -1)
		goto fail;
	n += (unsigned long)sqlite3_changes(s->db);
	snprintf(sql, sizeof(sql), "DELETE FROM phone WHERE state = 'gone'"
	    " AND state_since < %lld", (long long)before);
	if (store_exec(s, sql, e) == -1)
		goto fail;
	n += (unsigned long)sqlite3_changes(s->db);
	snprintf(sql, sizeof(sql), "DELETE FROM run WHERE finished > 0 AND"
	    " started < %lld", (long long)before);
	if (store_exec(s, sql, e) == -1)
		goto fail;
	n += (unsigned long)sqlite3_changes(s->db);
	/* keep the newest mark of each kind: "--since LAST" needs it */
	snprintf(sql, sizeof(sql), "DELETE FROM mark_phone WHERE mark IN"
	    " (SELECT id FROM mark m WHERE time < %lld AND id < (SELECT"
	    " MAX(id) FROM mark m2 WHERE m2.kind = m.kind));"
	    "DELETE FROM mark WHERE id NOT IN (SELECT DISTINCT mark FROM"
	    " mark_phone) AND time < %lld AND id < (SELECT MAX(id) FROM mark"
	    " m2 WHERE m2.kind = mark.kind)", (long long)before,
	    (long long)before);
	if (store_exec(s, sql, e) == -1)
		goto fail;
	if (store_commit(s, e) == -1)
		goto fail;
	if (deleted != NULL)
		*deleted = n;
	return 0;
fail:
	store_rollback(s);
	return -1;
}
