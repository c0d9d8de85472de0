/*
 * engine.c — a cluster's run: its inventory read once, each phone decided
 * as it arrives, RisPort70 asked about the phones that need it, a thousand
 * names a call, between pages; the writes a decision asks for sent while
 * the next RisPort70 call waits for its slot; the phones of the pools read
 * that did not come back recorded as gone.
 *
 * Memory is bounded by a page of phones waiting for RisPort70 and, under a
 * run limit, by the limit: the most urgent phones of a campaign are kept
 * until the end and written then (the others wait for the next run).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jobs/engine_int.h"

#define RIS_NAMES	1000	/* names per selectCmDevice */

/* A pool and the campaigns that name it, in configuration order. */
struct pool_map {
	const char	*pool;
	size_t		 pol;
};

/* A campaign's most urgent queued phones, under its run limit: a heap
 * with the least urgent on top. */
struct heap {
	struct wentry	*v;
	size_t		 n, cap;
};

static void
progress(struct crun *r, const char *stage)
{
	struct engine_progress pr;
	const struct engine_observer *ob = r->eng->observer;

	if (ob == NULL || ob->progress == NULL)
		return;
	pr.cluster = r->cl->name;
	pr.stage = stage;
	pr.phones = r->listed;
	pr.expected = r->expected;
	pr.queued = r->eng->counts.queued;
	pr.left_behind = r->left;
	ob->progress(ob->arg, &pr);
}

/* --- which campaign a phone belongs to ---------------------------------- */

static int
cmp_map(const void *a, const void *b)
{
	const struct pool_map *x = a, *y = b;
	int	 c = strcmp(x->pool, y->pool);

	return c != 0 ? c : (x->pol > y->pol) - (x->pol < y->pol);
}

static int
build_map(struct crun *r, struct lsc_err *e)
{
	size_t	 n = 0, i, j;

	for (i = 0; i < r->npols; i++)
		n += r->pols[i]->npools;
	if ((r->map = calloc(n ? n : 1, sizeof(*r->map))) == NULL)
		return err_set(e, ERR_SYSTEM, "out of memory");
	for (i = 0; i < r->npols; i++)
		for (j = 0; j < r->pols[i]->npools; j++) {
			r->map[r->nmap].pool = r->pols[i]->pools[j];
			r->map[r->nmap++].pol = i;
		}
	qsort(r->map, r->nmap, sizeof(*r->map), cmp_map);
	return 0;
}

/* SQL's LIKE as listPhone applies it: % any run, _ any one character,
 * ASCII case ignored. */
static int
like(const char *s, const char *p)
{
	const char *star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*p == '%') {
			star = ++p;
			back = s;
		} else if (*p != '\0' && (*p == '_' ||
		    strncasecmp(p, s, 1) == 0)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star;
			s = ++back;
		} else
			return 0;
	}
	while (*p == '%')
		p++;
	return *p == '\0';
}

/* The first campaign whose pools and pattern take the phone; -1 none. */
static long
owner(const struct crun *r, const struct axl_phone *ph)
{
	const struct pool_map *m = r->map, *end = r->map + r->nmap;
	size_t	 lo = 0, hi = r->nmap, mid;
	const char *pat;

	if (ph->device_pool == NULL)
		return -1;
	while (lo < hi) {		/* the first entry of the pool */
		mid = lo + (hi - lo) / 2;
		if (strcmp(m[mid].pool, ph->device_pool) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (m += lo; m < end && strcmp(m->pool, ph->device_pool) == 0; m++) {
		pat = r->pols[m->pol]->name_like;
		if (pat == NULL || like(ph->name, pat))
			return (long)m->pol;
	}
	/* listPhone names the pool as CUCM spells it */
	for (m = r->map; m < end; m++)
		if (strcasecmp(m->pool, ph->device_pool) == 0 &&
		    ((pat = r->pols[m->pol]->name_like) == NULL ||
		    like(ph->name, pat)))
			return (long)m->pol;
	return -1;
}

/* --- phones already read in this run (by store id) ----------------------- */

static int
seen(void *arg, int64_t id)
{
	const struct crun *r = arg;

	return id > 0 && (size_t)id / 8 < r->seen_len &&
	    (r->seen[id / 8] & (1u << (id % 8))) != 0;
}

static int
see(struct crun *r, int64_t id)
{
	size_t	 need = (size_t)id / 8 + 1, len;
	unsigned char *v;

	if (need > r->seen_len) {
		len = need > 2 * r->seen_len ? need : 2 * r->seen_len;
		if ((v = realloc(r->seen, len)) == NULL)
			return -1;
		memset(v + r->seen_len, 0, len - r->seen_len);
		r->seen = v;
		r->seen_len = len;
	}
	r->seen[id / 8] |= (unsigned char)(1u << (id % 8));
	return 0;
}

/* --- deciding ------------------------------------------------------------- */

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

/* Urgency: no LSC first, then the soonest expiry, then by name. */
static int
more_urgent(const struct wentry *a, const struct wentry *b)
{
	if (a->c->lsc_valid_until != b->c->lsc_valid_until)
		return a->c->lsc_valid_until < b->c->lsc_valid_until;
	return strcmp(a->c->name, b->c->name) < 0;
}

static void
sift_down(struct heap *h, size_t i)
{
	struct wentry t;
	size_t	 k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= h->n)
			return;
		if (k + 1 < h->n && more_urgent(&h->v[k], &h->v[k + 1]))
			k++;	/* the less urgent child */
		if (!more_urgent(&h->v[i], &h->v[k]))
			return;
		t = h->v[i];
		h->v[i] = h->v[k];
		h->v[k] = t;
		i = k;
	}
}

static void
sift_up(struct heap *h, size_t i)
{
	struct wentry t;

	while (i > 0 && more_urgent(&h->v[(i - 1) / 2], &h->v[i])) {
		t = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* Decides again a phone that lost its place to more urgent ones. */
static int
over_limit(struct crun *r, struct wentry *w, struct lsc_err *e)
{
	struct observation o;
	struct policy_ctx ctx;
	struct phone_memory m;
	struct store_phone p;

	cand_observation(w->c, &o);
	run_ctx(r, w->pol, &ctx);
	ctx.budget_left = 0;
	(void)policy_decide(&o, &w->old, w->pol, &ctx, w->c->name, &m);
	if (cand_phone(r, w->c, NULL, &m, &p, e) == -1)
		return -1;
	p.id = w->p.id;
	if (rec_put(r, &p, NULL, w->known ? &w->old : NULL, e) == -1)
		return -1;
	rec_tell(r, &p, w->known ? w->old.state : PS__MAX, ACT_NONE, NULL);
	cand_free(w->c);
	return 0;
}

/* Keeps a queued phone among its campaign's most urgent ones. */
static int
keep_urgent(struct crun *r, struct cand *c, const struct store_phone *old,
    const struct store_phone *p, struct lsc_err *e)
{
	struct heap *h = &r->heaps[c->pol];
	struct wentry w, *v;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.pol = r->pols[c->pol];
	w.known = old != NULL;
	if (old != NULL)
		w.old = old->mem;
	w.p = *p;
	w.act = ACT_QUEUE;
	if (h->n < w.pol->max_per_run) {
		if (h->n == h->cap) {
			h->cap = h->cap ? 2 * h->cap : 64;
			if ((v = reallocarray(h->v, h->cap, sizeof(*v))) ==
			    NULL) {
				cand_free(c);
				return err_set(e, ERR_SYSTEM, "out of memory");
			}
			h->v = v;
		}
		h->v[h->n++] = w;
		sift_up(h, h->n - 1);
		return 0;
	}
	if (!more_urgent(&w, &h->v[0]))
		return over_limit(r, &w, e);
	v = &h->v[0];
	if (over_limit(r, v, e) == -1) {
		cand_free(c);
		return -1;
	}
	*v = w;
	sift_down(h, 0);
	return 0;
}

static void
note(struct crun *r, const char *what)
{
	const struct engine_observer *ob = r->eng->observer;

	if (ob != NULL && ob->note != NULL)
		ob->note(ob->arg, r->cl->name, what);
}

/*
 * Decides a phone: asked is 0 the first time (registration unknown), 1
 * once RisPort70 answered.  Takes c.
 */
static int
consider(struct crun *r, struct cand *c, int asked, struct lsc_err *e)
{
	const struct policy *pol = r->pols[c->pol];
	struct store_phone old, p;
	struct phone_memory oldmem, m;
	struct observation o;
	struct policy_ctx ctx;
	enum action act;
	int	 found;

	if (rec_open(r, e) == -1 || store_phone_get(r->eng->store,
	    r->cl->name, c->name, &old, &found, e) == -1)
		goto fail;
	if (found && !asked && old.damaged[0] != '\0') {
		char	 msg[sizeof(old.damaged) + 80];

		snprintf(msg, sizeof(msg), "%s: in the store, %s", c->name,
		    old.damaged);
		note(r, msg);
	}
	if (found)
		oldmem = old.mem;
	else {
		memset(&oldmem, 0, sizeof(oldmem));
		oldmem.state = PS_OK;
	}
	if (found && !asked) {
		if (seen(r, old.id)) {
			cand_free(c);	/* delivered twice */
			return 0;
		}
		if (see(r, old.id) == -1) {
			err_set(e, ERR_SYSTEM, "out of memory");
			goto fail;
		}
	}
	cand_observation(c, &o);
	run_ctx(r, pol, &ctx);
	act = policy_decide(&o, &oldmem, pol, &ctx, c->name, &m);
	if (act == ACT_NEED_REG) {
		if (!asked)
			return cand_push(&r->want, &r->nwant, &r->capwant, c,
			    e);
		/* RisPort70 did not settle it: decided next run */
		m = oldmem;
		act = ACT_NONE;
	}
	if (act == ACT_PROBE && r->eng->mode == ENGINE_RUN)
		return cand_push(&r->probes, &r->nprobes, &r->capprobes, c,
		    e);
	if (act == ACT_PROBE)
		act = ACT_NONE;		/* a plan probes nothing */
	if (cand_phone(r, c, found ? &old : NULL, &m, &p, e) == -1)
		goto fail;
	count(r, found ? oldmem.state : PS__MAX, &m);
	if (act == ACT_QUEUE && pol->max_per_run > 0)
		return keep_urgent(r, c, found ? &old : NULL, &p, e);
	if (act == ACT_QUEUE && r->eng->mode == ENGINE_PLAN)
		r->queued[c->pol]++;
	if (act != ACT_NONE && r->eng->mode == ENGINE_RUN)
		return write_add(r, c, pol, found ? &old : NULL, &p, act, e);
	if (rec_put(r, &p, found ? &old : NULL, found ? &oldmem : NULL,
	    e) == -1)
		goto fail;
	rec_tell(r, &p, found ? oldmem.state : PS__MAX, act, NULL);
	cand_free(c);
	return 0;
fail:
	cand_free(c);
	return -1;
}

static int
on_phone(void *arg, const struct axl_phone *ph, struct lsc_err *e)
{
	struct crun *r = arg;
	struct cand *c;
	long	 pol;

	if (ph->name == NULL || ph->name[0] == '\0')
		return 0;
	r->listed++;
	if ((pol = owner(r, ph)) < 0)
		return 0;
	if ((c = cand_new((size_t)pol, ph)) == NULL)
		return err_set(e, ERR_SYSTEM, "out of memory");
	return consider(r, c, 0, e);
}

/* --- RisPort70 ---------------------------------------------------------- */

struct asked {
	struct cand	**v;
	size_t		 n, at;
};

/* The answers come in the order the names were asked. */
static int
on_reg(void *arg, const struct ris_device *d, struct lsc_err *e)
{
	struct asked *a = arg;
	struct cand *c;

	while (a->at < a->n && strcasecmp(a->v[a->at]->name, d->name) != 0)
		a->at++;
	if (a->at == a->n)
		return 0;
	c = a->v[a->at];
	c->reg = d->registered ? REG_YES : REG_NO;
	c->reg_time = d->timestamp;
	free(c->reg_ip);
	free(c->reg_node);
	c->reg_ip = d->ip != NULL ? strdup(d->ip) : NULL;
	c->reg_node = d->node != NULL ? strdup(d->node) : NULL;
	if ((d->ip != NULL && c->reg_ip == NULL) ||
	    (d->node != NULL && c->reg_node == NULL))
		return err_set(e, ERR_SYSTEM, "out of memory");
	return 0;
}

/* The phones whose renewal CUCM reports, probed and decided again. */
static int
confirm(struct crun *r, struct lsc_err *e)
{
	struct cand **v = r->probes;
	size_t	 n = r->nprobes;
	int	 rc;

	if ((rc = confirm_probe(r, e)) == -1)
		return -1;
	r->probes = NULL;
	r->nprobes = r->capprobes = 0;
	for (size_t i = 0; i < n; i++)
		if (rc == 0)
			rc = consider(r, v[i], 1, e);
		else
			cand_free(v[i]);
	free(v);
	return rc;
}

/* Asks about the first n phones waiting, decides them, sends the writes. */
static int
ask(struct crun *r, size_t n, struct lsc_err *e)
{
	const char **names = NULL;
	struct asked a;
	size_t	 i;
	int	 rc = -1;

	if ((names = calloc(n, sizeof(*names))) == NULL)
		return err_set(e, ERR_SYSTEM, "out of memory");
	for (i = 0; i < n; i++)
		names[i] = r->want[i]->name;
	a.v = r->want;
	a.n = n;
	a.at = 0;
	if (ris_select(r->cl->ris, names, n, on_reg, &a, e) == -1) {
		err_prefix(e, "RisPort70");
		goto out;
	}
	/* a name not reported is not registered now */
	for (i = 0; i < n; i++)
		if (r->want[i]->reg == REG_UNKNOWN)
			r->want[i]->reg = REG_NO;
	for (i = 0; i < n; i++) {
		struct cand *c = r->want[i];

		r->want[i] = NULL;
		if (consider(r, c, 1, e) == -1) {
			for (i++; i < n; i++)
				cand_free(r->want[i]);
			goto shift;
		}
	}
	rc = 0;
shift:
	memmove(r->want, r->want + n, (r->nwant - n) * sizeof(*r->want));
	r->nwant -= n;
out:
	free(names);
	return rc == 0 && confirm(r, e) == 0 ? write_flush(r, e) : -1;
}

/* Between pages: the phones waiting in full chunks asked, their writes
 * sent, the batch committed. */
static int
pause(void *arg, struct lsc_err *e)
{
	struct crun *r = arg;
	struct engine *eng = r->eng;

	if (run_left_ms(eng) <= 0)
		return err_set(e, ERR_TIMEOUT, "run_timeout reached after %lu "
		    "phones of cluster %s: the rest waits for the next run",
		    r->listed, r->cl->name);
	while (r->nwant >= RIS_NAMES)
		if (ask(r, RIS_NAMES, e) == -1)
			return -1;
	if (write_flush(r, e) == -1 || rec_close(r, e) == -1)
		return -1;
	progress(r, "reading");
	return 0;
}

/* --- the end of the read ---------------------------------------------------- */

static int
by_urgency(const void *a, const void *b)
{
	const struct wentry *x = a, *y = b;

	return more_urgent(x, y) ? -1 : more_urgent(y, x);
}

/* The phones kept under run limits: written (or shown), most urgent
 * first, each decided again (the window may have closed). */
static int
drain(struct crun *r, struct lsc_err *e)
{
	struct observation o;
	struct policy_ctx ctx;
	struct phone_memory m;
	struct store_phone p;
	enum action act;
	int	 rc = 0;

	for (size_t k = 0; k < r->npols; k++) {
		struct heap *h = &r->heaps[k];

		if (h->n > 1)	/* (h->v is NULL while empty) */
			qsort(h->v, h->n, sizeof(*h->v), by_urgency);
		for (size_t i = 0; i < h->n; i++) {
			struct wentry *w = &h->v[i];

			if (rc == -1) {
				cand_free(w->c);
				continue;
			}
			cand_observation(w->c, &o);
			run_ctx(r, w->pol, &ctx);
			ctx.budget_left = INT_MAX;
			act = policy_decide(&o, &w->old, w->pol, &ctx,
			    w->c->name, &m);
			if (cand_phone(r, w->c, NULL, &m, &p, e) == -1) {
				rc = -1;
				cand_free(w->c);
				continue;
			}
			p.id = w->p.id;
			if (act == ACT_QUEUE && r->eng->mode == ENGINE_RUN) {
				rc = write_add(r, w->c, w->pol, NULL, &p, act,
				    e);
				if (rc == 0 && w->known) {
					r->writes[r->nwrites - 1].known = 1;
					r->writes[r->nwrites - 1].old = w->old;
				}
				continue;
			}
			if (act == ACT_QUEUE)
				r->queued[k]++;
			rc = rec_put(r, &p, NULL, w->known ? &w->old : NULL, e);
			if (rc == 0)
				rec_tell(r, &p, w->known ? w->old.state :
				    PS__MAX, act, NULL);
			cand_free(w->c);
		}
		h->n = 0;
	}
	return rc == -1 ? -1 : write_flush(r, e);
}

/* A stored phone of a pool read in full that did not come back. */
static int
on_unseen(void *arg, const struct store_phone *sp, struct lsc_err *e)
{
	struct crun *r = arg;
	struct observation absent;
	struct policy pol;
	struct policy_ctx c;
	struct store_phone p = *sp;

	memset(&absent, 0, sizeof(absent));
	memset(&c, 0, sizeof(c));
	policy_defaults(&pol);
	c.now = r->eng->now;
	(void)policy_decide(&absent, &sp->mem, &pol, &c, sp->name, &p.mem);
	r->eng->counts.phones++;
	if (rec_put(r, &p, sp, &sp->mem, e) == -1)
		return -1;
	rec_tell(r, &p, sp->mem.state, ACT_NONE, NULL);
	return 0;
}

/* Whether selector (pool, pattern) of campaign k is also read by an
 * earlier one, or by one without a pattern. */
static int
repeated(const struct crun *r, size_t k, size_t j)
{
	const struct policy *p = r->pols[k], *q;
	const char *pool = p->pools[j];

	for (size_t i = 0; i < r->npols; i++) {
		q = r->pols[i];
		for (size_t l = 0; l < q->npools; l++) {
			if (strcmp(q->pools[l], pool) != 0 || (i == k && l == j))
				continue;
			if (q->name_like == NULL && p->name_like != NULL)
				return 1;
			if ((i < k || (i == k && l < j)) &&
			    (q->name_like == NULL) == (p->name_like == NULL) &&
			    (p->name_like == NULL ||
			    strcmp(q->name_like, p->name_like) == 0))
				return 1;
		}
	}
	return 0;
}

/* The selectors of the read: each pool and pattern once. */
static struct axl_selector *
selectors(const struct crun *r, size_t *n)
{
	struct axl_selector *v;
	size_t	 total = 0;

	*n = 0;
	for (size_t k = 0; k < r->npols; k++)
		total += r->pols[k]->npools;
	if ((v = calloc(total ? total : 1, sizeof(*v))) == NULL)
		return NULL;
	for (size_t k = 0; k < r->npols; k++)
		for (size_t j = 0; j < r->pols[k]->npools; j++) {
			if (repeated(r, k, j))
				continue;
			v[*n].pool = r->pols[k]->pools[j];
			v[(*n)++].name_like = r->pols[k]->name_like;
		}
	return v;
}

/* Whether a stored phone's pool and name were in a selector read. */
static int
listed(void *arg, const char *pool, const char *name)
{
	const struct crun *r = arg;
	struct axl_phone ph;

	memset(&ph, 0, sizeof(ph));
	ph.name = name;
	ph.device_pool = pool;
	return owner(r, &ph) >= 0;
}

/* Every phone was read: the phones of the pools read that did not come
 * are gone, and the pools are recorded as read by this run. */
static int
finish_read(struct crun *r, const struct axl_selector *sel, size_t n,
    struct lsc_err *e)
{
	if (store_each_unseen(r->eng->store, r->cl->name, r->eng->run, listed,
	    seen, r, on_unseen, r, e) == -1)
		return -1;
	for (size_t i = 0; r->eng->mode == ENGINE_RUN && i < n; i++)
		if (rec_open(r, e) == -1 ||
		    store_listed(r->eng->store, r->cl->name, sel[i].pool,
		    sel[i].name_like, r->eng->run, r->eng->now, e) == -1)
			return -1;
	return rec_close(r, e);
}

static void
crun_free(struct crun *r)
{
	for (size_t i = 0; i < r->nwant; i++)
		cand_free(r->want[i]);
	for (size_t k = 0; r->heaps != NULL && k < r->npols; k++) {
		for (size_t i = 0; i < r->heaps[k].n; i++)
			cand_free(r->heaps[k].v[i].c);
		free(r->heaps[k].v);
	}
	write_free(r);
	confirm_free(r);
	free(r->want);
	free(r->heaps);
	free(r->queued);
	free(r->map);
	free(r->seen);
}

/* Reads, decides and writes; the stream's error, if any, in e. */
static int
read_all(struct crun *r, const struct axl_selector *sel, size_t n,
    struct lsc_err *e)
{
	struct axl_inventory_info info;
	char	 msg[LSC_ERR_MSGLEN + 100];
	int	 rc;

	progress(r, "reading");
	rc = axl_inventory(r->cl->axl, sel, n, on_phone, pause, r, &info, e);
	r->expected = info.expected;
	if (info.fallback) {
		snprintf(msg, sizeof(msg), "executeSQLQuery cannot read the "
		    "inventory (%s): listed with listPhone, LSC validity "
		    "unknown", info.why);
		note(r, msg);
	}
	if (rc == -1)
		return -1;
	while (r->nwant > 0)
		if (ask(r, r->nwant < RIS_NAMES ? r->nwant : RIS_NAMES,
		    e) == -1)
			return -1;
	progress(r, "writing");
	if (drain(r, e) == -1)
		return -1;
	return finish_read(r, sel, n, e);
}

int
engine_cluster(struct engine *eng, const struct policy *const *pols,
    size_t n, const struct engine_cluster *cl, struct lsc_err *e)
{
	struct crun r;
	struct axl_selector *sel = NULL;
	size_t	 nsel = 0;
	int	 ret = -1;

	memset(&r, 0, sizeof(r));
	r.eng = eng;
	r.cl = cl;
	r.pols = pols;
	r.npols = n;
	if (eng->start_ms == 0 && eng->clock != NULL)
		eng->start_ms = eng->clock->mono_ms(eng->clock);
	/* no request, and no retry, outlasts the run */
	axl_set_deadline(cl->axl, eng->deadline_ms);
	if (cl->ris != NULL)
		ris_set_deadline(cl->ris, eng->deadline_ms);
	if ((r.queued = calloc(n ? n : 1, sizeof(*r.queued))) == NULL ||
	    (r.heaps = calloc(n ? n : 1, sizeof(*r.heaps))) == NULL ||
	    (sel = selectors(&r, &nsel)) == NULL) {
		err_set(e, ERR_SYSTEM, "out of memory");
		goto out;
	}
	if (build_map(&r, e) == -1 || read_all(&r, sel, nsel, e) == -1)
		goto out;
	progress(&r, "done");
	if (r.fatal) {
		*e = r.fatal_err;
		goto out;
	}
	ret = 0;
out:
	if (r.in_txn) {
		/* what was decided stays recorded, whatever stopped the run */
		struct lsc_err ce;

		err_clear(&ce);
		if (rec_close(&r, &ce) == -1 && ret == 0) {
			*e = ce;
			ret = -1;
		}
	}
	/* what follows the run (its record, a reset) is on disk at once */
	if (eng->mode == ENGINE_RUN && store_durable(eng->store, 1,
	    ret == 0 ? e : NULL) == -1)
		ret = -1;
	crun_free(&r);
	free(sel);
	return ret;
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
	memset(eng->counts.state, 0, sizeof(eng->counts.state));
	return store_count_states(eng->store, on_count, eng, e);
}
