/*
 * store_phone.c — phones and this run's observations in the store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store_int.h"

#define PHONE_COLS "p.cluster, p.name, p.campaign, p.pool, p.model," \
	" p.description, p.cert_operation, p.cert_status, p.lsc_valid_until," \
	" p.lsc_issuer, p.last_ip, p.last_node, p.last_seen, p.last_run," \
	" p.updated, p.state, p.state_since, p.reason, p.deadline," \
	" p.queued_at, p.prev_valid_until, p.op_phase, p.first_offline," \
	" p.last_offline, p.attempts, p.next_retry, p.renewed_at"
#define PHONE_NCOLS 27

const char *
store_scratch(struct store *s, int i, const char *v)
{
	free(s->scratch[i]);
	s->scratch[i] = v != NULL ? strdup(v) : NULL;
	return s->scratch[i];
}

void
store_scratch_free(struct store *s)
{
	for (int i = 0; i < STORE_SCRATCH; i++) {
		free(s->scratch[i]);
		s->scratch[i] = NULL;
	}
}

/* Fills p from the PHONE_COLS starting at column c; strings borrowed from
 * the statement. */
static void
row_to_phone(sqlite3_stmt *st, int c, struct store_phone *p)
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
	t = store_col_text(st, c + 15);
	if (t == NULL || phone_state_parse(t, &p->mem.state) == -1)
		p->mem.state = PS_OK;
	p->mem.state_since = sqlite3_column_int64(st, c + 16);
	t = store_col_text(st, c + 17);
	snprintf(p->mem.reason, sizeof(p->mem.reason), "%s",
	    t != NULL ? t : "");
	p->mem.deadline = sqlite3_column_int64(st, c + 18);
	p->mem.queued_at = sqlite3_column_int64(st, c + 19);
	p->mem.prev_valid_until = sqlite3_column_int64(st, c + 20);
	p->mem.phase = (enum op_phase)sqlite3_column_int(st, c + 21);
	p->mem.first_offline = sqlite3_column_int64(st, c + 22);
	p->mem.last_offline = sqlite3_column_int64(st, c + 23);
	p->mem.attempts = (unsigned)sqlite3_column_int64(st, c + 24);
	p->mem.next_retry = sqlite3_column_int64(st, c + 25);
	p->mem.renewed_at = sqlite3_column_int64(st, c + 26);
}

/* Copies every string of p into the store's scratch slots from `first`. */
static void
phone_keep(struct store *s, int first, struct store_phone *p)
{
	const char **f[] = {
		&p->cluster, &p->name, &p->campaign, &p->pool, &p->model,
		&p->description, &p->cert_operation, &p->cert_status,
		&p->lsc_issuer, &p->last_ip, &p->last_node
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		*f[i] = store_scratch(s, first + (int)i, *f[i]);
}

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
		row_to_phone(st, 0, p);
		phone_keep(s, 4, p);
		*found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, e, "reading a phone");
	return 0;
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
	    " last_offline, attempts, next_retry, renewed_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	    " ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)"
	    " ON CONFLICT (cluster, name) DO UPDATE SET campaign = ?3,"
	    " pool = ?4, model = ?5, description = ?6, cert_operation = ?7,"
	    " cert_status = ?8, lsc_valid_until = ?9, lsc_issuer = ?10,"
	    " last_ip = ?11, last_node = ?12, last_seen = ?13, last_run = ?14,"
	    " updated = ?15, state = ?16, state_since = ?17, reason = ?18,"
	    " deadline = ?19, queued_at = ?20, prev_valid_until = ?21,"
	    " op_phase = ?22, first_offline = ?23, last_offline = ?24,"
	    " attempts = ?25, next_retry = ?26, renewed_at = ?27", e);
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
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "writing a phone");

	if (old == NULL)
		changed = 1;
	else if (old->state != m->state)
		changed = 1;
	else
		changed = m->state != PS_OK && m->state != PS_RENEWED &&
		    strcmp(old->reason, m->reason) != 0;
	if (changed)
		return event_insert(s, run, now, p->cluster, p->name,
		    old != NULL ? old->state : PS__MAX, m->state, m->reason,
		    e);
	return 0;
}

/* Builds the WHERE clause of a filter into sql; binds come in order. */
int
store_each_phone(struct store *s, const struct store_filter *f,
    store_phone_fn fn, void *arg, struct lsc_err *e)
{
	char sql[1024];
	sqlite3_stmt *st;
	struct store_phone p;
	int rc, ret = -1, n = 0, slen;

	slen = snprintf(sql, sizeof(sql), "SELECT " PHONE_COLS " FROM phone p"
	    " WHERE (?1 IS NULL OR p.cluster = ?1) AND (?2 IS NULL OR"
	    " p.campaign = ?2) AND (?3 IS NULL OR p.pool = ?3) AND"
	    " (?4 IS NULL OR p.name = ?4)");
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
	else
		snprintf(sql + slen, sizeof(sql) - (size_t)slen, " ORDER BY"
		    " p.cluster, p.name");
	if ((st = store_prepare(s, sql, e)) == NULL)
		return -1;
	if (f != NULL) {
		store_bind_text(st, 1, f->cluster);
		store_bind_text(st, 2, f->campaign);
		store_bind_text(st, 3, f->pool);
		store_bind_text(st, 4, f->name);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_to_phone(st, 0, &p);
		if (fn(arg, &p, e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading phones");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

int
store_count_states(struct store *s, store_count_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	enum phone_state ps;
	const char *t;
	int rc, ret = -1;

	st = store_prepare(s, "SELECT cluster, campaign, pool, state, COUNT(*)"
	    " FROM phone GROUP BY cluster, campaign, pool, state ORDER BY"
	    " cluster, campaign, pool, state", e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = store_col_text(st, 3);
		if (t == NULL || phone_state_parse(t, &ps) == -1)
			continue;
		if (fn(arg, store_col_text(st, 0), store_col_text(st, 1),
		    store_col_text(st, 2), ps,
		    (unsigned long)sqlite3_column_int64(st, 4), e) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "counting phones");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
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

/* ---- observations ---------------------------------------------------------- */

int
store_obs_clear(struct store *s, struct lsc_err *e)
{
	return store_exec(s, "DELETE FROM temp.obs", e);
}

int
store_obs_phone(struct store *s, const char *cluster, const char *campaign,
    const struct axl_phone *ph, struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_OBS_PHONE, "INSERT INTO temp.obs (cluster,"
	    " name, campaign, pool, model, description, uuid, cert_operation,"
	    " cert_status, finish_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?9, ?10) ON CONFLICT (cluster, name) DO UPDATE SET"
	    " campaign = ?3, pool = ?4, model = ?5, description = ?6,"
	    " uuid = ?7, cert_operation = ?8, cert_status = ?9,"
	    " finish_time = ?10", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, ph->name);
	store_bind_text(st, 3, campaign);
	store_bind_text(st, 4, ph->device_pool);
	store_bind_text(st, 5, ph->model);
	store_bind_text(st, 6, ph->description);
	store_bind_text(st, 7, ph->uuid);
	store_bind_text(st, 8, ph->cert_operation);
	store_bind_text(st, 9, ph->cert_status);
	store_bind_text(st, 10, ph->finish_time);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording a listed phone");
	return 0;
}

int
store_obs_lsc(struct store *s, const char *cluster, const struct axl_lsc *l,
    struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_OBS_LSC, "UPDATE temp.obs SET have_lsc = 1,"
	    " lsc_valid_until = ?3, lsc_issuer = ?4, db_ip = ?5, db_node = ?6,"
	    " db_seen = ?7 WHERE cluster = ?1 AND name = ?2", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, l->name);
	sqlite3_bind_int64(st, 3, l->valid_until);
	store_bind_text(st, 4, l->issuer);
	store_bind_text(st, 5, l->last_ip);
	store_bind_text(st, 6, l->last_node);
	sqlite3_bind_int64(st, 7, l->last_seen);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording LSC validity");
	return 0;
}

int
store_obs_want_reg(struct store *s, const char *cluster, const char *name,
    struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_OBS_WANT, "UPDATE temp.obs SET want_reg = 1"
	    " WHERE cluster = ? AND name = ?", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "marking a phone to ask about");
	return 0;
}

void
store_names_free(char **names, size_t n)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int
store_obs_next_reg(struct store *s, const char *cluster, size_t max,
    char ***out, size_t *n, struct lsc_err *e)
{
	sqlite3_stmt *st = NULL, *up = NULL;
	char **names = NULL;
	size_t k = 0;
	int rc, ret = -1;

	*out = NULL;
	*n = 0;
	if ((names = calloc(max ? max : 1, sizeof(*names))) == NULL)
		return err_set(e, ERR_SYSTEM, "%s", strerror(errno));
	st = store_prepare(s, "SELECT name FROM temp.obs WHERE cluster = ? AND"
	    " want_reg = 1 AND asked = 0 ORDER BY name LIMIT ?", e);
	if (st == NULL)
		goto out;
	store_bind_text(st, 1, cluster);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((names[k] = strdup(store_col_text(st, 0))) == NULL) {
			err_set(e, ERR_SYSTEM, "%s", strerror(errno));
			goto out;
		}
		k++;
	}
	sqlite3_finalize(st);
	st = NULL;
	up = store_prepare(s, "UPDATE temp.obs SET asked = 1 WHERE cluster = ?"
	    " AND name = ?", e);
	if (up == NULL)
		goto out;
	for (size_t i = 0; i < k; i++) {
		sqlite3_reset(up);
		store_bind_text(up, 1, cluster);
		store_bind_text(up, 2, names[i]);
		if (sqlite3_step(up) != SQLITE_DONE) {
			store_fail(s, e, "marking phones asked");
			goto out;
		}
	}
	*out = names;
	*n = k;
	names = NULL;
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	store_names_free(names, k);
	return ret;
}

int
store_obs_reg(struct store *s, const char *cluster, const struct ris_device *d,
    struct lsc_err *e)
{
	sqlite3_stmt *st;

	st = store_cached(s, STMT_OBS_REG, "UPDATE temp.obs SET reg = ?3,"
	    " reg_ip = ?4, reg_node = ?5, reg_time = ?6 WHERE cluster = ?1 AND"
	    " name = ?2", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, d->name);
	sqlite3_bind_int(st, 3, d->registered ? REG_YES : REG_NO);
	store_bind_text(st, 4, d->ip);
	store_bind_text(st, 5, d->node);
	sqlite3_bind_int64(st, 6, d->timestamp);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, e, "recording a registration");
	return 0;
}

int
store_obs_reg_done(struct store *s, const char *cluster, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "UPDATE temp.obs SET reg = 2 WHERE cluster = ?"
	    " AND asked = 1 AND reg = 0", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "recording registrations");
	return 0;
}

/*
 * Observations are handed out in batches copied off the statement, so the
 * callback may write to the store (the phone table, obs flags) while the
 * walk goes on.  Memory: one batch.
 */
#define OBS_BATCH 256
#define OBS_COLS "o.cluster, o.name, o.campaign, o.pool, o.model," \
	" o.description, o.cert_operation, o.cert_status, o.finish_time," \
	" o.have_lsc, o.lsc_valid_until, o.lsc_issuer, o.reg, o.reg_ip," \
	" o.reg_node, o.reg_time, o.db_ip, o.db_node, o.db_seen," \
	" p.name IS NOT NULL"
#define OBS_NCOLS 20

struct arena {
	char	*block;
	size_t	 used, cap;
	struct arena *next;
};

static const char *
arena_dup(struct arena **a, const char *v)
{
	size_t n;
	struct arena *b;
	char *r;

	if (v == NULL)
		return NULL;
	n = strlen(v) + 1;
	if (*a == NULL || (*a)->cap - (*a)->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		if ((b = malloc(sizeof(*b))) == NULL)
			return NULL;
		if ((b->block = malloc(cap)) == NULL) {
			free(b);
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = *a;
		*a = b;
	}
	r = (*a)->block + (*a)->used;
	memcpy(r, v, n);
	(*a)->used += n;
	return r;
}

static void
arena_free(struct arena *a)
{
	struct arena *next;

	for (; a != NULL; a = next) {
		next = a->next;
		free(a->block);
		free(a);
	}
}

/* Copies every string of a phone into the arena. */
static int
phone_arena_keep(struct arena **a, struct store_phone *p)
{
	const char **f[] = {
		&p->cluster, &p->name, &p->campaign, &p->pool, &p->model,
		&p->description, &p->cert_operation, &p->cert_status,
		&p->lsc_issuer, &p->last_ip, &p->last_node
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL && (*f[i] = arena_dup(a, *f[i])) == NULL)
			return -1;
	return 0;
}

/* Copies every string of an observation row into the arena. */
static int
obs_keep(struct arena **a, struct store_obs *o)
{
	const char **f[] = {
		&o->cluster, &o->name, &o->campaign, &o->pool, &o->model,
		&o->description, &o->finish_time_text, &o->obs.cert_operation,
		&o->obs.cert_status, &o->obs.lsc_issuer, &o->reg_ip,
		&o->reg_node, &o->db_last_ip, &o->db_last_node
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL && (*f[i] = arena_dup(a, *f[i])) == NULL)
			return -1;
	return o->known ? phone_arena_keep(a, &o->stored) : 0;
}

static void
row_to_obs(sqlite3_stmt *st, struct store_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->cluster = store_col_text(st, 0);
	o->name = store_col_text(st, 1);
	o->campaign = store_col_text(st, 2);
	o->pool = store_col_text(st, 3);
	o->model = store_col_text(st, 4);
	o->description = store_col_text(st, 5);
	o->obs.present = 1;
	o->obs.cert_operation = store_col_text(st, 6);
	o->obs.cert_status = store_col_text(st, 7);
	o->finish_time_text = store_col_text(st, 8);
	if (o->finish_time_text == NULL || *o->finish_time_text == '\0' ||
	    axl_parse_finish_time(o->finish_time_text,
	    &o->obs.finish_time) == -1)
		o->obs.finish_time = 0;
	o->obs.have_lsc_data = sqlite3_column_int(st, 9);
	o->obs.lsc_valid_until = sqlite3_column_int64(st, 10);
	o->obs.lsc_issuer = store_col_text(st, 11);
	if (o->obs.lsc_issuer != NULL && *o->obs.lsc_issuer == '\0')
		o->obs.lsc_issuer = NULL;
	o->obs.registered = (enum reg_state)sqlite3_column_int(st, 12);
	o->reg_ip = store_col_text(st, 13);
	o->reg_node = store_col_text(st, 14);
	o->reg_time = sqlite3_column_int64(st, 15);
	o->db_last_ip = store_col_text(st, 16);
	o->db_last_node = store_col_text(st, 17);
	o->db_last_seen = sqlite3_column_int64(st, 18);
	o->known = sqlite3_column_int(st, 19);
	if (o->known)
		row_to_phone(st, OBS_NCOLS, &o->stored);
}

int
store_each_obs(struct store *s, const char *cluster, const char *campaign,
    store_obs_fn fn, void *arg, struct lsc_err *e)
{
	sqlite3_stmt *st = NULL;
	struct store_obs *batch = NULL;
	struct arena *a = NULL;
	char *after = NULL;
	size_t n, i;
	int rc, ret = -1;

	if ((batch = calloc(OBS_BATCH, sizeof(*batch))) == NULL)
		return err_set(e, ERR_SYSTEM, "%s", strerror(errno));
	st = store_prepare(s, "SELECT " OBS_COLS ", " PHONE_COLS " FROM"
	    " temp.obs o LEFT JOIN main.phone p ON p.cluster = o.cluster AND"
	    " p.name = o.name WHERE o.cluster = ?1 AND o.campaign = ?2 AND"
	    " (?3 IS NULL OR o.name > ?3) ORDER BY o.name LIMIT ?4", e);
	if (st == NULL)
		goto out;
	for (;;) {
		sqlite3_reset(st);
		store_bind_text(st, 1, cluster);
		store_bind_text(st, 2, campaign);
		store_bind_text(st, 3, after);
		sqlite3_bind_int(st, 4, OBS_BATCH);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			row_to_obs(st, &batch[n]);
			if (obs_keep(&a, &batch[n]) == -1) {
				err_set(e, ERR_SYSTEM, "%s", strerror(errno));
				goto out;
			}
			n++;
		}
		if (rc != SQLITE_DONE) {
			store_fail(s, e, "reading observations");
			goto out;
		}
		sqlite3_reset(st);
		if (n == 0)
			break;
		free(after);
		if ((after = strdup(batch[n - 1].name)) == NULL) {
			err_set(e, ERR_SYSTEM, "%s", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++)
			if (fn(arg, &batch[i], e) == -1)
				goto out;
		arena_free(a);
		a = NULL;
		if (n < OBS_BATCH)
			break;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	arena_free(a);
	free(after);
	free(batch);
	return ret;
}

int
store_run_claim(struct store *s, const char *cluster, const char *name,
    const char *campaign, const char **owner, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = store_cached(s, STMT_CLAIM, "INSERT INTO temp.claim (cluster,"
	    " name, campaign) VALUES (?1, ?2, ?3) ON CONFLICT (cluster, name)"
	    " DO UPDATE SET campaign = campaign RETURNING campaign", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, name);
	store_bind_text(st, 3, campaign);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail(s, e, "claiming a phone");
	}
	*owner = store_scratch(s, 0, store_col_text(st, 0));
	sqlite3_reset(st);
	return 0;
}

int
store_run_listed(struct store *s, const char *cluster, const char *pool,
    const char *name_like, struct lsc_err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "INSERT INTO temp.listed (cluster, pool,"
	    " pattern) VALUES (?, ?, ?)", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, pool);
	store_bind_text(st, 3, name_like);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, e, "recording a listed pool");
	return 0;
}

int
store_each_unseen(struct store *s, store_phone_fn fn, void *arg,
    struct lsc_err *e)
{
	sqlite3_stmt *st;
	struct store_phone p;
	struct store_phone *all = NULL, *tmp;
	struct arena *a = NULL;
	size_t n = 0, cap = 0;
	int rc, ret = -1;

	/* Copied out first: the callback rewrites these rows.  Only the
	 * phones that vanished, so the list is short. */
	st = store_prepare(s, "SELECT " PHONE_COLS " FROM phone p WHERE"
	    " p.state <> 'gone' AND EXISTS (SELECT 1 FROM temp.listed l WHERE"
	    " l.cluster = p.cluster AND l.pool = p.pool AND (l.pattern IS NULL"
	    " OR p.name LIKE l.pattern)) AND NOT EXISTS (SELECT 1 FROM"
	    " temp.claim c WHERE c.cluster = p.cluster AND c.name = p.name)"
	    " ORDER BY p.cluster, p.name", e);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((tmp = reallocarray(all, cap, sizeof(*all))) ==
			    NULL) {
				err_set(e, ERR_SYSTEM, "%s", strerror(errno));
				goto out;
			}
			all = tmp;
		}
		row_to_phone(st, 0, &p);
		if (phone_arena_keep(&a, &p) == -1) {
			err_set(e, ERR_SYSTEM, "%s", strerror(errno));
			goto out;
		}
		all[n++] = p;
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, e, "reading phones not seen");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < n; i++)
		if (fn(arg, &all[i], e) == -1)
			goto out;
	ret = 0;
out:
	sqlite3_finalize(st);
	arena_free(a);
	free(all);
	return ret;
}
