/*
 * phones.c — phones (and any other strings) copied out of the store, so a
 * report can sort them after the store's callback returned, and the
 * arrays reports build as the callbacks come in (grown by doubling).
 *
 * Strings live in an arena of 64 KiB blocks freed all at once: a report of
 * 40,000 phones makes a handful of allocations, not half a million.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_int.h"

#define ARENA_BLOCK 65536

struct report_arena {
	struct report_arena	*next;
	size_t			 used, cap;
	char			 data[];
};

const char *
report_phones_dup(struct report_phones *ps, const char *s)
{
	struct report_arena *a;
	size_t n, cap;
	char *r;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	a = ps->arena;
	if (a == NULL || a->cap - a->used < n) {
		cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if ((a = malloc(sizeof(*a) + cap)) == NULL)
			return NULL;
		a->used = 0;
		a->cap = cap;
		a->next = ps->arena;
		ps->arena = a;
	}
	r = a->data + a->used;
	memcpy(r, s, n);
	a->used += n;
	return r;
}

int
report_phones_add(void *arg, const struct store_phone *p, struct lsc_err *e)
{
	struct report_phones *ps = arg;
	struct store_phone *v, *c;

	if ((v = report_grow(ps->v, ps->n, &ps->cap, sizeof(*v), 64)) == NULL)
		return report_syserr(e, "copying phones");
	ps->v = v;
	c = &ps->v[ps->n];
	*c = *p;
	const char **f[] = { &c->cluster, &c->name, &c->campaign, &c->pool,
	    &c->model, &c->description, &c->cert_operation, &c->cert_status,
	    &c->lsc_issuer, &c->last_ip, &c->last_node };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL &&
		    (*f[i] = report_phones_dup(ps, *f[i])) == NULL)
			return report_syserr(e, "copying phones");
	ps->n++;
	return 0;
}

void
report_phones_free(struct report_phones *ps)
{
	struct report_arena *a, *next;

	if (ps == NULL)
		return;
	for (a = ps->arena; a != NULL; a = next) {
		next = a->next;
		free(a);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

void
report_filter(const struct report_opts *o, struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->cluster = o->cluster;
	f->campaign = o->campaign;
	f->pool = o->pool;
	f->order = STORE_ORDER_NAME;
}

int
report_phones_load(struct report_ctx *ctx, unsigned states,
    enum store_order order, struct report_phones *ps)
{
	struct store_filter f;

	report_filter(ctx->o, &f);
	f.states = states;
	f.order = order;
	return store_each_phone(ctx->store, &f, report_phones_add, ps,
	    ctx->e);
}

int
report_syserr(struct lsc_err *e, const char *what)
{
	return err_set(e, ERR_SYSTEM, "%s: %s", what, strerror(errno));
}

void *
report_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : first;
	if ((v = reallocarray(v, ncap, size)) == NULL)
		return NULL;
	*cap = ncap;
	return v;
}
