/*
 * store.c — the SQLite state store: schema and forward migrations, opening
 * (read-write, read-only, in memory), transactions, and the small helpers
 * the other store_*.c files share.
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

	/* 3 -> 4: CAPF failures counted apart from runs found offline */
	"ALTER TABLE phone ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;",

	/* 4 -> 5: pools read in full, by run (a phone that did not change
	 * is not written: its pool's listing says a run saw it) */
	"CREATE TABLE listing ("
	"  cluster TEXT NOT NULL, pool TEXT NOT NULL,"
	"  pattern TEXT NOT NULL DEFAULT '', run INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (cluster, pool, pattern));",

	/* 5 -> 6: what the phones present (lscrenew probe) */
	"CREATE TABLE probe ("
	"  id INTEGER PRIMARY KEY, cluster TEXT NOT NULL, phone TEXT,"
	"  at INTEGER NOT NULL, address TEXT NOT NULL, port INTEGER NOT NULL,"
	"  outcome TEXT NOT NULL, reason TEXT, kind TEXT,"
	"  subject TEXT, issuer TEXT, serial TEXT,"
	"  not_before INTEGER, not_after INTEGER, sha256 TEXT, aki TEXT,"
	"  chain TEXT, verified INTEGER, verify_error TEXT,"
	"  class TEXT, class_reason TEXT);"
	"CREATE INDEX probe_by_phone ON probe(cluster, phone, at);"
	"CREATE TABLE probe_ca ("
	"  sha256 TEXT PRIMARY KEY, subject TEXT NOT NULL, issuer TEXT NOT NULL,"
	"  ski TEXT, aki TEXT, self_signed INTEGER NOT NULL,"
	"  der BLOB NOT NULL, first_seen INTEGER NOT NULL);",
};

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

/* Not copied: every caller steps the statement while v is alive, and
 * rebinds before stepping it again. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

const char *
store_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static char *
copy_strings(const char **const *v, size_t n)
{
	size_t	 need = 1, off = 0, k, i;
	char	*p;

	for (i = 0; i < n; i++)
		if (*v[i] != NULL)
			need += strlen(*v[i]) + 1;
	if ((p = malloc(need)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (*v[i] == NULL)
			continue;
		k = strlen(*v[i]) + 1;
		memcpy(p + off, *v[i], k);
		*v[i] = p + off;
		off += k;
	}
	return p;
}

int
store_keep(struct store *s, const char **const *v, size_t n)
{
	char	*p;

	/* a new block each time: the strings may live in the old one */
	if ((p = copy_strings(v, n)) == NULL)
		return -1;
	free(s->scratch);
	s->scratch = p;
	return 0;
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
static int
migrate_to(struct store *s, int target, struct lsc_err *e)
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
	/* one thread uses a store: no mutex taken around every call (2-3 %
	 * of a warm plan's CPU) */
	if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
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
	/* Sorts stay off the heap: memory is bounded by the page cache
	 * whatever the number of phones.  256 KiB of it: a warm plan at
	 * 40,000 phones peaks 0.9 MiB lower than with 1 MiB at the same CPU
	 * (the pages it reads again come from the OS's cache); no mmap
	 * (SQLite's default), which would count the file in RSS. */
	return store_exec(s, "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = FILE;"
	    "PRAGMA cache_size = -256;", e);
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
		if ((s = open_db(path, SQLITE_OPEN_READONLY |
		    SQLITE_OPEN_NOFOLLOW, e)) == NULL)
			return NULL;
		s->readonly = 1;
		if (user_version(s, &v, e) == -1)
			goto fail;
		if (v != STORE_SCHEMA_VERSION) {
			err_set(e, ERR_STORE, "%s: schema version %d, this "
			    "lscrenew needs %d: run 'lscrenew run' once to "
			    "migrate it", path, v, STORE_SCHEMA_VERSION);
			goto fail;
		}
		if (setup_session(s, e) == -1)
			goto fail;
		return s;
	}

	if ((s = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW, e)) == NULL)
		return NULL;
	/*
	 * FULL: a commit is on disk when it returns, so the intent recorded
	 * before a write leaves survives a power cut, not only a crash of
	 * the process.  The engine commits a group of intents at once, so a
	 * run pays a few fsyncs per group of writes, not one per phone.
	 */
	if (store_exec(s, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;", e) == -1 ||
	    migrate_to(s, STORE_SCHEMA_VERSION, e) == -1 ||
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
	    migrate_to(s, v, e) == -1) {
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
	if (migrate_to(s, STORE_SCHEMA_VERSION, e) == -1 ||
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
	free(s->scratch);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int
store_begin(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "BEGIN IMMEDIATE", e);
}

int
store_begin_read(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "BEGIN", e);
}

int
store_durable(struct store *s, int on, struct lsc_err *e)
{
	if (s->lazy == !on)
		return 0;
	if (store_exec(s, on ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", e) == -1)
		return -1;
	s->lazy = !on;
	return 0;
}

int
store_commit(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "COMMIT", e);
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", NULL);
}
