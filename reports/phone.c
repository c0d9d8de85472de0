/*
 * phone.c — one phone's whole story: its row as the store has it now, then
 * every state change (with the reason in words) and every write sent to
 * CUCM (with its values and result), in time order.
 *
 * What the phone itself presented at its latest probe is shown next to
 * CUCM's record (text and JSON).
 *
 * The name may be known in several clusters: each one is shown (the
 * cluster filter picks one).  At the same second, state changes come
 * before writes.  CSV gives the timeline, one entry a row, after a row of
 * type "current" holding the state now.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/store_probe.h"
#include "reports/report_int.h"

enum entry_type {
	ENTRY_STATE,
	ENTRY_WRITE,
	ENTRY_CURRENT	/* the CSV's first row of a phone: its state now */
};

struct entry {
	int64_t		 time, run, id;
	enum entry_type	 type;
	int		 has_old;
	enum phone_state old_state, new_state;
	const char	*reason;
	const char	*op, *values, *result;
};

struct story {
	struct report_ctx	*ctx;
	struct report_phones	 phones;
	struct entry		*v;
	size_t			 n, cap;
	size_t			*first;		/* per phone: its entries */
	size_t			*count;
};

static struct entry *
entry_new(struct story *st, struct lsc_err *e)
{
	struct entry *v;

	if ((v = report_grow(st->v, st->n, &st->cap, sizeof(*v), 64)) ==
	    NULL) {
		report_syserr(e, "reading a phone's history");
		return NULL;
	}
	st->v = v;
	v = &st->v[st->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* A copy of s in the story's arena; 0 on success (NULL stays NULL). */
static int
keep(struct story *st, const char **s, struct lsc_err *e)
{
	if (*s == NULL)
		return 0;
	if ((*s = report_phones_dup(&st->phones, *s)) == NULL)
		return report_syserr(e, "reading a phone's history");
	return 0;
}

static int
event_cb(void *arg, const struct store_event *ev, struct lsc_err *e)
{
	struct story *st = arg;
	struct entry *en;

	if ((en = entry_new(st, e)) == NULL)
		return -1;
	en->type = ENTRY_STATE;
	en->time = ev->time;
	en->run = ev->run;
	en->id = ev->id;
	en->has_old = ev->has_old;
	en->old_state = ev->old_state;
	en->new_state = ev->new_state;
	en->reason = ev->reason;
	return keep(st, &en->reason, e);
}

static int
audit_cb(void *arg, const struct store_audit *a, struct lsc_err *e)
{
	struct story *st = arg;
	struct entry *en;

	if ((en = entry_new(st, e)) == NULL)
		return -1;
	en->type = ENTRY_WRITE;
	en->time = a->time;
	en->run = a->run;
	en->id = a->id;
	en->op = a->op;
	en->values = a->values;
	en->result = a->result;
	if (keep(st, &en->op, e) == -1 || keep(st, &en->values, e) == -1)
		return -1;
	return keep(st, &en->result, e);
}

static int
by_time(const void *va, const void *vb)
{
	const struct entry *a = va, *b = vb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

static int
load(struct story *st)
{
	struct report_ctx *ctx = st->ctx;
	struct store_filter f;
	size_t start;

	report_filter(ctx->o, &f);
	f.name = ctx->o->phone;
	if (store_each_phone(ctx->store, &f, report_phones_add,
	    &st->phones, ctx->e) == -1)
		return -1;
	if (st->phones.n == 0)
		return err_set(ctx->e, ERR_NOTFOUND, "%s: no such phone in the "
		    "state store%s%s", ctx->o->phone, ctx->o->cluster != NULL ?
		    " of cluster " : "", ctx->o->cluster != NULL ?
		    ctx->o->cluster : "");
	if ((st->first = calloc(st->phones.n, sizeof(*st->first))) == NULL ||
	    (st->count = calloc(st->phones.n, sizeof(*st->count))) == NULL)
		return report_syserr(ctx->e, "reading a phone's history");
	for (size_t i = 0; i < st->phones.n; i++) {
		const struct store_phone *p = &st->phones.v[i];

		start = st->n;
		if (store_each_event(ctx->store, p->cluster, p->name, 0,
		    event_cb, st, ctx->e) == -1 ||
		    store_each_audit(ctx->store, p->cluster, p->name, audit_cb,
		    st, ctx->e) == -1)
			return -1;
		st->first[i] = start;
		st->count[i] = st->n - start;
		if (st->count[i] > 1)
			qsort(&st->v[start], st->count[i], sizeof(*st->v),
			    by_time);
	}
	return 0;
}

/* ---- text ----------------------------------------------------------------- */

static void	cat(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Appends to a line (cut when full: it is for a person). */
static void
cat(char *line, size_t len, const char *fmt, ...)
{
	size_t n = strlen(line);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, len - n, fmt, ap);
	va_end(ap);
}

static void
kv(struct report_tab *t, const char *key, const char *value)
{
	report_tab_cell(t, key);
	report_tab_cell(t, value != NULL && *value != '\0' ? value : "-");
}

/* The phone's side: its latest probe, as rows of a table. */
struct side {
	struct report_tab	*t;
	struct json		*j;
	int			 n;
};

static int
probe_rows(void *arg, const struct store_probe *pr, struct lsc_err *e)
{
	struct side *sd = arg;
	char a[64], line[1200];

	(void)e;
	sd->n++;
	clock_fmt(CLOCK_MINUTE, "", pr->at, a, sizeof(a));
	snprintf(line, sizeof(line), "%s UTC, at %s port %u", a, pr->address,
	    pr->port);
	kv(sd->t, "probed", line);
	if (pr->kind != NULL) {
		clock_fmt(CLOCK_DATE, "", pr->not_after, a, sizeof(a));
		snprintf(line, sizeof(line), "%s valid until %s, issued by %s, "
		    "serial %s", pr->kind, a, pr->issuer != NULL ? pr->issuer :
		    "-", pr->serial != NULL ? pr->serial : "-");
		kv(sd->t, "presents", line);
	} else {
		snprintf(line, sizeof(line), "nothing (%s): %s", pr->outcome,
		    pr->reason != NULL ? pr->reason : "-");
		kv(sd->t, "presents", line);
	}
	snprintf(line, sizeof(line), "%s: %s", pr->class != NULL ? pr->class :
	    "-", pr->class_reason != NULL ? pr->class_reason : "-");
	kv(sd->t, "phone and CUCM", line);
	return 0;
}

static int
probe_json(void *arg, const struct store_probe *pr, struct lsc_err *e)
{
	struct json *j = ((struct side *)arg)->j;

	(void)e;
	((struct side *)arg)->n++;
	json_obj(j, "probe");
	json_time(j, "at", pr->at);
	json_str(j, "address", pr->address);
	json_int(j, "port", pr->port);
	json_str(j, "outcome", pr->outcome);
	json_str(j, "reason", pr->reason);
	json_str(j, "kind", pr->kind);
	json_str(j, "subject", pr->subject);
	json_str(j, "issuer", pr->issuer);
	json_str(j, "serial", pr->serial);
	if (pr->kind != NULL) {
		json_time(j, "not_before", pr->not_before);
		json_time(j, "not_after", pr->not_after);
	}
	json_str(j, "sha256", pr->sha256);
	json_str(j, "class", pr->class);
	json_str(j, "class_reason", pr->class_reason);
	json_end(j);
	return 0;
}

/* The phone's history: every change of state and every write. */
static int
text_history(struct story *st, size_t i)
{
	struct report_ctx *ctx = st->ctx;
	struct report_tab *h;
	char a[64];
	int rc;

	if (report_text_heading(ctx, "History (%zu)", st->count[i]) == -1)
		return -1;
	if ((h = report_tab_new(1)) == NULL)
		return report_syserr(ctx->e, "building a table");
	report_tab_col(h, "TIME", 0, 0, 0, 0);
	report_tab_col(h, "RUN", TAB_RIGHT, 0, 0, 0);
	report_tab_col(h, "WHAT", TAB_SHRINK, 12, 0, 0);
	report_tab_col(h, "DETAIL", TAB_WRAP, 30, 0, 0);
	for (size_t k = st->first[i]; k < st->first[i] + st->count[i]; k++) {
		const struct entry *en = &st->v[k];

		clock_fmt(CLOCK_MINUTE, "", en->time, a, sizeof(a));
		report_tab_cell(h, a);
		if (en->run > 0)
			report_tab_cellf(h, "%lld", (long long)en->run);
		else
			report_tab_cell(h, "-");
		if (en->type == ENTRY_STATE) {
			if (en->has_old)
				report_tab_cellf(h, "%s \xe2\x86\x92 %s",
				    phone_state_name(en->old_state),
				    phone_state_name(en->new_state));
			else
				report_tab_cellf(h, "first seen: %s",
				    phone_state_name(en->new_state));
			report_tab_cell(h, en->reason);
		} else {
			report_tab_cell(h, en->op);
			report_tab_cellf(h, "%s%sresult: %s", en->values !=
			    NULL ? en->values : "", en->values != NULL ?
			    "; " : "", en->result != NULL ? en->result : "");
		}
	}
	if (st->count[i] == 0)
		rc = report_text_line(ctx, "  No history kept.");
	else
		rc = report_tab_render(ctx, h, 2, NULL);
	report_tab_free(h);
	return rc;
}

static int
text_phone(struct story *st, size_t i)
{
	struct report_ctx *ctx = st->ctx;
	const struct store_phone *p = &st->phones.v[i];
	const struct phone_memory *m = &p->mem;
	int64_t now = ctx->o->now;
	struct report_tab *t = NULL;
	struct side sd = { NULL, NULL, 0 };
	char a[64], b[64], line[600], reason[300];
	long long days;
	int rc = -1;

	if (report_text_heading(ctx, "Phone %s (cluster %s)", p->name,
	    p->cluster) == -1)
		return -1;
	if ((t = report_tab_new(0)) == NULL) {
		report_syserr(ctx->e, "building a table");
		goto out;
	}
	report_tab_col(t, "", 0, 0, 0, 0);
	report_tab_col(t, "", TAB_WRAP, 20, 0, 0);

	clock_fmt(CLOCK_MINUTE, "", m->state_since, a, sizeof(a));
	snprintf(line, sizeof(line), "%s since %s UTC",
	    phone_state_name(m->state), a);
	kv(t, "state", line);
	kv(t, "reason", report_reason(p, now, reason, sizeof(reason)));
	kv(t, "campaign", p->campaign);
	kv(t, "device pool", p->pool);
	kv(t, "model", p->model);
	kv(t, "description", p->description);
	if (p->lsc_valid_until > 0) {
		clock_fmt(CLOCK_DATE, "", p->lsc_valid_until, a, sizeof(a));
		days = clock_days(p->lsc_valid_until, now);
		if (days < 0)
			snprintf(line, sizeof(line), "expired %s (%lld day%s "
			    "ago)", a, -days, days == -1 ? "" : "s");
		else
			snprintf(line, sizeof(line), "valid until %s (%lld "
			    "day%s left)", a, days, days == 1 ? "" : "s");
		if (p->lsc_issuer != NULL && *p->lsc_issuer != '\0')
			cat(line, sizeof(line), ", issued by %s",
			    p->lsc_issuer);
		kv(t, "LSC", line);
	} else
		kv(t, "LSC", "none (MIC only)");
	if (p->cert_operation != NULL || p->cert_status != NULL) {
		snprintf(line, sizeof(line), "%s, %s", p->cert_operation !=
		    NULL ? p->cert_operation : "-", p->cert_status != NULL ?
		    p->cert_status : "-");
		kv(t, "CAPF operation", line);
	}
	clock_fmt(CLOCK_MINUTE, "", p->last_seen, a, sizeof(a));
	snprintf(line, sizeof(line), "%s%s", p->last_seen > 0 ? a : "never",
	    p->last_seen > 0 ? " UTC" : "");
	if (p->last_ip != NULL)
		cat(line, sizeof(line), ", at %s", p->last_ip);
	if (p->last_node != NULL)
		cat(line, sizeof(line), ", via %s", p->last_node);
	kv(t, "last registered", line);
	if (m->first_offline > 0) {
		clock_fmt(CLOCK_MINUTE, "", m->first_offline, a, sizeof(a));
		clock_fmt(CLOCK_MINUTE, "", m->last_offline, b, sizeof(b));
		snprintf(line, sizeof(line), "first %s UTC, last %s UTC", a,
		    b);
		kv(t, "found offline", line);
	}
	snprintf(line, sizeof(line), "%u", m->attempts);
	if (m->next_retry > 0) {
		clock_fmt(CLOCK_MINUTE, "", m->next_retry, a, sizeof(a));
		cat(line, sizeof(line), ", next retry %s UTC", a);
	}
	kv(t, "attempts", line);
	if (m->deadline > 0) {
		clock_fmt(CLOCK_MINUTE, "", m->queued_at, a, sizeof(a));
		clock_fmt(CLOCK_MINUTE, "", m->deadline, b, sizeof(b));
		snprintf(line, sizeof(line), "queued %s%s, completes by %s "
		    "UTC%s", m->queued_at > 0 ? a : "by someone else",
		    m->queued_at > 0 ? " UTC" : "", b, report_overdue(p, now) ?
		    " (passed)" : "");
		kv(t, "operation", line);
	}
	if (m->renewed_at > 0) {
		clock_fmt(CLOCK_MINUTE, "", m->renewed_at, a, sizeof(a));
		snprintf(line, sizeof(line), "%s UTC", a);
		kv(t, "renewed", line);
	}
	if (p->last_run > 0) {
		snprintf(line, sizeof(line), "#%lld", (long long)p->last_run);
		kv(t, "last run", line);
	}
	sd.t = t;
	if (store_each_phone_probe(ctx->store, p->cluster, p->name, 1,
	    probe_rows, &sd, ctx->e) == -1)
		goto out;
	if (sd.n == 0)
		kv(t, "probed", "never (lscrenew probe reads what it presents)");
	if (report_tab_render(ctx, t, 2, NULL) == -1)
		goto out;

	buf_puts(ctx->out, "\n");
	rc = text_history(st, i);
out:
	report_tab_free(t);
	return rc;
}

static int
text(struct story *st)
{
	for (size_t i = 0; i < st->phones.n; i++) {
		if (i > 0)
			buf_puts(st->ctx->out, "\n");
		if (text_phone(st, i) == -1)
			return -1;
	}
	return 0;
}

/* ---- CSV and JSON ------------------------------------------------------------ */

#define ENTRY_FIELDS	9

/* An entry's fields: a state change's (old_state, new_state, reason) or a
 * write's (op, values, result); the others are left out of JSON. */
static void
entry_fields(const struct entry *en, struct report_field f[ENTRY_FIELDS])
{
	static const char *const types[] = { "state", "write", "current" };
	int w = en->type == ENTRY_WRITE;
	size_t n = 0;

	REPORT_NUM(f, n, "time", RF_TIME, en->time);
	REPORT_NUM(f, n, "run", en->run > 0 ? RF_INT : RF_NULL, en->run);
	REPORT_STR(f, n, "type", types[en->type]);
	REPORT_STR(f, n, "old_state", en->has_old ?
	    phone_state_name(en->old_state) : NULL);
	REPORT_STR(f, n, "new_state", phone_state_name(en->new_state));
	REPORT_STR(f, n, "reason", en->reason);
	REPORT_STR(f, n, "op", en->op);
	REPORT_STR(f, n, "values", en->values);
	REPORT_STR(f, n, "result", en->result);
	for (n = w ? 3 : 6; n < (w ? 6u : 9u); n++)
		f[n].type = RF_ABSENT;
}

static int
csv(struct story *st)
{
	struct report_ctx *ctx = st->ctx;
	struct report_field f[ENTRY_FIELDS];
	struct report_csv c;
	struct entry now;
	char reason[300];

	memset(&now, 0, sizeof(now));
	entry_fields(&now, f);
	report_csv_init(&c, ctx->out);
	report_csv_str(&c, "cluster");
	report_csv_str(&c, "name");
	report_csv_fields(&c, f, ENTRY_FIELDS, 1);
	report_csv_end(&c);
	for (size_t i = 0; i < st->phones.n; i++) {
		const struct store_phone *p = &st->phones.v[i];

		now.type = ENTRY_CURRENT;
		now.time = p->mem.state_since;
		now.new_state = p->mem.state;
		now.reason = report_reason(p, ctx->o->now, reason,
		    sizeof(reason));
		for (size_t k = 0; k <= st->count[i]; k++) {
			entry_fields(k == 0 ? &now : &st->v[st->first[i] + k -
			    1], f);
			report_csv_str(&c, p->cluster);
			report_csv_str(&c, p->name);
			report_csv_fields(&c, f, ENTRY_FIELDS, 0);
			report_csv_end(&c);
		}
	}
	return 0;
}

static int
json(struct story *st)
{
	struct report_ctx *ctx = st->ctx;
	struct report_field f[ENTRY_FIELDS];
	struct json j;
	struct side sd = { NULL, &j, 0 };

	json_init(&j, ctx->out, 0);
	report_json_envelope(ctx, &j);
	json_str(&j, "name", ctx->o->phone);
	json_arr(&j, "phones");
	for (size_t i = 0; i < st->phones.n; i++) {
		json_obj(&j, NULL);
		report_json_phone(ctx, &j, &st->phones.v[i]);
		sd.n = 0;
		if (store_each_phone_probe(ctx->store, st->phones.v[i].cluster,
		    st->phones.v[i].name, 1, probe_json, &sd, ctx->e) == -1)
			return -1;
		if (sd.n == 0)
			json_null(&j, "probe");
		json_arr(&j, "timeline");
		for (size_t k = st->first[i]; k < st->first[i] + st->count[i];
		    k++) {
			entry_fields(&st->v[k], f);
			json_obj(&j, NULL);
			report_json_fields(&j, f, ENTRY_FIELDS);
			json_end(&j);
		}
		json_end(&j);
		json_end(&j);
	}
	json_end(&j);
	json_finish(&j);
	return 0;
}

int
report_phone(struct report_ctx *ctx)
{
	struct story st;
	int rc = -1;

	memset(&st, 0, sizeof(st));
	st.ctx = ctx;
	if (ctx->o->phone == NULL || *ctx->o->phone == '\0')
		return err_set(ctx->e, ERR_USAGE, "report phone: which phone? "
		    "(a device name)");
	if (load(&st) == -1)
		goto out;
	/* report.c let only text, csv and json through */
	if (ctx->o->format == REPORT_FORMAT_CSV)
		rc = csv(&st);
	else if (ctx->o->format == REPORT_FORMAT_JSON)
		rc = json(&st);
	else
		rc = text(&st);
	ctx->res.rows = st.n;
out:
	report_phones_free(&st.phones);
	free(st.v);
	free(st.first);
	free(st.count);
	return rc;
}
