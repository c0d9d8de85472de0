/*
 * engine.c — one campaign run: inventory, decide, ask, queue, defer,
 * verify, record.
 *
 * Order of work per campaign:
 *  1. list every pool (listPhone + executeSQLQuery pages) into the
 *     run's observation table;
 *  2. decide every phone once without registration; the ones whose fate
 *     depends on it (due, pending, left behind) are marked;
 *  3. ask RisPort70 about the marked ones only, 1000 names a call;
 *  4. decide again and act: record, or queue (updatePhone + apply), each
 *     write preceded by a committed record of the intent, so a run killed
 *     at any point is recovered by reading CUCM back on the next run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/engine_int.h"

#define PUT_BATCH	256


static void
progress(struct crun *r, const char *pool, const char *stage)
{
	struct engine_progress pr;
	const struct engine_observer *ob = r->eng->observer;

	if (ob == NULL || ob->progress == NULL)
		return;
	pr.campaign = r->pol->name;
	pr.pool = pool;
	pr.stage = stage;
	pr.phones = r->listed;
	pr.queued = r->queued;
	pr.left_behind = r->left;
	ob->progress(ob->arg, &pr);
}

void
engine_tell(struct crun *r, const struct store_phone *p,
    enum phone_state old, enum action act, const char *error)
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

/* ---- batched writes to the store --------------------------------------- */

int
engine_txn_open(struct crun *r, struct lsc_err *e)
{
	if (r->in_txn)
		return 0;
	if (store_begin(r->eng->store, e) == -1)
		return -1;
	r->in_txn = 1;
	r->batch = 0;
	return 0;
}

int
engine_txn_close(struct crun *r, struct lsc_err *e)
{
	if (!r->in_txn)
		return 0;
	r->in_txn = 0;
	if (store_commit(r->eng->store, e) == -1) {
		store_rollback(r->eng->store);
		return -1;
	}
	return 0;
}

static int
put(struct crun *r, const struct store_phone *p, const struct phone_memory
    *old, struct lsc_err *e)
{
	if (engine_txn_open(r, e) == -1 ||
	    store_phone_put(r->eng->store, r->eng->run, r->eng->now, p, old,
	    e) == -1)
		return -1;
	if (++r->batch >= PUT_BATCH)
		return engine_txn_close(r, e);
	return 0;
}

/* Commits p (and the audit change, if any) on its own, now. */
int
engine_put_now(struct crun *r, const struct store_phone *p,
    const struct phone_memory *old, int64_t audit, const char *result,
    struct lsc_err *e)
{
	if (engine_txn_close(r, e) == -1 || engine_txn_open(r, e) == -1)
		return -1;
	if ((audit != 0 && store_audit_end(r->eng->store, audit, result,
	    e) == -1) || store_phone_put(r->eng->store, r->eng->run,
	    r->eng->now, p, old, e) == -1) {
		r->in_txn = 0;
		store_rollback(r->eng->store);
		return -1;
	}
	return engine_txn_close(r, e);
}

/* ---- inventory ------------------------------------------------------------ */

static int
on_phone(void *arg, const struct axl_phone *ph, struct lsc_err *e)
{
	struct crun *r = arg;
	struct axl_phone copy = *ph;

	if (ph->name == NULL || *ph->name == '\0')
		return 0;
	if (copy.device_pool == NULL || *copy.device_pool == '\0')
		copy.device_pool = r->pool;
	r->listed++;
	return store_obs_phone(r->eng->store, r->cl->name, r->pol->name, &copy,
	    e);
}

static int
on_lsc(void *arg, const struct axl_lsc *l, struct lsc_err *e)
{
	struct crun *r = arg;

	if (l->name == NULL)
		return 0;
	r->lsc_rows++;
	return store_obs_lsc(r->eng->store, r->cl->name, l, e);
}

static int
list_pools(struct crun *r, struct lsc_err *e)
{
	struct store *s = r->eng->store;
	const struct policy *pol = r->pol;
	unsigned long listed;

	for (size_t i = 0; i < pol->npools; i++) {
		r->pool = pol->pools[i];
		progress(r, r->pool, "listing");
		if (store_obs_begin(s, e) == -1)
			return -1;
		listed = r->listed;
		r->lsc_rows = 0;
		if (axl_list_phones(r->cl->axl, r->pool, pol->name_like,
		    on_phone, r, e) == -1 ||
		    axl_list_lsc(r->cl->axl, r->pool, pol->name_like, on_lsc,
		    r, e) == -1) {
			store_rollback(s);
			return err_prefix(e, "device pool \"%s\"", r->pool);
		}
		if (r->listed > listed && r->lsc_rows == 0) {
			/* the two reads disagree on which phones the pool
			 * holds: deciding on half the facts would pass
			 * every phone off as unknown */
			store_rollback(s);
			return err_set(e, ERR_FAULT, "device pool \"%s\": "
			    "listPhone listed %lu phones but executeSQLQuery "
			    "returned none of them", r->pool,
			    r->listed - listed);
		}
		if (store_obs_commit(s, e) == -1) {
			store_rollback(s);
			return -1;
		}
	}
	r->pool = NULL;
	return 0;
}

/* Once the whole campaign went through: its pools were listed in full,
 * so their phones it did not see are candidates for "gone". */
static int
record_listed(struct crun *r, struct lsc_err *e)
{
	const struct policy *pol = r->pol;

	for (size_t i = 0; i < pol->npools; i++)
		if (store_run_listed(r->eng->store, r->cl->name, pol->pools[i],
		    pol->name_like, e) == -1)
			return -1;
	return 0;
}

/* ---- deciding ---------------------------------------------------------- */

static void
memory_of(const struct store_obs *o, struct phone_memory *m)
{
	if (o->known)
		*m = o->stored.mem;
	else {
		memset(m, 0, sizeof(*m));
		m->state = PS_OK;
	}
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

static void
ctx_of(struct crun *r, struct policy_ctx *c)
{
	struct engine *eng = r->eng;

	memset(c, 0, sizeof(*c));
	c->now = eng->now;
	/* the window is checked at the time of each write, not at the
	 * run's start: a long run stops writing when the window closes */
	c->may_write = policy_window_open(r->pol, wall_now(eng));
	if (c->may_write && eng->writes_blocked) {
		c->may_write = 0;
		c->hold_reason = "writes held for this run (see the run's "
		    "error)";
	}
	if (r->pol->max_per_run == 0)
		c->budget_left = INT_MAX;
	else
		c->budget_left = r->queued >= r->pol->max_per_run ? 0 :
		    (int)(r->pol->max_per_run - r->queued);
}

/* 1 when another campaign owns this phone in this run. */
static int
not_ours(struct crun *r, const struct store_obs *o, struct lsc_err *e)
{
	const char *owner = NULL;

	if (store_run_claim(r->eng->store, o->cluster, o->name, r->pol->name,
	    &owner, e) == -1)
		return -1;
	return owner != NULL && strcmp(owner, r->pol->name) != 0;
}

static int
pass_ask(void *arg, const struct store_obs *o, struct lsc_err *e)
{
	struct crun *r = arg;
	struct phone_memory old, m;
	struct policy_ctx c;
	int theirs;

	if ((theirs = not_ours(r, o, e)) != 0)
		return theirs == -1 ? -1 : 0;
	memory_of(o, &old);
	ctx_of(r, &c);
	if (policy_decide(&o->obs, &old, r->pol, &c, o->name, &m) ==
	    ACT_NEED_REG)
		return store_obs_want_reg(r->eng->store, o->cluster, o->name,
		    e);
	return 0;
}

static int
on_reg(void *arg, const struct ris_device *d, struct lsc_err *e)
{
	struct crun *r = arg;

	return store_obs_reg(r->eng->store, r->cl->name, d, e);
}

static int
ask_registration(struct crun *r, struct lsc_err *e)
{
	struct store *s = r->eng->store;
	char **names = NULL;
	size_t n = 0;
	int rc;

	progress(r, NULL, "registration");
	for (;;) {
		if (store_obs_next_reg(s, r->cl->name, 1000, &names, &n,
		    e) == -1)
			return -1;
		if (n == 0)
			break;
		rc = ris_select(r->cl->ris, (const char *const *)names, n,
		    on_reg, r, e);
		store_names_free(names, n);
		names = NULL;
		if (rc == -1)
			return err_prefix(e, "RisPort70");
	}
	return store_obs_reg_done(s, r->cl->name, e);
}

/* The phone's row as this run saw it. */
static void
phone_of(struct crun *r, const struct store_obs *o, const struct phone_memory
    *m, struct store_phone *p)
{
	const struct store_phone *old = o->known ? &o->stored : NULL;

	memset(p, 0, sizeof(*p));
	p->cluster = o->cluster;
	p->name = o->name;
	p->campaign = r->pol->name;
	p->pool = o->pool;
	p->model = o->model;
	p->description = o->description;
	p->cert_operation = o->obs.cert_operation;
	p->cert_status = o->obs.cert_status;
	p->lsc_valid_until = o->obs.lsc_valid_until;
	p->lsc_issuer = o->obs.lsc_issuer;
	/* where the phone was last: RisPort70 first, then the database,
	 * then what we knew */
	p->last_ip = o->reg_ip != NULL ? o->reg_ip : o->db_last_ip;
	p->last_node = o->reg_node != NULL ? o->reg_node : o->db_last_node;
	if (p->last_ip == NULL && old != NULL)
		p->last_ip = old->last_ip;
	if (p->last_node == NULL && old != NULL)
		p->last_node = old->last_node;
	p->last_seen = o->db_last_seen;
	if (old != NULL && old->last_seen > p->last_seen)
		p->last_seen = old->last_seen;
	if (o->obs.registered == REG_YES)
		p->last_seen = r->eng->now;
	else if (o->obs.registered == REG_NO && o->reg_time > p->last_seen &&
	    o->reg_time <= r->eng->now)
		p->last_seen = o->reg_time;
	p->last_run = r->eng->run;
	p->mem = *m;
}

static void
count(struct crun *r, enum phone_state old, const struct phone_memory *m)
{
	struct store_counts *c = &r->eng->counts;

	c->phones++;
	if (m->state == PS_RENEWED && old != PS_RENEWED)
		c->renewed++;
	if (m->state == PS_LEFT_BEHIND && old != PS_LEFT_BEHIND) {
		c->newly_left_behind++;
		r->left++;
	}
}

static int
pass_act(void *arg, const struct store_obs *o, struct lsc_err *e)
{
	struct crun *r = arg;
	struct phone_memory old, m;
	const struct phone_memory *prev;
	struct policy_ctx c;
	struct store_phone p;
	enum action act;
	char failure[LSC_ERR_MSGLEN];
	int theirs, rc = 0;

	if ((theirs = not_ours(r, o, e)) != 0)
		return theirs == -1 ? -1 : 0;
	memory_of(o, &old);
	prev = o->known ? &old : NULL;
	ctx_of(r, &c);
	act = policy_decide(&o->obs, &old, r->pol, &c, o->name, &m);
	if (act == ACT_NEED_REG) {
		/* not asked (RisPort70 skipped it): decide next run */
		m = old;
		act = ACT_NONE;
	}
	phone_of(r, o, &m, &p);
	count(r, prev != NULL ? old.state : PS__MAX, &m);
	failure[0] = '\0';

	if (r->eng->mode == ENGINE_PLAN) {
		if (act == ACT_QUEUE)
			r->queued++;
	} else if (act == ACT_QUEUE)
		rc = engine_queue(r, o, &old, prev, &p, failure,
		    sizeof(failure), e);
	else if (act == ACT_NOTIFY)
		rc = engine_txn_close(r, e) == -1 ||
		    engine_put_now(r, &p, prev, 0, NULL, e) == -1 ? -1 :
		    engine_notify(r, &p, failure, sizeof(failure), e);
	else
		rc = put(r, &p, prev, e);
	if (rc == -1)
		return -1;
	/* one event per phone, with the write's failure if there was one */
	engine_tell(r, &p, prev != NULL ? old.state : PS__MAX, act,
	    failure[0] != '\0' ? failure : NULL);
	return 0;
}

/* Runs fn inside one transaction on the run's temporary tables. */
static int
obs_txn(struct crun *r, int (*fn)(struct crun *, struct lsc_err *),
    struct lsc_err *e)
{
	struct store *s = r->eng->store;

	if (store_obs_begin(s, e) == -1)
		return -1;
	if (fn(r, e) == -1) {
		store_rollback(s);
		return -1;
	}
	if (store_obs_commit(s, e) == -1) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* Deciding needs no order; acting under a run limit does (the most
 * urgent phones get the operations), and so does a plan showing it. */
static enum store_order
walk_order(const struct crun *r)
{
	return r->walker == pass_act && r->pol->max_per_run > 0 ?
	    STORE_ORDER_URGENCY : STORE_ORDER_NAME;
}

static int
walk(struct crun *r, struct lsc_err *e)
{
	return store_each_obs(r->eng->store, r->cl->name, r->pol->name,
	    walk_order(r), r->walker, r, e);
}

/* A walk over the observations that writes only temporary tables. */
static int
obs_pass(struct crun *r, store_obs_fn fn, struct lsc_err *e)
{
	r->walker = fn;
	return obs_txn(r, walk, e);
}

int
engine_campaign(struct engine *eng, const struct policy *pol,
    const struct engine_cluster *cl, struct lsc_err *e)
{
	struct crun r;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.eng = eng;
	r.pol = pol;
	r.cl = cl;
	if (eng->start_ms == 0 && eng->clock != NULL)
		eng->start_ms = eng->clock->mono_ms(eng->clock);

	if (store_obs_clear(eng->store, e) == -1 ||
	    list_pools(&r, e) == -1)
		goto out;
	/*
	 * The claims, marks and answers of this run go to temporary tables
	 * in one transaction per pass, not one per phone: a journal cycle
	 * per phone cost more than all the rest of a plan.
	 */
	if (obs_pass(&r, pass_ask, e) == -1 ||
	    obs_txn(&r, ask_registration, e) == -1)
		goto out;
	progress(&r, NULL, "queueing");
	if (eng->mode == ENGINE_PLAN) {
		if (obs_pass(&r, pass_act, e) == -1)
			goto out;
	} else if (store_each_obs(eng->store, cl->name, pol->name,
	    pol->max_per_run > 0 ? STORE_ORDER_URGENCY : STORE_ORDER_NAME,
	    pass_act, &r, e) == -1 || engine_txn_close(&r, e) == -1)
		goto out;
	if (record_listed(&r, e) == -1)
		goto out;
	progress(&r, NULL, "done");
	if (r.fatal) {
		*e = r.fatal_err;
		goto out;
	}
	ret = 0;
out:
	if (r.in_txn)
		store_rollback(eng->store);
	return ret;
}

struct gone_ctx {
	struct engine	*eng;
	int		 in_txn;
};

static int
on_unseen(void *arg, const struct store_phone *sp, struct lsc_err *e)
{
	struct gone_ctx *g = arg;
	struct engine *eng = g->eng;
	struct observation absent;
	struct policy pol;
	struct policy_ctx c;
	struct store_phone p = *sp;
	const struct engine_observer *ob = eng->observer;
	struct engine_phone_event ev;

	memset(&absent, 0, sizeof(absent));
	memset(&c, 0, sizeof(c));
	policy_defaults(&pol);
	c.now = eng->now;
	policy_decide(&absent, &sp->mem, &pol, &c, sp->name, &p.mem);
	eng->counts.phones++;
	if (ob != NULL && ob->phone != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.cluster = p.cluster;
		ev.campaign = p.campaign;
		ev.pool = p.pool;
		ev.name = p.name;
		ev.old_state = sp->mem.state;
		ev.new_state = p.mem.state;
		ev.action = ACT_NONE;
		ev.reason = p.mem.reason;
		ob->phone(ob->arg, &ev);
	}
	if (eng->mode == ENGINE_PLAN)
		return 0;
	if (!g->in_txn) {
		if (store_begin(eng->store, e) == -1)
			return -1;
		g->in_txn = 1;
	}
	return store_phone_put(eng->store, eng->run, eng->now, &p, &sp->mem,
	    e);
}

static int
on_count(void *arg, const char *cluster, const char *campaign,
    const char *pool, enum phone_state s, unsigned long n, struct lsc_err *e)
{
	struct engine *eng = arg;

	(void)cluster;
	(void)campaign;
	(void)pool;
	(void)e;
	eng->counts.state[s] += n;
	return 0;
}

int
engine_finish(struct engine *eng, struct lsc_err *e)
{
	struct gone_ctx g = { eng, 0 };

	if (store_each_unseen(eng->store, on_unseen, &g, e) == -1) {
		if (g.in_txn)
			store_rollback(eng->store);
		return -1;
	}
	if (g.in_txn && store_commit(eng->store, e) == -1) {
		store_rollback(eng->store);
		return -1;
	}
	memset(eng->counts.state, 0, sizeof(eng->counts.state));
	return store_count_states(eng->store, on_count, eng, e);
}
