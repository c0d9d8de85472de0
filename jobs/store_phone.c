/*
 * store_phone.c — phones in the store: read, write with their events,
 * filtered walks, counts by state, an administrator's reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store_int.h"


/*
 * The state and the operation phase.  A value the store should not hold
 * (a damaged file, an edit by hand) is said in p->damaged, and read
 * so that no write can be sent twice: a phase unknown is an operation sent
 * and the phone told (a write in doubt would tell it again: a second
 * apply, or a restart in the middle of CAPF), read back from CUCM before
 * anything else is sent (but for a phone that waits for a person); a state
 * unknown is "queued" when an operation is in flight, else "ok", decided
 * again from what CUCM shows.
 */
static void
read_op(sqlite3_stmt *st, int c, struct store_phone *p)
{
	/* the type first: reading the value may convert it */
	int	 integer = sqlite3_column_type(st, c + 21) == SQLITE_INTEGER;
	int64_t	 phase = sqlite3_column_int64(st, c + 21);
	int	 state_ok = store_col_state(st, c + 15, &p->mem.state) == 0;
	const char *t;
	size_t	 n;

	p->mem.phase = (enum op_phase)phase;
	if (!integer || phase < OP_NONE || phase > OP_GROUPED) {
		t = store_col_text(st, c + 21);
		p->mem.phase = OP_NOTIFIED;
		if (state_ok && p->mem.state != PS_NEEDS_ATTENTION &&
		    p->mem.state != PS_ABANDONED && p->mem.state != PS_PENDING)
			p->mem.state = PS_QUEUED;
		snprintf(p->damaged, sizeof(p->damaged), "op_phase \"%.20s\" "
		    "is not a phase: taken as sent and the phone told; ",
		    t != NULL ? t : "NULL");
	}
	if (!state_ok) {
		t = store_col_text(st, c + 15);
		p->mem.state = p->mem.phase != OP_NONE ? PS_QUEUED : PS_OK;
		n = strlen(p->damaged);
		snprintf(p->damaged + n, sizeof(p->damaged) - n, "state "
		    "\"%.20s\" is not a state: taken as %s; ",
		    t != NULL ? t : "NULL", phone_state_name(p->mem.state));
	}
	n = strlen(p->damaged);
	if (n >= 2)
		p->damaged[n - 2] = '\0';	/* the last "; " */
}

void
store_row_to_phone(sqlite3_stmt *st, int c, struct store_phone *p)
{
	const char *t;

	memset(p, 0, sizeof(*p));
	p->cluster = store_col_text(st, c + 0);
	p->name = store_col_text(st, c + 1);
	p->campaign = store_col_text(st, c + 2);
	p->pool = store_col_text(st, c + 3);
	p->model = store_col_text(st, c + 4);
	p->description = store_col_text(st, c + 5);
	p->cert_operation = store_col_text(st, c + 6);
	p->cert_status = store_col_text(st, c + 7);
	p->lsc_valid_until = sqlite3_column_int64(st, c + 8);
	p->lsc_issuer = store_col_text(st, c + 9);
	p->last_ip = store_col_text(st, c + 10);
	p->last_node = store_col_text(st, c + 11);
	p->last_seen = sqlite3_column_int64(st, c + 12);
	p->last_run = sqlite3_column_int64(st, c + 13);
	p->updated = sqlite3_column_int64(st, c + 14);
	p->mem.state_since = sqlite3_column_int64(st, c + 16);
	t = store_col_text(st, c + 17);
	snprintf(p->mem.reason, sizeof(p->mem.reason), "%s",
	    t != NULL ? t : "");
	p->mem.deadline = sqlite3_column_int64(st, c + 18);
	p->mem.queued_at = sqlite3_column_int64(st, c + 19);
	p->mem.prev_valid_until = sqlite3_column_int64(st, c + 20);
	p->mem.first_offline = sqlite3_column_int64(st, c + 22);
	p->mem.last_offline = sqlite3_column_int64(st, c + 23);
	p->mem.attempts = (unsigned)sqlite3_column_int64(st, c + 24);
	p->mem.next_retry = sqlite3_column_int64(st, c + 25);
	p->mem.renewed_at = sqlite3_column_int64(st, c + 26);
	p->mem.failures = (unsigned)sqlite3_column_int64(st, c + 27);
	p->id = sqlite3_column_int64(st, c + 28);
	read_op(st, c, p);
}

/* The string fields of a phone, for copying and comparing. */
#define PHONE_STRINGS(p) { &(p)->cluster, &(p)->name, &(p)->campaign, \
	&(p)->pool, &(p)->model, &(p)->description, &(p)->cert_operation, \
	&(p)->cert_status, &(p)->lsc_issuer, &(p)->last_ip, &(p)->last_node }
#define PHONE_NSTRINGS 11

int
store_phone_get(struct store *s, const char *cluster, const char *name,
    struct store_phone *p, int *found, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	st = store_cached(s, STMT_PHONE_GET, "SELECT " PHONE_COLS " FROM phone"
	    " p WHERE p.cluster = ? AND p.name = ?", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char **const f[] = PHONE_STRINGS(p);

		store_row_to_phone(st, 0, p);
		if (store_keep(s, f, PHONE_NSTRINGS) == -1) {
			sqlite3_reset(st);
			return err_set(e, ERR_SYSTEM, "%s", strerror(ENOMEM));
		}
		*found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, e, "reading a phone");
	return 0;
}

int
store_phone_phase(struct store *s, const char *cluster, const char *name,
    enum op_phase phase, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_PHASE, "UPDATE phone SET op_phase = ? WHERE"
	    " cluster = ? AND name = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, (int)phase);
	store_bind_text(st, 2, cluster);
	store_bind_text(st, 3, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "marking a write about to leave");
	return 0;
}

static int
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

int
store_phone_differs(const struct store_phone *a, const struct store_phone *b)
{
	const char *const *fa[] = PHONE_STRINGS(a);
	const char *const *fb[] = PHONE_STRINGS(b);
	const struct phone_memory *m = &a->mem, *n = &b->mem;

	for (size_t i = 0; i < PHONE_NSTRINGS; i++)
		if (str_differs(*fa[i], *fb[i]))
			return 1;
	return a->lsc_valid_until != b->lsc_valid_until ||
	    a->last_seen != b->last_seen || m->state != n->state ||
	    m->state_since != n->state_since || m->deadline != n->deadline ||
	    m->queued_at != n->queued_at ||
	    m->prev_valid_until != n->prev_valid_until ||
	    m->phase != n->phase || m->first_offline != n->first_offline ||
	    m->last_offline != n->last_offline ||
	    m->attempts != n->attempts || m->failures != n->failures ||
	    m->next_retry != n->next_retry ||
	    m->renewed_at != n->renewed_at ||
	    strcmp(m->reason, n->reason) != 0;
}

static int
event_insert(struct store *s, int64_t run, int64_t now, const char *cluster,
    const char *name, enum phone_state old_state, enum phone_state new_state,
    const char *reason, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_EVENT_INS, "INSERT INTO event (run, time,"
	    " cluster, name, old_state, new_state, reason) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?)", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text(st, 3, cluster);
	store_bind_text(st, 4, name);
	store_bind_text(st, 5, old_state < PS__MAX ?
	    phone_state_name(old_state) : NULL);
	store_bind_text(st, 6, phone_state_name(new_state));
	store_bind_text(st, 7, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording an event");
	return 0;
}

int
store_phone_put(struct store *s, int64_t run, int64_t now,
    const struct store_phone *p, const struct phone_memory *old,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	const struct phone_memory *m = &p->mem;
	int changed;

	st = store_cached(s, STMT_PHONE_PUT, "INSERT INTO phone (cluster, name,"
	    " campaign, pool, model, description, cert_operation, cert_status,"
	    " lsc_valid_until, lsc_issuer, last_ip, last_node, last_seen,"
	    " last_run, updated, state, state_since, reason, deadline,"
	    " queued_at, prev_valid_until, op_phase, first_offline,"
	    " last_offline, attempts, next_retry, renewed_at, failures) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27,"
	    " ?28)"
	    " ON CONFLICT (cluster, name) DO UPDATE SET campaign = ?3,"
	    " pool = ?4, model = ?5, description = ?6, cert_operation = ?7,"
	    " cert_status = ?8, lsc_valid_until = ?9, lsc_issuer = ?10,"
	    " last_ip = ?11, last_node = ?12, last_seen = ?13, last_run = ?14,"
	    " updated = ?15, state = ?16, state_since = ?17, reason = ?18,"
	    " deadline = ?19, queued_at = ?20, prev_valid_until = ?21,"
	    " op_phase = ?22, first_offline = ?23, last_offline = ?24,"
	    " attempts = ?25, next_retry = ?26, renewed_at = ?27,"
	    " failures = ?28", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, p->cluster);
	store_bind_text(st, 2, p->name);
	store_bind_text(st, 3, p->campaign);
	store_bind_text(st, 4, p->pool);
	store_bind_text(st, 5, p->model);
	store_bind_text(st, 6, p->description);
	store_bind_text(st, 7, p->cert_operation);
	store_bind_text(st, 8, p->cert_status);
	sqlite3_bind_int64(st, 9, p->lsc_valid_until);
	store_bind_text(st, 10, p->lsc_issuer);
	store_bind_text(st, 11, p->last_ip);
	store_bind_text(st, 12, p->last_node);
	sqlite3_bind_int64(st, 13, p->last_seen);
	sqlite3_bind_int64(st, 14, p->last_run);
	sqlite3_bind_int64(st, 15, now);
	store_bind_text(st, 16, phone_state_name(m->state));
	sqlite3_bind_int64(st, 17, m->state_since ? m->state_since : now);
	store_bind_text(st, 18, m->reason);
	sqlite3_bind_int64(st, 19, m->deadline);
	sqlite3_bind_int64(st, 20, m->queued_at);
	sqlite3_bind_int64(st, 21, m->prev_valid_until);
	sqlite3_bind_int(st, 22, (int)m->phase);
	sqlite3_bind_int64(st, 23, m->first_offline);
	sqlite3_bind_int64(st, 24, m->last_offline);
	sqlite3_bind_int64(st, 25, m->attempts);
	sqlite3_bind_int64(st, 26, m->next_retry);
	sqlite3_bind_int64(st, 27, m->renewed_at);
	sqlite3_bind_int64(st, 28, m->failures);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "writing a phone");

	if (old == NULL)
		changed = 1;
	else if (old->state != m->state)
		changed = 1;
	else
		/* a new reason in a state reports show is an event; not
		 * the daily countdown of its due clause */
		changed = m->state != PS_OK && m->state != PS_RENEWED &&
		    strcmp(policy_reason_detail(old->reason),
		    policy_reason_detail(m->reason)) != 0;
	if (changed)
		return event_insert(s, run, now, p->cluster, p->name,
		    old != NULL ? old->state : PS__MAX, m->state, m->reason,
		    e);
	return 0;
}

/* A filter's conditions on the phone table p; binds ?1..?4 (bind()). */
#define FILTER_SQL " (?1 IS NULL OR p.cluster = ?1 COLLATE NOCASE) AND" \
	" (?2 IS NULL OR p.campaign = ?2 COLLATE NOCASE) AND" \
	" (?3 IS NULL OR p.pool = ?3) AND (?4 IS NULL OR p.name = ?4)"

static void
bind_filter(sqlite3_stmt *st, const struct store_filter *f)
{
	if (f == NULL)
		return;
	store_bind_text(st, 1, f->cluster);
	store_bind_text(st, 2, f->campaign);
	store_bind_text(st, 3, f->pool);
	store_bind_text(st, 4, f->name);
}

int
store_each_phone(struct store *s, const struct store_filter *f,
    store_phone_fn fn, void *arg, struct lsc_err *e)
{
	char sql[1024];
	sqlite3_stmt *st;
	struct store_phone p;
	int rc, n = 0, slen;

	slen = snprintf(sql, sizeof(sql), "SELECT " PHONE_COLS " FROM phone p"
	    " WHERE" FILTER_SQL);
	if (f != NULL && f->states != 0) {
		slen += snprintf(sql + slen, sizeof(sql) - (size_t)slen,
		    " AND p.state IN (");
		for (int i = 0; i < PS__MAX; i++)
			if (f->states & (1u << i))
				slen += snprintf(sql + slen, sizeof(sql) -
				    (size_t)slen, "%s'%s'", n++ ? ", " : "",
				    phone_state_name((enum phone_state)i));
		slen += snprintf(sql + slen, sizeof(sql) - (size_t)slen, ")");
	}
	if (f != NULL && f->order == STORE_ORDER_URGENCY)
		snprintf(sql + slen, sizeof(sql) - (size_t)slen, " ORDER BY"
		    " p.lsc_valid_until, p.cluster, p.name");
	else if (f != NULL && f->order == STORE_ORDER_POOL)
		snprintf(sql + slen, sizeof(sql) - (size_t)slen, " ORDER BY"
		    " p.cluster, COALESCE(p.pool, ''), p.name");
	else
		snprintf(sql + slen, sizeof(sql) - (size_t)slen, " ORDER BY"
		    " p.cluster, p.name");
	if ((st = store_prepare(s, sql, e)) == NULL)
		return -1;
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_row_to_phone(st, 0, &p);
		if (fn(arg, &p, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "reading phones", e);
}

int
store_each_tally(struct store *s, const struct store_filter *f, int64_t now,
    int64_t run_from, int64_t run_to, store_tally_fn fn, void *arg,
    struct lsc_err *e)
{
	static const char *const sums[] = {
		"p.renewed_at > 0 AND p.renewed_at BETWEEN ?5 AND ?6",
		"p.renewed_at > ?7 - 30 * 86400 AND p.renewed_at <= ?7",
		"p.lsc_valid_until > ?7 AND p.lsc_valid_until <= ?7 + 30 * 86400",
		"p.lsc_valid_until > ?7 AND p.lsc_valid_until <= ?7 + 60 * 86400",
		"p.lsc_valid_until > ?7 AND p.lsc_valid_until <= ?7 + 90 * 86400",
		"p.lsc_valid_until > 0 AND p.lsc_valid_until <= ?7",
		"p.lsc_valid_until <= 0",
	};
	unsigned long *col[7];
	char sql[2048];
	sqlite3_stmt *st;
	struct store_tally t;
	int rc, slen, k;

	slen = snprintf(sql, sizeof(sql), "SELECT COALESCE(p.cluster, ''),"
	    " COALESCE(p.campaign, ''), COALESCE(p.pool, ''), COUNT(*)");
	for (int i = 0; i < PS__MAX; i++)
		slen += snprintf(sql + slen, sizeof(sql) - (size_t)slen,
		    ", SUM(p.state = '%s')",
		    phone_state_name((enum phone_state)i));
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++)
		slen += snprintf(sql + slen, sizeof(sql) - (size_t)slen,
		    ", SUM(%s(%s))", i < 2 ? "" : "p.state <> 'gone' AND ",
		    sums[i]);
	snprintf(sql + slen, sizeof(sql) - (size_t)slen, " FROM phone p WHERE"
	    FILTER_SQL " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
	if ((st = store_prepare(s, sql, e)) == NULL)
		return -1;
	bind_filter(st, f);
	sqlite3_bind_int64(st, 5, run_from);
	sqlite3_bind_int64(st, 6, run_to);
	sqlite3_bind_int64(st, 7, now);
	col[0] = &t.renewed_run;
	col[1] = &t.renewed_30d;
	col[2] = &t.exp30;
	col[3] = &t.exp60;
	col[4] = &t.exp90;
	col[5] = &t.expired;
	col[6] = &t.no_lsc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t.cluster = store_col_text(st, 0);
		t.campaign = store_col_text(st, 1);
		t.pool = store_col_text(st, 2);
		t.phones = (unsigned long)sqlite3_column_int64(st, 3);
		for (k = 0; k < PS__MAX; k++)
			t.state[k] = (unsigned long)sqlite3_column_int64(st,
			    4 + k);
		for (size_t i = 0; i < 7; i++)
			*col[i] = (unsigned long)sqlite3_column_int64(st,
			    4 + PS__MAX + (int)i);
		if (fn(arg, &t, e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "counting phones", e);
}

int
store_each_expiry(struct store *s, const struct store_filter *f, int64_t now,
    store_expiry_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "SELECT COALESCE(p.cluster, ''),"
	    " COALESCE(p.pool, ''), CASE WHEN p.lsc_valid_until <= 0 THEN -2"
	    " WHEN p.lsc_valid_until <= ?5 THEN -1 ELSE"
	    " CAST(strftime('%Y', p.lsc_valid_until, 'unixepoch') AS INTEGER)"
	    " * 12 + CAST(strftime('%m', p.lsc_valid_until, 'unixepoch') AS"
	    " INTEGER) - 1 END, COUNT(*) FROM phone p WHERE p.state <> 'gone'"
	    " AND" FILTER_SQL " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", e);
	if (st == NULL)
		return -1;
	bind_filter(st, f);
	sqlite3_bind_int64(st, 5, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1),
		    (long)sqlite3_column_int64(st, 2),
		    (unsigned long)sqlite3_column_int64(st, 3), e) == -1)
			break;
	return store_walk_end(s, st, rc, "counting expiries", e);
}

int
store_count_states(struct store *s, store_count_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	enum phone_state ps;
	int rc;

	st = store_prepare(s, "SELECT cluster, campaign, pool, state, COUNT(*)"
	    " FROM phone GROUP BY cluster, campaign, pool, state ORDER BY"
	    " cluster, campaign, pool, state", e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_col_state(st, 3, &ps) == -1)
			continue;
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1),
		    store_col_text(st, 2), ps,
		    (unsigned long)sqlite3_column_int64(st, 4), e) == -1)
			break;
	}
	return store_walk_end(s, st, rc, "counting phones", e);
}

int
store_phone_reset(struct store *s, int64_t now, const char *cluster,
    const char *name, int *found, struct lsc_err *e)
{
	struct store_phone p;
	struct phone_memory before;
	enum phone_state old;

	if (store_phone_get(s, cluster, name, &p, found, e) == -1)
		return -1;
	if (!*found)
		return 0;
	before = p.mem;
	old = p.mem.state;
	p.mem.state = PS_DUE;
	p.mem.state_since = now;
	p.mem.attempts = 0;
	p.mem.failures = 0;
	p.mem.next_retry = 0;
	p.mem.first_offline = 0;
	p.mem.last_offline = 0;
	p.mem.deadline = 0;
	p.mem.phase = OP_NONE;
	snprintf(p.mem.reason, sizeof(p.mem.reason),
	    "reset by an administrator (was %s)", phone_state_name(old));
	if (store_begin(s, e) == -1)
		return -1;
	/* run 0: not part of any run */
	if (store_phone_put(s, 0, now, &p, &before, e) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, e);
}

/* ---- listings and the phones they did not see ------------------------- */

int
store_listed(struct store *s, const char *cluster, const char *pool,
    const char *name_like, int64_t run, int64_t now, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_prepare(s, "INSERT INTO listing (cluster, pool, pattern,"
	    " run, time) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (cluster,"
	    " pool, pattern) DO UPDATE SET run = ?4, time = ?5", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, pool);
	store_bind_text(st, 3, name_like != NULL ? name_like : "");
	sqlite3_bind_int64(st, 4, run);
	sqlite3_bind_int64(st, 5, now);
	return store_step_once(s, st, "recording a pool read", e);
}

/* The ids of the phones a walk is to hand out, collected first. */
struct ids {
	int64_t	*v;
	size_t	 n, cap;
};

static int
ids_add(struct ids *k, int64_t id)
{
	int64_t	*v;

	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		if ((v = reallocarray(k->v, k->cap, sizeof(*v))) == NULL)
			return -1;
		k->v = v;
	}
	k->v[k->n++] = id;
	return 0;
}

int
store_each_unseen(struct store *s, const char *cluster, int64_t run,
    int (*listed)(void *, const char *, const char *),
    int (*seen)(void *, int64_t), void *arg, store_phone_fn fn,
    void *fn_arg, struct lsc_err *e)
{
	sqlite3_stmt *st = NULL;
	struct store_phone p;
	struct ids k = { NULL, 0, 0 };
	int64_t	 id;
	int	 rc, ret = -1;

	/* the rows in storage order (no index: '+'), few columns of each */
	st = store_prepare(s, "SELECT rowid, pool, name FROM phone WHERE"
	    " +cluster = ?1 AND state <> 'gone' AND (?2 = 0 OR"
	    " last_run <> ?2)", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	sqlite3_bind_int64(st, 2, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (seen(arg, id) || store_col_text(st, 1) == NULL ||
		    !listed(arg, store_col_text(st, 1), store_col_text(st, 2)))
			continue;
		if (ids_add(&k, id) == -1) {
			err_set(e, ERR_SYSTEM, "%s", strerror(ENOMEM));
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading phones not seen");
		goto out;
	}
	sqlite3_finalize(st);
/* then each one, so that fn may rewrite it */
	st = store_prepare(s, "SELECT " PHONE_COLS " FROM phone p WHERE"
	    " p.rowid = ?", e);
	if (st == NULL)
		goto out;
	for (size_t i = 0; i < k.n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, k.v[i]);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			if (rc != SQLITE_DONE)
				store_fail(s, e, "reading a phone not seen");
			else
				continue;
			goto out;
		}
		store_row_to_phone(st, 0, &p);
		{
			const char **const f[] = PHONE_STRINGS(&p);

			if (store_keep(s, f, PHONE_NSTRINGS) == -1) {
				err_set(e, ERR_SYSTEM, "%s", strerror(ENOMEM));
				goto out;
			}
		}
		sqlite3_reset(st);
		if (fn(fn_arg, &p, e) == -1)
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(k.v);
	return ret;
}
