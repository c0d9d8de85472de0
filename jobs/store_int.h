/*
 * store_int.h — internals shared by the store's source files.  Not for use
 * outside jobs/store*.c.
 */
#ifndef LSC_STORE_INT_H
#define LSC_STORE_INT_H

#include <sqlite3.h>

#include "jobs/store.h"

enum store_stmt {
	STMT_PHONE_GET,
	STMT_PHONE_PUT,
	STMT_EVENT_INS,
	STMT_AUDIT_INS,
	STMT_AUDIT_UPD,
	STMT_MARK_ADD,
	STMT_PHASE,
	STMT__MAX
};

struct store {
	sqlite3		*db;
	char		*path;
	int		 readonly;
	sqlite3_stmt	*stmt[STMT__MAX];
	char		*scratch;	/* strings handed out by the reads */
	int		 lazy;		/* synchronous = NORMAL now */
};

int	 store_fail(struct store *, struct lsc_err *, const char *);
int	 store_exec(struct store *, const char *, struct lsc_err *);
sqlite3_stmt *store_prepare(struct store *, const char *, struct lsc_err *);
sqlite3_stmt *store_cached(struct store *, enum store_stmt, const char *,
	    struct lsc_err *);
void	 store_bind_text(sqlite3_stmt *, int, const char *);
const char *store_col_text(sqlite3_stmt *, int);

/* The phone state named in column i; -1 when it is NULL or no state. */
static inline int
store_col_state(sqlite3_stmt *st, int i, enum phone_state *ps)
{
	const char *t = store_col_text(st, i);

	return t != NULL ? phone_state_parse(t, ps) : -1;
}

/*
 * Steps st, a statement that returns no row, once and finalizes it.
 * Returns 0, or -1 with e saying what was being done (ERR_STORE).
 */
static inline int
store_step_once(struct store *s, sqlite3_stmt *st, const char *what,
    struct lsc_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, what);
	return 0;
}

/*
 * Ends a walk, a loop of sqlite3_step() over st's rows that leaves with
 * `break` when its callback fails, and finalizes st.  rc is the last
 * step's result: SQLITE_DONE, the walk is complete (0); SQLITE_ROW, the
 * callback stopped it and filled e (-1); anything else, the step failed
 * (-1, ERR_STORE saying what was being done).
 */
static inline int
store_walk_end(struct store *s, sqlite3_stmt *st, int rc, const char *what,
    struct lsc_err *e)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		store_fail(s, e, what);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * A phone's columns.  Its last run is the later of the last one that wrote
 * it and the last one that read its pool in full while it was there (the
 * rows of phones that did not change are not written).
 */
#define PHONE_COLS "p.cluster, p.name, p.campaign, p.pool, p.model," \
	" p.description, p.cert_operation, p.cert_status, p.lsc_valid_until," \
	" p.lsc_issuer, p.last_ip, p.last_node, p.last_seen," \
	" MAX(p.last_run, CASE WHEN p.state = 'gone' THEN 0 ELSE" \
	" COALESCE((SELECT MAX(l.run) FROM listing l WHERE" \
	" l.cluster = p.cluster AND l.pool = p.pool AND (l.pattern = ''" \
	" OR p.name LIKE l.pattern)), 0) END)," \
	" p.updated, p.state, p.state_since, p.reason, p.deadline," \
	" p.queued_at, p.prev_valid_until, p.op_phase, p.first_offline," \
	" p.last_offline, p.attempts, p.next_retry, p.renewed_at, p.failures," \
	" p.rowid"
#define PHONE_NCOLS 29

/* Fills p from the PHONE_COLS starting at column c; strings borrowed from
 * the statement. */
void	 store_row_to_phone(sqlite3_stmt *, int c, struct store_phone *);

/* Copies the strings *v[0..n) into the store's scratch space (valid until
 * the next call) and points them there; -1 when out of memory. */
int	 store_keep(struct store *, const char **const *v, size_t n);

/* Deletes the probes older than before but each phone's latest, and the
 * CAs no probe names (store_prune, inside its transaction); adds the rows
 * removed to *n. */
int	 store_probe_prune(struct store *, int64_t before, unsigned long *n,
	    struct lsc_err *);

/* Creates or opens a store file at exactly schema version v (tests). */
struct store *store_open_version(const char *path, int v, struct lsc_err *);

#endif
