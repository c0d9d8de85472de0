/*
 * record.c — what a run records of a phone: its observation copied out of
 * the reply, the row it makes with a decided memory, the batch
 * transaction it is written in, and the event the observer sees.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/engine_int.h"

/* Commits the batch after this many phones even without a pause. */
#define BATCH_MAX	4096

static size_t
len0(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

/* Copies s to *at and returns the copy (NULL for NULL). */
static const char *
put_str(char **at, const char *s)
{
	char	*r = *at;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(r, s, n);
	*at += n;
	return r;
}

struct cand *
cand_new(size_t pol, const struct axl_phone *ph)
{
	struct cand *c;
	char	*at;

	c = malloc(sizeof(*c) + len0(ph->name) + len0(ph->description) +
	    len0(ph->device_pool) + len0(ph->model) + len0(ph->cert_operation) +
	    len0(ph->cert_status) + len0(ph->lsc_issuer) + len0(ph->last_ip) +
	    len0(ph->last_node));
	if (c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	at = (char *)(c + 1);
	c->pol = pol;
	c->name = put_str(&at, ph->name);
	c->description = put_str(&at, ph->description);
	c->pool = put_str(&at, ph->device_pool);
	c->model = put_str(&at, ph->model);
	c->cert_operation = put_str(&at, ph->cert_operation);
	c->cert_status = put_str(&at, ph->cert_status);
	c->lsc_issuer = put_str(&at, ph->lsc_issuer);
	c->db_ip = put_str(&at, ph->last_ip);
	c->db_node = put_str(&at, ph->last_node);
	c->db_seen = ph->last_seen;
	c->have_lsc = ph->have_lsc;
	c->lsc_valid_until = ph->lsc_valid_until;
	if (ph->finish_time == NULL || ph->finish_time[0] == '\0' ||
	    axl_parse_finish_time(ph->finish_time, &c->finish_time) == -1)
		c->finish_time = 0;
	c->reg = REG_UNKNOWN;
	return c;
}

void
cand_free(struct cand *c)
{
	if (c == NULL)
		return;
	free(c->reg_ip);
	free(c->reg_node);
	free(c->last_ip);
	free(c->last_node);
	free(c->kept_issuer);
	free(c);
}

int
cand_push(struct cand ***v, size_t *n, size_t *cap, struct cand *c,
    struct lsc_err *e)
{
	struct cand **nv;

	if (*n == *cap) {
		if ((nv = reallocarray(*v, *cap ? 2 * *cap : 256,
		    sizeof(*nv))) == NULL) {
			cand_free(c);
			return err_set(e, ERR_SYSTEM, "out of memory");
		}
		*v = nv;
		*cap = *cap ? 2 * *cap : 256;
	}
	(*v)[(*n)++] = c;
	return 0;
}

void
cand_observation(const struct cand *c, struct observation *o)
{
	memset(o, 0, sizeof(*o));
	o->present = 1;
	o->have_lsc_data = c->have_lsc;
	o->cert_operation = c->cert_operation;
	o->cert_status = c->cert_status;
	o->finish_time = c->finish_time;
	o->lsc_valid_until = c->lsc_valid_until;
	o->lsc_issuer = c->lsc_issuer;
	o->registered = c->reg;
	o->side = c->side;
	o->side_mic = c->side_mic;
	o->side_not_after = c->side_not_after;
	o->side_why = c->side_why;
}

/* Sets *slot to a copy of s once (the first value wins). */
static int
keep(char **slot, const char *s)
{
	if (*slot != NULL || s == NULL)
		return 0;
	return (*slot = strdup(s)) == NULL ? -1 : 0;
}

int
cand_phone(struct crun *r, struct cand *c, const struct store_phone *old,
    const struct phone_memory *m, struct store_phone *p, struct lsc_err *e)
{
	int64_t	 now = r->eng->now;

	/* where the phone was last: RisPort70 first, then the database,
	 * then what we knew (copied: the stored row does not last) */
	if (keep(&c->last_ip, c->reg_ip) == -1 ||
	    keep(&c->last_ip, c->db_ip) == -1 ||
	    keep(&c->last_node, c->reg_node) == -1 ||
	    keep(&c->last_node, c->db_node) == -1 ||
	    (old != NULL && (keep(&c->last_ip, old->last_ip) == -1 ||
	    keep(&c->last_node, old->last_node) == -1 ||
	    (!c->have_lsc && keep(&c->kept_issuer, old->lsc_issuer) == -1))))
		return err_set(e, ERR_SYSTEM, "out of memory");
	if (old != NULL) {
		if (old->last_seen > c->db_seen)
			c->db_seen = old->last_seen;
		if (!c->have_lsc)
			c->lsc_valid_until = old->lsc_valid_until;
	}
	memset(p, 0, sizeof(*p));
	p->id = old != NULL ? old->id : 0;
	p->cluster = r->cl->name;
	p->name = c->name;
	p->campaign = r->pols[c->pol]->name;
	p->pool = c->pool;
	p->model = c->model;
	p->description = c->description;
	p->cert_operation = c->cert_operation;
	p->cert_status = c->cert_status;
	p->lsc_valid_until = c->lsc_valid_until;
	p->lsc_issuer = c->have_lsc ? c->lsc_issuer : c->kept_issuer;
	p->last_ip = c->last_ip;
	p->last_node = c->last_node;
	p->last_seen = c->db_seen;
	if (c->reg == REG_YES)
		p->last_seen = now;
	else if (c->reg == REG_NO && c->reg_time > p->last_seen &&
	    c->reg_time <= now)
		p->last_seen = c->reg_time;
	/* to the hour: a phone asked about every run is not rewritten every
	 * run for the seconds since it was last seen */
	if (old != NULL && p->last_seen > old->last_seen &&
	    old->last_seen > 0 && p->last_seen - old->last_seen < 3600)
		p->last_seen = old->last_seen;
	p->last_run = r->eng->run;
	p->mem = *m;
	return 0;
}

/* The run's now plus the time it has taken so far. */
static int64_t
wall_now(const struct engine *eng)
{
	if (eng->clock == NULL)
		return eng->now;
	return eng->now + (eng->clock->mono_ms(eng->clock) - eng->start_ms) /
	    1000;
}

void
run_ctx(struct crun *r, const struct policy *pol, struct policy_ctx *c)
{
	struct engine *eng = r->eng;
	size_t	 i;
	unsigned queued = 0;

	for (i = 0; i < r->npols; i++)
		if (r->pols[i] == pol)
			queued = r->queued[i];
	memset(c, 0, sizeof(*c));
	c->now = eng->now;
	/* the window is checked at the time of each decision, not at the
	 * run's start: a long run stops writing when the window closes */
	c->may_write = policy_window_open(pol, wall_now(eng));
	if (c->may_write && eng->writes_blocked) {
		c->may_write = 0;
		c->hold_reason = "writes held for this run (see the run's "
		    "error)";
	}
	if (pol->max_per_run == 0)
		c->budget_left = INT_MAX;
	else
		c->budget_left = queued >= pol->max_per_run ? 0 :
		    (int)(pol->max_per_run - queued);
}

int
rec_open_as(struct crun *r, int durable, struct lsc_err *e)
{
	struct engine *eng = r->eng;

	if (r->in_txn && r->durable == durable)
		return 0;
	if (rec_close(r, e) == -1)
		return -1;
	/* a plan only reads, but in one transaction too: each lookup in a
	 * transaction of its own would check the file and drop the cache */
	if (eng->mode == ENGINE_PLAN) {
		if (store_begin_read(eng->store, e) == -1)
			return -1;
	} else if (store_durable(eng->store, durable, e) == -1 ||
	    store_begin(eng->store, e) == -1)
		return -1;
	r->in_txn = 1;
	r->durable = durable;
	r->batch = 0;
	return 0;
}

int
rec_open(struct crun *r, struct lsc_err *e)
{
	return r->in_txn ? 0 : rec_open_as(r, 0, e);
}

int
rec_close(struct crun *r, struct lsc_err *e)
{
	if (!r->in_txn)
		return 0;
	if (store_commit(r->eng->store, e) == -1)
		return rec_abort(r);
	r->in_txn = 0;
	return 0;
}

int
rec_abort(struct crun *r)
{
	r->in_txn = 0;
	store_rollback(r->eng->store);
	return -1;
}

int
rec_put(struct crun *r, const struct store_phone *p,
    const struct store_phone *old, const struct phone_memory *oldmem,
    struct lsc_err *e)
{
	struct engine *eng = r->eng;

	if (eng->mode == ENGINE_PLAN ||
	    (old != NULL && !store_phone_differs(old, p)))
		return 0;
	if (rec_open(r, e) == -1)
		return -1;
	if (store_phone_put(eng->store, eng->run, eng->now, p, oldmem,
	    e) == -1)
		return rec_abort(r);
	if (++r->batch >= BATCH_MAX)
		return rec_close(r, e);
	return 0;
}

void
rec_tell(struct crun *r, const struct store_phone *p, enum phone_state old,
    enum action act, const char *error)
{
	struct engine_phone_event ev;
	const struct engine_observer *ob = r->eng->observer;

	if (ob == NULL || ob->phone == NULL)
		return;
	ev.cluster = p->cluster;
	ev.campaign = p->campaign;
	ev.pool = p->pool;
	ev.name = p->name;
	ev.old_state = old;
	ev.new_state = p->mem.state;
	ev.action = act;
	ev.reason = p->mem.reason;
	ev.error = error;
	ob->phone(ob->arg, &ev);
}
