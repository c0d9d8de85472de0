/*
 * store_history.c — what the store remembers of the past: runs with their
 * counts and exit status, phone events, and the audit of every write sent
 * to CUCM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store_int.h"

int
store_run_begin(struct store *s, int64_t now, const char *campaigns,
    long pid, int64_t *run, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_prepare(s, "INSERT INTO run (started, campaigns, mode, pid)"
	    " VALUES (?, ?, 'run', ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	store_bind_text(st, 2, campaigns);
	sqlite3_bind_int64(st, 3, pid);
	if (store_step_once(s, st, "recording the run", e) == -1)
		return -1;
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
	return store_step_once(s, st, "finishing the run record", e);
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
	int rc;

	st = store_prepare(s, "SELECT " RUN_COLS " FROM run ORDER BY id DESC"
	    " LIMIT ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_run(st, &r);
		if (fn(arg, &r, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading runs", e);
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
		const char **const f[] = { &r->campaigns, &r->mode,
		    &r->error, &r->calls };

		row_to_run(st, r);
		/* keep the strings: copy them into the scratch space */
		if (store_keep(s, f, 4) == -1) {
			sqlite3_finalize(st);
			return err_set(e, ERR_SYSTEM, "%s", strerror(ENOMEM));
		}
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
	int rc;

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
			break;
	}
	return store_walk_end(s, st, rc, "reading the audit", e);
}

/* ---- events ------------------------------------------------------------ */

int
store_each_event(struct store *s, const char *cluster, const char *name,
    int64_t since, store_event_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_event ev;
	int rc;

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
		ev.has_old = store_col_state(st, 5, &ev.old_state) == 0;
		if (store_col_state(st, 6, &ev.new_state) == -1)
			ev.new_state = PS_OK;
		ev.reason = store_col_text(st, 7);
		if (fn(arg, &ev, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading events", e);
}


/* ---- past states ------------------------------------------------------ */

int
store_each_state_at(struct store *s, int64_t when,
    const struct store_filter *f, store_mark_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	enum phone_state ps;
	int rc;

	/*
	 * SQLite takes the bare columns of a MAX() aggregate from the row
	 * holding the maximum: the phone's last event by then.
	 */
	st = store_prepare(s, "SELECT e.cluster, e.name, e.new_state,"
	    " MAX(e.id) FROM event e LEFT JOIN phone p ON p.cluster ="
	    " e.cluster AND p.name = e.name WHERE e.time <= ?1 AND"
	    " (?2 IS NULL OR e.cluster = ?2) AND (?3 IS NULL OR p.campaign ="
	    " ?3) AND (?4 IS NULL OR p.pool = ?4) GROUP BY e.cluster, e.name"
	    " ORDER BY e.cluster, e.name", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, when);
	if (f != NULL) {
		store_bind_text(st, 2, f->cluster);
		store_bind_text(st, 3, f->campaign);
		store_bind_text(st, 4, f->pool);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_col_state(st, 2, &ps) == -1)
			continue;
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1), ps,
		    e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading past states", e);
}
