/*
 * store_report.c — read-only queries for reports/ (see store_report.h).
 */
#include <stddef.h>

#include "jobs/store_int.h"
#include "jobs/store_report.h"

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
