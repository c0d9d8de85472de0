/*
 * store_retention.c — report marks (what a left-behind report showed, for
 * "--since LAST") and retention (pruning history no report needs).
 */

#include "jobs/store_int.h"

int
store_mark_begin(struct store *s, const char *kind, int64_t now,
    int64_t *mark, struct lsc_err *e)
{
	sqlite3_stmt *st;

	if ((st = store_prepare(s, "INSERT INTO mark (kind, time) VALUES"
	    " (?, ?)", e)) == NULL)
		return -1;
	store_bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, now);
	if (store_step_once(s, st, "saving a report mark", e) == -1)
		return -1;
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
	int rc;

	st = store_prepare(s, "SELECT cluster, name, state FROM mark_phone"
	    " WHERE mark = ? ORDER BY cluster, name", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mark);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_col_state(st, 2, &ps) == -1)
			ps = PS_OK;
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1), ps,
		    e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading a report mark", e);
}

/* ---- retention ----------------------------------------------------------- */

/* Phones whose history a report still needs keep all of it. */
#define KEEP " AND (cluster, name) NOT IN (SELECT cluster, name FROM phone" \
	" WHERE state IN ('left_behind', 'failed_retryable', 'needs_attention'," \
	" 'abandoned', 'queued', 'pending', 'due'))"

int
store_prune(struct store *s, int64_t before, unsigned long *deleted,
    struct lsc_err *e)
{
	/* the rows counted in *deleted, then the marks, but the newest of
	 * each kind: "--since LAST" needs it */
	static const char *const sql[] = {
		"DELETE FROM event WHERE time < ?1" KEEP,
		"DELETE FROM audit WHERE time < ?1" KEEP,
		"DELETE FROM phone WHERE state = 'gone' AND state_since < ?1",
		"DELETE FROM run WHERE finished > 0 AND started < ?1",
		"DELETE FROM mark_phone WHERE mark IN (SELECT id FROM mark m"
		" WHERE time < ?1 AND id < (SELECT MAX(id) FROM mark m2 WHERE"
		" m2.kind = m.kind))",
		"DELETE FROM mark WHERE id NOT IN (SELECT DISTINCT mark FROM"
		" mark_phone) AND time < ?1 AND id < (SELECT MAX(id) FROM mark"
		" m2 WHERE m2.kind = mark.kind)",
	};
	sqlite3_stmt *st;
	unsigned long n = 0;

	if (store_begin(s, e) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((st = store_prepare(s, sql[i], e)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, before);
		if (store_step_once(s, st, "pruning the history", e) == -1)
			goto fail;
		if (i < 4)
			n += (unsigned long)sqlite3_changes(s->db);
	}
	if (store_probe_prune(s, before, &n, e) == -1)
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
