/*
 * left_behind.c — every phone that is due and not renewed, and why.
 *
 * The set ("left behind" in the wide sense, what a person may have to act
 * on) is the phones in these states:
 *
 *   due               due, not written yet: the maintenance window is
 *                     closed, the run limit was reached, writes are held,
 *                     or an administrator reset it
 *   left_behind       due, phone offline
 *   failed_retryable  CAPF failed, waiting for its backoff
 *   needs_attention   a terminal failure: a person must act
 *   abandoned         given up by rule (reported until reset)
 *   queued, pending   only once their deadline has passed (overdue): the
 *                     next run will find them left behind
 *
 * and not: ok, renewed, gone, and queued/pending within their deadline
 * (in flight).  Most urgent first: expired LSCs first (the longest expired
 * first), then the soonest expiry, then phones with no LSC (MIC only),
 * ties by cluster and name.
 *
 * --since LAST compares with the mark the previous left-behind report
 * saved (marks are kept per filter: kind "left-behind" or "left-behind
 * cluster=… campaign=… pool=…"), --since DATE with the set as the events
 * tell it at that time (states only: an operation overdue then is not
 * counted, its deadline is not in the events).  Phones are then new,
 * still open, or resolved (in the previous set, not in this one: shown
 * with the state they are in now).  Each report saves its whole current
 * set as the new mark (opts.save_mark), whatever --since says.
 *
 * The reason is the store's: the words of the run that last changed the
 * phone, so a day count in it may be older than DAYS, which is computed
 * for the report's now.
 *
 * Text shows name, pool, LSC expiry, days left, state and reason, and, as
 * the width allows, offline since, last IP, tries, model, cluster, next
 * retry, node and description.  CSV and JSON carry every field.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store.h"
#include "reports/report_int.h"

enum change {
	CH_NONE,
	CH_NEW,
	CH_STILL_OPEN,
	CH_RESOLVED
};

static const char *const change_names[] = {
	"", "new", "still_open", "resolved"
};

/* A phone of the previous set. */
struct prev {
	const char	*cluster;
	const char	*name;
	enum phone_state state;
	int		 matched;
	long		 row;		/* resolved: its row in lb->gone now;
					   -1: not in the store */
};

struct item {
	const struct store_phone *p;	/* NULL: unknown to the store now */
	const char	*cluster;
	const char	*name;
	enum change	 change;
	enum phone_state prev_state;
};

struct lb {
	struct report_ctx	*ctx;
	struct report_phones	*cur;		/* the current set */
	struct report_phones	 gone;		/* rows of resolved phones */
	struct prev		*prev;
	size_t			 nprev, capprev;
	struct report_phones	 prev_strings;
	int			 since;		/* a comparison is made */
	int			 prev_found;
	int64_t			 prev_time;
	struct item		*items;		/* new/open, then resolved */
	size_t			 nitems, nopen, nnew;
};

static int
state_in_set(enum phone_state s)
{
	return s == PS_DUE || s == PS_LEFT_BEHIND || s == PS_FAILED_RETRYABLE ||
	    s == PS_NEEDS_ATTENTION || s == PS_ABANDONED;
}

/* Whether a phone is in the left-behind set at now. */
static int
in_set_now(const struct store_phone *p, int64_t now)
{
	return state_in_set(p->mem.state) || report_overdue(p, now);
}

static int
strcmp0(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
by_urgency(const void *va, const void *vb)
{
	const struct store_phone *a = va, *b = vb;
	int64_t ka = a->lsc_valid_until > 0 ? a->lsc_valid_until : INT64_MAX;
	int64_t kb = b->lsc_valid_until > 0 ? b->lsc_valid_until : INT64_MAX;
	int c;

	if (ka != kb)
		return ka < kb ? -1 : 1;
	if ((c = strcmp0(a->cluster, b->cluster)) != 0)
		return c;
	return strcmp0(a->name, b->name);
}

int
report_left_behind_load(struct report_ctx *ctx, struct report_phones *ps)
{
	size_t i, k = 0;

	if (report_phones_load(ctx, LEFT_BEHIND_STATES, STORE_ORDER_NAME,
	    ps) == -1)
		return -1;
	for (i = 0; i < ps->n; i++)
		if (in_set_now(&ps->v[i], ctx->o->now))
			ps->v[k++] = ps->v[i];
	ps->n = k;
	if (ps->n > 1)
		qsort(ps->v, ps->n, sizeof(*ps->v), by_urgency);
	return 0;
}

/* ---- the previous set -------------------------------------------------- */

static void
mark_kind(const struct report_opts *o, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, "left-behind");
	if (o->cluster != NULL && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " cluster=%s",
		    o->cluster);
	if (o->campaign != NULL && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " campaign=%s",
		    o->campaign);
	if (o->pool != NULL && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " pool=%s", o->pool);
}

/* A phone of the previous set: one of the mark's, or (--since DATE) one
 * whose state was then in the set's states. */
static int
prev_add(void *arg, const char *cluster, const char *name,
    enum phone_state s, struct lsc_err *e)
{
	struct lb *lb = arg;
	struct prev *v;

	if (lb->ctx->o->since == REPORT_SINCE_TIME && !state_in_set(s))
		return 0;
	if ((v = report_grow(lb->prev, lb->nprev, &lb->capprev, sizeof(*v),
	    64)) == NULL)
		return report_syserr(e, "reading the previous set");
	lb->prev = v;
	v = &lb->prev[lb->nprev];
	v->cluster = report_phones_dup(&lb->prev_strings, cluster != NULL ?
	    cluster : "");
	v->name = report_phones_dup(&lb->prev_strings, name != NULL ?
	    name : "");
	if (v->cluster == NULL || v->name == NULL)
		return report_syserr(e, "reading the previous set");
	v->state = s;
	v->matched = 0;
	lb->nprev++;
	return 0;
}

static int
by_key(const void *va, const void *vb)
{
	const struct prev *a = va, *b = vb;
	int c;

	if ((c = strcmp(a->cluster, b->cluster)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

static struct prev *
prev_find(struct lb *lb, const char *cluster, const char *name)
{
	struct prev key;

	memset(&key, 0, sizeof(key));
	key.cluster = cluster != NULL ? cluster : "";
	key.name = name != NULL ? name : "";
	if (lb->nprev == 0)
		return NULL;
	return bsearch(&key, lb->prev, lb->nprev, sizeof(*lb->prev), by_key);
}

static int
load_prev(struct lb *lb)
{
	struct report_ctx *ctx = lb->ctx;
	const struct report_opts *o = ctx->o;
	struct store_filter f;
	char kind[512];
	int64_t mark;

	if (o->since == REPORT_SINCE_NONE)
		return 0;
	lb->since = 1;
	if (o->since == REPORT_SINCE_LAST) {
		mark_kind(o, kind, sizeof(kind));
		if (store_mark_last(ctx->store, kind, 0, &mark, &lb->prev_time,
		    &lb->prev_found, ctx->e) == -1)
			return -1;
		if (lb->prev_found && store_each_mark(ctx->store, mark,
		    prev_add, lb, ctx->e) == -1)
			return -1;
	} else {
		report_filter(o, &f);
		lb->prev_found = 1;
		lb->prev_time = o->since_time;
		if (store_each_state_at(ctx->store, o->since_time, &f,
		    prev_add, lb, ctx->e) == -1)
			return -1;
	}
	if (lb->nprev > 1)
		qsort(lb->prev, lb->nprev, sizeof(*lb->prev), by_key);
	return 0;
}

/* Items: the current set (new first, then still open, each most urgent
 * first), then the resolved ones by cluster and name. */
static int
build_items(struct lb *lb)
{
	struct report_ctx *ctx = lb->ctx;
	struct report_phones *cur = lb->cur;
	struct store_phone row;
	struct prev *pv;
	struct item *it;
	size_t i, n = 0, nres = 0;
	int found, pass;

	for (i = 0; i < cur->n; i++)
		if ((pv = prev_find(lb, cur->v[i].cluster, cur->v[i].name)) !=
		    NULL)
			pv->matched = 1;
	/* resolved phones, with their row as it is now: copied, since the
	 * store lends it only until its next call */
	for (i = 0; i < lb->nprev; i++) {
		if ((pv = &lb->prev[i])->matched)
			continue;
		nres++;
		if (store_phone_get(ctx->store, pv->cluster, pv->name, &row,
		    &found, ctx->e) == -1 || (found &&
		    report_phones_add(&lb->gone, &row, ctx->e) == -1))
			return -1;
		pv->row = found ? (long)lb->gone.n - 1 : -1;
	}
	if ((lb->items = calloc(cur->n + nres + 1, sizeof(*it))) == NULL)
		return report_syserr(ctx->e, "listing phones");

	for (pass = 0; pass < (lb->since ? 2 : 1); pass++)
		for (i = 0; i < cur->n; i++) {
			pv = prev_find(lb, cur->v[i].cluster, cur->v[i].name);
			if (lb->since && (pv == NULL) != (pass == 0))
				continue;
			it = &lb->items[n++];
			it->p = &cur->v[i];
			it->cluster = cur->v[i].cluster;
			it->name = cur->v[i].name;
			it->change = !lb->since ? CH_NONE : pv == NULL ?
			    CH_NEW : CH_STILL_OPEN;
			it->prev_state = pv != NULL ? pv->state : PS__MAX;
			if (it->change == CH_NEW)
				lb->nnew++;
		}
	lb->nopen = n;
	for (i = 0; i < lb->nprev; i++) {
		if ((pv = &lb->prev[i])->matched)
			continue;
		it = &lb->items[n++];
		it->p = pv->row >= 0 ? &lb->gone.v[pv->row] : NULL;
		it->cluster = pv->cluster;
		it->name = pv->name;
		it->change = CH_RESOLVED;
		it->prev_state = pv->state;
	}
	lb->nitems = n;
	return 0;
}

/* ---- text ---------------------------------------------------------------- */

static void
expiry_cells(const struct store_phone *p, int64_t now, char *date,
    size_t dlen, char *days, size_t nlen)
{
	if (p == NULL) {
		snprintf(date, dlen, "%s", "");
		snprintf(days, nlen, "%s", "");
	} else if (p->lsc_valid_until > 0) {
		clock_fmt(CLOCK_DATE, "", p->lsc_valid_until, date, dlen);
		snprintf(days, nlen, "%lld",
		    clock_days(p->lsc_valid_until, now));
	} else {
		snprintf(date, dlen, "no LSC");
		snprintf(days, nlen, "%s", "");
	}
}

/* "mic, mic_not_lsc" (what the phone presented, and against CUCM). */
static void
phone_shows(struct report_tab *t, const struct report_probe *pr)
{
	if (pr == NULL)
		report_tab_cell(t, "");
	else
		report_tab_cellf(t, "%s%s%s", report_probe_presents(pr),
		    pr->cls != NULL ? ", " : "", pr->cls != NULL ? pr->cls :
		    "");
}

static int
text_table(struct lb *lb, size_t from, size_t to)
{
	struct report_ctx *ctx = lb->ctx;
	int64_t now = ctx->o->now;
	struct report_tab *t;
	char date[32], days[32], when[32], reason[300];
	int probed = ctx->probes != NULL && ctx->probes->np > 0;
	size_t i;
	int rc = -1;

	if ((t = report_tab_new(1)) == NULL)
		return report_syserr(ctx->e, "building a table");
	report_tab_col(t, "NAME", 0, 0, 0, 0);
	report_tab_col(t, "CLUSTER", TAB_SHRINK, 4, 12, 6);
	report_tab_col(t, "POOL", TAB_SHRINK, 12, 24, 0);
	report_tab_col(t, "MODEL", TAB_SHRINK, 6, 16, 5);
	report_tab_col(t, "DESCRIPTION", TAB_SHRINK, 10, 30, 9);
	report_tab_col(t, "LSC EXPIRY", 0, 0, 0, 0);
	report_tab_col(t, "DAYS", TAB_RIGHT, 0, 0, 0);
	report_tab_col(t, "STATE", 0, 0, 0, 0);
	report_tab_col(t, "TRIES", TAB_RIGHT, 0, 0, 4);
	report_tab_col(t, "OFFLINE SINCE", 0, 0, 0, 2);
	report_tab_col(t, "LAST IP", TAB_SHRINK, 7, 40, 3);
	report_tab_col(t, "NODE", TAB_SHRINK, 6, 20, 8);
	report_tab_col(t, "NEXT RETRY", 0, 0, 0, 7);
	if (probed)	/* the phone side, once probes exist */
		report_tab_col(t, "PHONE SHOWS", TAB_SHRINK, 8, 30, 1);
	report_tab_col(t, "REASON", TAB_SHRINK, 30, 0, 0);
	for (i = from; i < to; i++) {
		const struct item *it = &lb->items[i];
		const struct store_phone *p = it->p;

		expiry_cells(p, now, date, sizeof(date), days, sizeof(days));
		report_tab_cell(t, it->name);
		report_tab_cell(t, it->cluster);
		report_tab_cell(t, p != NULL ? p->pool : "");
		report_tab_cell(t, p != NULL ? p->model : "");
		report_tab_cell(t, p != NULL ? p->description : "");
		report_tab_cell(t, date);
		report_tab_cell(t, days);
		report_tab_cell(t, p != NULL ? phone_state_name(p->mem.state) :
		    "unknown");
		if (p != NULL)
			report_tab_cellf(t, "%u", p->mem.attempts);
		else
			report_tab_cell(t, "");
		clock_fmt(CLOCK_DATE, "", p != NULL ? p->mem.first_offline : 0,
		    when, sizeof(when));
		report_tab_cell(t, when);
		report_tab_cell(t, p != NULL ? p->last_ip : "");
		report_tab_cell(t, p != NULL ? p->last_node : "");
		clock_fmt(CLOCK_MINUTE, "", p != NULL ? p->mem.next_retry : 0,
		    when, sizeof(when));
		report_tab_cell(t, when);
		if (probed)
			phone_shows(t, p != NULL ? report_probe_of(ctx,
			    p->cluster, p->name) : NULL);
		/* the expiry has columns of its own: the reason's due
		 * clause would only repeat them */
		report_tab_cell(t, p != NULL ? policy_reason_detail(
		    report_reason(p, now, reason, sizeof(reason))) :
		    "no longer in the state store");
	}
	rc = report_tab_render(ctx, t, 0, NULL);
	report_tab_free(t);
	return rc;
}

static int
text(struct lb *lb)
{
	struct report_ctx *ctx = lb->ctx;
	const struct report_opts *o = ctx->o;
	size_t ncur = lb->cur->n, nres = lb->nitems - lb->nopen;
	char now[32], when[32], filt[600];

	clock_fmt(CLOCK_MINUTE, "", o->now, now, sizeof(now));
	report_filter_text(o, filt, sizeof(filt));
	if (report_text_heading(ctx, "Left behind%s: %zu phone%s due and not "
	    "renewed, %s UTC", filt, ncur, ncur == 1 ? "" : "s", now) == -1)
		return -1;
	if (lb->since) {
		clock_fmt(CLOCK_MINUTE, "", lb->prev_time, when, sizeof(when));
		if (!lb->prev_found)
			report_text_line(ctx, "No previous left-behind report "
			    "with these filters: every phone is new.");
		else if (o->since == REPORT_SINCE_LAST)
			report_text_line(ctx, "Since the previous report "
			    "(%s UTC): %zu new, %zu still open, %zu resolved.",
			    when, lb->nnew, lb->nopen - lb->nnew, nres);
		else
			report_text_line(ctx, "Since %s UTC: %zu new, %zu "
			    "still open, %zu resolved.", when, lb->nnew,
			    lb->nopen - lb->nnew, nres);
	}
	if (!lb->since) {
		if (ncur == 0)
			return report_text_line(ctx, "Every due phone is "
			    "renewed or in flight.");
		buf_puts(ctx->out, "\n");
		return text_table(lb, 0, lb->nitems);
	}
	if (lb->nnew > 0) {
		buf_puts(ctx->out, "\n");
		if (report_text_heading(ctx, "New (%zu)", lb->nnew) == -1 ||
		    text_table(lb, 0, lb->nnew) == -1)
			return -1;
	}
	if (lb->nopen > lb->nnew) {
		buf_puts(ctx->out, "\n");
		if (report_text_heading(ctx, "Still open (%zu)", lb->nopen -
		    lb->nnew) == -1 || text_table(lb, lb->nnew,
		    lb->nopen) == -1)
			return -1;
	}
	if (nres > 0) {
		buf_puts(ctx->out, "\n");
		if (report_text_heading(ctx, "Resolved (%zu)", nres) == -1 ||
		    text_table(lb, lb->nopen, lb->nitems) == -1)
			return -1;
	}
	return 0;
}

/* ---- CSV ----------------------------------------------------------------- */

static int
csv(struct lb *lb)
{
	struct report_ctx *ctx = lb->ctx;
	struct report_field f[REPORT_PHONE_FIELDS];
	struct store_phone none;
	struct report_csv c;
	char reason[300];

	memset(&none, 0, sizeof(none));
	report_phone_fields(&none, NULL, 0, f, reason, sizeof(reason));
	report_csv_init(&c, ctx->out);
	report_csv_fields(&c, f, REPORT_PHONE_FIELDS, 1);
	if (lb->since) {
		report_csv_str(&c, "change");
		report_csv_str(&c, "previous_state");
	}
	report_csv_end(&c);
	for (size_t i = 0; i < lb->nitems; i++) {
		const struct item *it = &lb->items[i];

		if (it->p != NULL) {
			report_phone_fields(it->p, report_probe_of(ctx,
			    it->p->cluster, it->p->name), ctx->o->now, f,
			    reason, sizeof(reason));
			report_csv_fields(&c, f, REPORT_PHONE_FIELDS, 0);
		} else {
			report_csv_str(&c, it->cluster);
			report_csv_str(&c, it->name);
			for (size_t k = 2; k < REPORT_PHONE_FIELDS; k++)
				report_csv_str(&c, NULL);
		}
		if (lb->since) {
			report_csv_str(&c, change_names[it->change]);
			report_csv_str(&c, it->prev_state < PS__MAX ?
			    phone_state_name(it->prev_state) : NULL);
		}
		report_csv_end(&c);
	}
	return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

static void
json_item(struct lb *lb, struct json *j, const struct item *it)
{
	json_obj(j, NULL);
	if (it->p != NULL)
		report_json_phone(lb->ctx, j, it->p);
	else {
		json_str(j, "cluster", it->cluster);
		json_str(j, "name", it->name);
	}
	if (lb->since) {
		json_str(j, "change", change_names[it->change]);
		if (it->prev_state < PS__MAX)
			json_str(j, "previous_state",
			    phone_state_name(it->prev_state));
		else
			json_null(j, "previous_state");
	}
	json_end(j);
}

static int
json(struct lb *lb)
{
	struct report_ctx *ctx = lb->ctx;
	struct json j;

	json_init(&j, ctx->out, 0);
	report_json_envelope(ctx, &j);
	if (!lb->since)
		json_null(&j, "since");
	else {
		json_obj(&j, "since");
		json_str(&j, "mode", ctx->o->since == REPORT_SINCE_LAST ?
		    "last" : "time");
		json_time(&j, "time", lb->prev_found ? lb->prev_time :
		    0);
		json_bool(&j, "previous_found", lb->prev_found);
		json_end(&j);
	}
	json_int(&j, "count", (long long)lb->nopen);
	json_arr(&j, "phones");
	for (size_t i = 0; i < lb->nopen; i++)
		json_item(lb, &j, &lb->items[i]);
	json_end(&j);
	if (lb->since) {
		json_obj(&j, "counts");
		json_int(&j, "new", (long long)lb->nnew);
		json_int(&j, "still_open", (long long)(lb->nopen -
		    lb->nnew));
		json_int(&j, "resolved", (long long)(lb->nitems -
		    lb->nopen));
		json_end(&j);
		json_arr(&j, "resolved");
		for (size_t i = lb->nopen; i < lb->nitems; i++)
			json_item(lb, &j, &lb->items[i]);
		json_end(&j);
	}
	json_finish(&j);
	return 0;
}

/* ---- the report ------------------------------------------------------------ */

int
report_left_behind(struct report_ctx *ctx)
{
	struct lb lb;
	int rc = -1;

	memset(&lb, 0, sizeof(lb));
	lb.ctx = ctx;
	if ((lb.cur = calloc(1, sizeof(*lb.cur))) == NULL)
		return report_syserr(ctx->e, "listing phones");
	if (report_left_behind_load(ctx, lb.cur) == -1 ||
	    load_prev(&lb) == -1 || build_items(&lb) == -1)
		goto out;
	/* report.c let only text, csv and json through */
	if (ctx->o->format == REPORT_FORMAT_CSV)
		rc = csv(&lb);
	else if (ctx->o->format == REPORT_FORMAT_JSON)
		rc = json(&lb);
	else
		rc = text(&lb);
	if (rc == -1)
		goto out;
	ctx->res.rows = lb.cur->n;
	ctx->res.added = lb.nnew;
	ctx->res.still_open = lb.nopen - lb.nnew;
	ctx->res.resolved = lb.nitems - lb.nopen;
	ctx->res.previous_found = lb.prev_found;
	if (ctx->o->save_mark) {
		ctx->mark = lb.cur;
		lb.cur = NULL;
	}
out:
	if (lb.cur != NULL)
		report_phones_free(lb.cur);
	free(lb.cur);
	report_phones_free(&lb.gone);
	report_phones_free(&lb.prev_strings);
	free(lb.prev);
	free(lb.items);
	return rc;
}

int
report_left_behind_mark(struct report_ctx *ctx)
{
	struct report_phones *ps = ctx->mark;
	char kind[512];
	int64_t mark;

	if (ps == NULL)
		return 0;
	mark_kind(ctx->o, kind, sizeof(kind));
	if (store_begin(ctx->store, ctx->e) == -1)
		goto fail;
	if (store_mark_begin(ctx->store, kind, ctx->o->now, &mark,
	    ctx->e) == -1)
		goto rollback;
	for (size_t i = 0; i < ps->n; i++)
		if (store_mark_add(ctx->store, mark, ps->v[i].cluster,
		    ps->v[i].name, ps->v[i].mem.state, ctx->e) == -1)
			goto rollback;
	if (store_commit(ctx->store, ctx->e) == -1)
		goto rollback;
	return 0;
rollback:
	store_rollback(ctx->store);
fail:
	return err_prefix(ctx->e, "saving the left-behind mark");
}
