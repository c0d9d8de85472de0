/*
 * write.c — the only writes lscrenew sends to CUCM: the CAPF operation
 * (updatePhone) and telling the phone (apply, restart, reset), paced, in
 * groups whose intents are on disk before the first request of the group
 * leaves, so a run killed at any point, or a power cut, is recovered from
 * CUCM's answer on the next run.
 *
 * A group costs two commits to disk (its intents; its outcomes with the
 * intents to tell the phones), not two per phone.  Under a per-minute cap
 * a group holds about ten seconds of writes, so a run stopped in the
 * middle leaves few intents that never left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/engine_int.h"

#define GROUP_MAX	64

/* Blocks further writes in this run, keeping the first cause; a fatal one
 * fails the run once every phone was read. */
static void
block_writes(struct crun *r, const struct lsc_err *cause, int fatal)
{
	r->eng->writes_blocked = 1;
	if (fatal && !r->fatal) {
		r->fatal = 1;
		r->fatal_err = *cause;
	}
}

/*
 * After a write that failed for the cluster's reasons, no more writes in
 * this run.  Throttling, or a cluster that cannot be reached (the phone's
 * write is recorded and read back next run), ends the writes alone; any
 * other failure (refused account, damaged replies, run_timeout reached
 * mid-request) fails the run too.
 */
static void
hold_writes(struct crun *r, const struct lsc_err *we)
{
	if (we->kind == ERR_AUTH || we->kind == ERR_NETWORK ||
	    we->kind == ERR_TLS || we->kind == ERR_THROTTLED ||
	    we->kind == ERR_PARSE || we->kind == ERR_HTTP ||
	    we->kind == ERR_TIMEOUT)
		block_writes(r, we, we->kind != ERR_THROTTLED &&
		    we->kind != ERR_NETWORK && we->kind != ERR_TLS);
}

/* An AXL message without the phone's name in front (the table has it). */
static const char *
unnamed(const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(msg, name, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
		return msg + n + 2;
	return msg;
}

int
write_add(struct crun *r, struct cand *c, const struct policy *pol,
    const struct store_phone *old, const struct store_phone *p,
    enum action act, struct lsc_err *e)
{
	struct wentry *w, *nw;
	size_t	 cap;

	if (r->nwrites == r->capwrites) {
		cap = r->capwrites ? r->capwrites * 2 : GROUP_MAX;
		if ((nw = reallocarray(r->writes, cap, sizeof(*nw))) == NULL) {
			cand_free(c);
			return err_set(e, ERR_SYSTEM, "out of memory");
		}
		r->writes = nw;
		r->capwrites = cap;
	}
	w = &r->writes[r->nwrites++];
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->pol = pol;
	w->known = old != NULL;
	if (old != NULL)
		w->old = old->mem;
	w->p = *p;
	w->act = act;
	return 0;
}

static void
capf_of(const struct policy *pol, const struct cand *o, int64_t now,
    const struct phone_memory *m, struct axl_capf *c, char *finish,
    size_t flen, char *rsa, char *ec, size_t klen)
{
	enum auth_mode mode;

	/* a phone without a valid LSC (none, or expired) can only prove
	 * itself with its MIC or a string: "By Existing Certificate
	 * (precedence to LSC)" fails with "Invalid LSC" */
	mode = o->lsc_valid_until > now ? pol->auth_mode :
	    pol->install_auth_mode;
	memset(c, 0, sizeof(*c));
	c->operation = "Install/Upgrade";
	c->auth_mode = auth_mode_axl(mode);
	if (mode == AUTH_STRING)
		c->auth_string = pol->auth_string;
	c->key_order = key_order_axl(pol->key_order);
	snprintf(rsa, klen, "%d", pol->rsa_bits);
	snprintf(ec, klen, "%d", pol->ec_bits);
	if (pol->key_order != KEY_EC)
		c->key_size = rsa;
	if (pol->key_order != KEY_RSA)
		c->ec_key_size = ec;
	if (axl_format_finish_time(m->deadline, finish, flen) == -1)
		finish[0] = '\0';
	c->finish_time = finish;
}

/* The audit's words for an updatePhone (never the authentication string). */
static void
capf_text(const struct axl_capf *c, char *vals, size_t len)
{
	snprintf(vals, len, "certificateOperation=%s authenticationMode=%s%s "
	    "keyOrder=%s%s%s%s%s upgradeFinishTime=%s", c->operation,
	    c->auth_mode, c->auth_string != NULL ? " authenticationString=*" :
	    "", c->key_order, c->key_size != NULL ? " keySize=" : "",
	    c->key_size != NULL ? c->key_size : "",
	    c->ec_key_size != NULL ? " ecKeySize=" : "",
	    c->ec_key_size != NULL ? c->ec_key_size : "", c->finish_time);
}

/* Waits so that writes stay under max_per_minute, at most until the
 * run's deadline (the write then fails on it). */
static void
pace(struct crun *r, const struct policy *pol)
{
	struct engine *eng = r->eng;
	int64_t interval, now_ms, wait;

	if (pol->max_per_minute == 0 || eng->clock == NULL)
		return;
	interval = 60000 / (int64_t)pol->max_per_minute;
	now_ms = eng->clock->mono_ms(eng->clock);
	if (eng->last_write_ms != 0) {
		wait = eng->last_write_ms + interval - now_ms;
		if (wait > run_left_ms(eng))
			wait = run_left_ms(eng);
		if (wait > 0)
			clock_sleep(eng->clock, wait);
	}
	eng->last_write_ms = eng->clock->mono_ms(eng->clock);
}

static enum write_outcome
outcome_of(const struct lsc_err *we)
{
	switch (we->kind) {
	case ERR_NOTFOUND:
		return WRITE_GONE;
	case ERR_FAULT:
		/* a database error (Informix's codes, -239, -691, ...) is
		 * not this phone's fault: due again next run */
		return we->axl_code <= -100 ? WRITE_NOT_APPLIED :
		    WRITE_REFUSED;
	default:
		return we->not_applied || we->kind == ERR_AUTH ||
		    we->kind == ERR_THROTTLED ? WRITE_NOT_APPLIED :
		    WRITE_UNKNOWN;
	}
}

/* Ends an audit row with the result of its request (0: none). */
static int
audit_end(struct crun *r, int64_t *audit, const char *result,
    struct lsc_err *e)
{
	if (*audit == 0)
		return 0;
	if (rec_open(r, e) == -1)
		return -1;
	if (store_audit_end(r->eng->store, *audit, result, e) == -1)
		return rec_abort(r);
	*audit = 0;
	return 0;
}

/* Records the phone (and its audit row's result) in the batch. */
static int
record(struct crun *r, struct wentry *w, const struct phone_memory *before,
    const char *result, struct lsc_err *e)
{
	if (audit_end(r, &w->audit, result, e) == -1 ||
	    audit_end(r, &w->audit_apply, "not sent", e) == -1)
		return -1;
	return rec_put(r, &w->p, NULL, before, e);
}

/* Records the intent of the next request of w: its audit row, and the
 * phone as it will be if the request lands. */
static int
intent(struct crun *r, struct wentry *w, const char *op, const char *vals,
    const struct phone_memory *before, struct lsc_err *e)
{
	struct engine *eng = r->eng;

	if (rec_open(r, e) == -1)
		return -1;
	if (store_audit_begin(eng->store, eng->run, eng->now, w->p.cluster,
	    w->p.name, op, vals, &w->audit, e) == -1)
		return rec_abort(r);
	return rec_put(r, &w->p, NULL, before, e);
}

/* Sends w's updatePhone; the outcome goes into w. */
static void
send_update(struct crun *r, struct wentry *w, const struct axl_capf *capf,
    char *result, size_t rlen)
{
	struct engine *eng = r->eng;
	struct observation o;
	struct lsc_err we;
	const char *msg;

	err_clear(&we);
	if (eng->writes_blocked || run_left_ms(r->eng) <= 0) {
		cand_observation(w->c, &o);
		policy_update_failed(&o, &w->old, w->pol, eng->now,
		    WRITE_NOT_APPLIED, eng->writes_blocked ? "writes held "
		    "for this run" : "run_timeout reached", &w->p.mem);
		snprintf(result, rlen, "not sent");
		return;
	}
	pace(r, w->pol);
	if (axl_update_capf(r->cl->axl, w->p.name, capf, &we) == 0) {
		eng->counts.queued++;
		r->queued[w->c->pol]++;
		r->refused_in_row = 0;
		policy_written(&w->p.mem, OP_UPDATED, eng->now);
		w->notify = 1;
		snprintf(result, rlen, "ok");
		return;
	}
	eng->counts.errors++;
	snprintf(w->error, sizeof(w->error), "%s", we.msg);
	snprintf(result, rlen, "%s", we.msg);
	msg = unnamed(we.msg, w->p.name);
	cand_observation(w->c, &o);
	policy_update_failed(&o, &w->old, w->pol, eng->now, outcome_of(&we),
	    msg, &w->p.mem);
	if (outcome_of(&we) == WRITE_REFUSED && ++r->refused_in_row >= 3) {
		/* the same refusal three times in a row is the campaign's
		 * settings or the account, not the phones */
		err_set(&we, ERR_FAULT, "CUCM refused updatePhone for %u "
		    "phones in a row, last: %.300s", r->refused_in_row, msg);
		block_writes(r, &we, 1);
	} else
		hold_writes(r, &we);
}

/* Tells the phone how; the outcome goes into w. */
static void
send_notify(struct crun *r, struct wentry *w, enum axl_notify how,
    char *result, size_t rlen)
{
	struct engine *eng = r->eng;
	struct lsc_err we;

	err_clear(&we);
	if (eng->writes_blocked || run_left_ms(r->eng) <= 0) {
		/* nothing left: the next run tells it */
		policy_notify_failed(&w->p.mem, 1, eng->writes_blocked ?
		    "writes held for this run" : "run_timeout reached");
		snprintf(result, rlen, "not sent");
		return;
	}
	if (axl_notify_phone(r->cl->axl, w->p.name, how, &we) == 0) {
		policy_written(&w->p.mem, OP_NOTIFIED, eng->now);
		snprintf(result, rlen, "ok");
		return;
	}
	eng->counts.errors++;
	snprintf(w->error, sizeof(w->error), "%s", we.msg);
	snprintf(result, rlen, "%s", we.msg);
	policy_notify_failed(&w->p.mem, we.not_applied,
	    unnamed(we.msg, w->p.name));
	hold_writes(r, &we);
}

/* Writes held before a group began: nothing is sent, nothing intended. */
static int
held(struct crun *r, struct wentry *g, size_t n, struct lsc_err *e)
{
	struct observation o;
	const char *why = r->eng->writes_blocked ? "writes held for this run" :
	    "run_timeout reached";

	for (size_t i = 0; i < n; i++) {
		struct wentry *w = &g[i];

		if (w->act == ACT_QUEUE) {
			cand_observation(w->c, &o);
			policy_update_failed(&o, &w->old, w->pol, r->eng->now,
			    WRITE_NOT_APPLIED, why, &w->p.mem);
		} else
			policy_notify_failed(&w->p.mem, 1, why);
		if (rec_put(r, &w->p, NULL, w->known ? &w->old : NULL,
		    e) == -1)
			return -1;
		rec_tell(r, &w->p, w->known ? w->old.state : PS__MAX,
		    ACT_NONE, NULL);
	}
	return 0;
}


/*
 * The intents of a group, on disk together before any of its requests
 * leaves: each update as intended but not sent yet (OP_GROUPED), and the
 * applyPhone that follows it (sent twice it does no harm, so the phone is
 * not recorded again between the two).  A restart or reset is intended
 * alone, just before it leaves (below).
 */
static int
intents(struct crun *r, struct wentry *g, size_t n,
    struct phone_memory *before, struct lsc_err *e)
{
	struct axl_capf capf;
	char	 finish[32], rsa[16], ec[16], vals[400];

	if (rec_open_as(r, 1, e) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct wentry *w = &g[i];
		int	 apply = w->pol->notify == AXL_NOTIFY_APPLY;

		before[i] = w->p.mem;
		if (w->act != ACT_QUEUE) {
			w->notify = 1;
			if (!apply)
				continue;
			w->p.mem.phase = OP_NOTIFYING;
			if (intent(r, w, "applyPhone", NULL, w->known ?
			    &w->old : NULL, e) == -1)
				return -1;
			before[i] = w->p.mem;
			continue;
		}
		capf_of(w->pol, w->c, r->eng->now, &w->p.mem, &capf, finish,
		    sizeof(finish), rsa, ec, sizeof(rsa));
		capf_text(&capf, vals, sizeof(vals));
		w->p.mem.phase = OP_GROUPED;
		if (intent(r, w, "updatePhone", vals, w->known ? &w->old :
		    NULL, e) == -1)
			return -1;
		if (apply && store_audit_begin(r->eng->store, r->eng->run,
		    r->eng->now, w->p.cluster, w->p.name, "applyPhone", NULL,
		    &w->audit_apply, e) == -1)
			return rec_abort(r);
		before[i] = w->p.mem;
		w->p.mem.phase = OP_SENDING;
	}
	return rec_close(r, e);
}

/* Marks an update as leaving, in a commit of its own that survives a
 * crash of the process (not synced: the group's intent is). */
static int
leaving(struct crun *r, struct wentry *w, struct lsc_err *e)
{
	if (rec_open_as(r, 0, e) == -1)
		return -1;
	if (store_phone_phase(r->eng->store, w->p.cluster, w->p.name,
	    OP_SENDING, e) == -1)
		return rec_abort(r);
	return rec_close(r, e);
}

/* Sends w's update, and an apply at once.  Returns 1 when a restart or
 * reset is left to send. */
static int
update(struct crun *r, struct wentry *w, struct phone_memory *before,
    struct lsc_err *e)
{
	struct axl_capf capf;
	char	 finish[32], rsa[16], ec[16], result[LSC_ERR_MSGLEN];

	if (!r->eng->writes_blocked && run_left_ms(r->eng) > 0 &&
	    leaving(r, w, e) == -1)
		return -1;
	capf_of(w->pol, w->c, r->eng->now, &w->p.mem, &capf, finish,
	    sizeof(finish), rsa, ec, sizeof(rsa));
	send_update(r, w, &capf, result, sizeof(result));
	if (!w->notify)
		return record(r, w, before, result, e);
	if (audit_end(r, &w->audit, result, e) == -1)
		return -1;
	if (w->pol->notify != AXL_NOTIFY_APPLY)
		return 1;
	w->audit = w->audit_apply;
	w->audit_apply = 0;
	send_notify(r, w, AXL_NOTIFY_APPLY, result, sizeof(result));
	return record(r, w, before, result, e);
}

/* Tells the phone how: a restart or reset after its intent is on disk (a
 * run killed while it is sent knows not to send it twice: OP_NOTIFYING). */
static int
tell(struct crun *r, struct wentry *w, enum axl_notify how,
    struct phone_memory *before, struct lsc_err *e)
{
	char	 result[LSC_ERR_MSGLEN];

	if (how != AXL_NOTIFY_APPLY && !r->eng->writes_blocked &&
	    run_left_ms(r->eng) > 0) {
		w->p.mem.phase = OP_NOTIFYING;
		if (rec_open_as(r, 1, e) == -1 || intent(r, w,
		    axl_op_name(AXL_NOTIFY_OP(how)), NULL, before, e) == -1 ||
		    rec_close(r, e) == -1)
			return -1;
		*before = w->p.mem;
	}
	send_notify(r, w, how, result, sizeof(result));
	return record(r, w, before, result, e);
}

/* Tells the phone; one that kept its old certificate through a renewal
 * is restarted after the apply (an apply does not make it load the new
 * one). */
static int
notify(struct crun *r, struct wentry *w, struct phone_memory *before,
    struct lsc_err *e)
{
	if (tell(r, w, w->pol->notify, before, e) == -1)
		return -1;
	if (w->act != ACT_RENOTIFY || w->pol->notify != AXL_NOTIFY_APPLY ||
	    w->p.mem.phase != OP_NOTIFIED)
		return 0;
	*before = w->p.mem;
	return tell(r, w, AXL_NOTIFY_RESTART, before, e);
}

/* One group: intents, then each update (and apply), then the phones left
 * to tell. */
static int
group(struct crun *r, struct wentry *g, size_t n, struct lsc_err *e)
{
	struct phone_memory before[GROUP_MAX];
	size_t	 i;
	int	 rc;

	if (r->eng->writes_blocked || run_left_ms(r->eng) <= 0)
		return held(r, g, n, e);
	if (intents(r, g, n, before, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (g[i].act != ACT_QUEUE)
			continue;
		if ((rc = update(r, &g[i], &before[i], e)) == -1)
			return -1;
		g[i].notify = rc == 1;
	}
	for (i = 0; i < n; i++) {
		struct wentry *w = &g[i];

		if (w->notify && notify(r, w, &before[i], e) == -1)
			return -1;
		rec_tell(r, &w->p, w->known ? w->old.state : PS__MAX, w->act,
		    w->error[0] != '\0' ? w->error : NULL);
	}
	return 0;
}

/* Writes in a group: about ten seconds of them under a per-minute cap. */
static size_t
group_size(const struct crun *r)
{
	size_t	 n = GROUP_MAX, k;

	for (size_t i = 0; i < r->npols; i++) {
		if (r->pols[i]->max_per_minute == 0)
			continue;
		k = r->pols[i]->max_per_minute / 6;
		if (k < n)
			n = k > 0 ? k : 1;
	}
	return n;
}

int
write_flush(struct crun *r, struct lsc_err *e)
{
	size_t	 i, k, size = group_size(r);
	int	 rc = 0;

	for (i = 0; i < r->nwrites && rc == 0; i += k) {
		k = r->nwrites - i < size ? r->nwrites - i : size;
		rc = group(r, &r->writes[i], k, e);
	}
	for (i = 0; i < r->nwrites; i++)
		cand_free(r->writes[i].c);
	r->nwrites = 0;
	return rc;
}

void
write_free(struct crun *r)
{
	for (size_t i = 0; i < r->nwrites; i++)
		cand_free(r->writes[i].c);
	free(r->writes);
	r->writes = NULL;
	r->nwrites = r->capwrites = 0;
}
