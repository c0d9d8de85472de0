/*
 * store_obs.c — this run's observations (temporary tables, never on disk):
 * what listPhone, the SQL pages and RisPort70 said of each phone, which
 * campaign claimed it, which pools were listed in full; and the walks over
 * them, in batches so the walker may write while it walks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store_int.h"

int
store_obs_clear(struct store *s, struct lsc_err *e)
{
	/* the walk's index is built once the listing is complete (see
	 * store_each_obs): kept up to date row by row, it cost more than
	 * the walk itself */
	return store_exec(s, "DROP INDEX IF EXISTS temp.obs_urgency;"
	    "DELETE FROM temp.obs", e);
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
	int rc = SQLITE_DONE, ret = -1;

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
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, e, "reading the phones to ask about");
		goto out;
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
	if (k > 0) {
		*out = names;
		*n = k;
		names = NULL;
	}
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

	st = store_prepare(s, "UPDATE temp.obs SET reg = 2 WHERE cluster = ?"
	    " AND asked = 1 AND reg = 0", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	return store_step_once(s, st, "recording registrations", e);
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
		store_row_to_phone(st, OBS_NCOLS, &o->stored);
}

int
store_each_obs(struct store *s, const char *cluster, const char *campaign,
    enum store_order order, store_obs_fn fn, void *arg, struct lsc_err *e)
{
	static const char by_name[] = "SELECT " OBS_COLS ", " PHONE_COLS
	    " FROM temp.obs o LEFT JOIN main.phone p ON p.cluster = o.cluster"
	    " AND p.name = o.name WHERE o.cluster = ?1 AND o.campaign = ?2 AND"
	    " (?3 IS NULL OR o.name > ?3) ORDER BY o.name LIMIT ?4";
	static const char by_urgency[] = "SELECT " OBS_COLS ", " PHONE_COLS
	    " FROM temp.obs o LEFT JOIN main.phone p ON p.cluster = o.cluster"
	    " AND p.name = o.name WHERE o.cluster = ?1 AND o.campaign = ?2 AND"
	    " (?3 IS NULL OR (o.lsc_valid_until, o.name) > (?5, ?3))"
	    " ORDER BY o.lsc_valid_until, o.name LIMIT ?4";
	sqlite3_stmt *st = NULL;
	struct store_obs *batch = NULL;
	struct arena *a = NULL;
	char *after = NULL;
	int64_t after_valid = 0;
	size_t n, i;
	int rc, ret = -1;

	if ((batch = calloc(OBS_BATCH, sizeof(*batch))) == NULL)
		return err_set(e, ERR_SYSTEM, "%s", strerror(errno));
	/* most urgent first, read from an index built once the listing is
	 * complete */
	if (order == STORE_ORDER_URGENCY && store_exec(s, "CREATE INDEX IF NOT"
	    " EXISTS temp.obs_urgency ON obs (cluster, campaign,"
	    " lsc_valid_until, name)", e) == -1)
		goto out;
	st = store_prepare(s, order == STORE_ORDER_URGENCY ? by_urgency :
	    by_name, e);
	if (st == NULL)
		goto out;
	for (;;) {
		sqlite3_reset(st);
		store_bind_text(st, 1, cluster);
		store_bind_text(st, 2, campaign);
		store_bind_text(st, 3, after);
		sqlite3_bind_int(st, 4, OBS_BATCH);
		sqlite3_bind_int64(st, 5, after_valid);
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
		after_valid = batch[n - 1].obs.lsc_valid_until;
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

	st = store_prepare(s, "INSERT INTO temp.listed (cluster, pool,"
	    " pattern) VALUES (?, ?, ?)", e);
	if (st == NULL)
		return -1;
	store_bind_text(st, 1, cluster);
	store_bind_text(st, 2, pool);
	store_bind_text(st, 3, name_like);
	return store_step_once(s, st, "recording a listed pool", e);
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
		store_row_to_phone(st, 0, &p);
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
