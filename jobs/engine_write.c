/*
 * engine_write.c — the only writes lscrenew sends to CUCM: the CAPF
 * operation (updatePhone) and telling the phone (apply, restart, reset),
 * paced, each preceded by a committed record of the intent so a run killed
 * at any point is recovered from CUCM's answer on the next run.
 */
#include <stdio.h>
#include <string.h>

#include "jobs/engine_int.h"

/* Blocks further writes in this run, keeping the first cause. */
static void
block_writes(struct crun *r, const struct lsc_err *cause, int fatal)
{
	r->eng->writes_blocked = 1;
	if (fatal && !r->fatal) {
		r->fatal = 1;
		r->fatal_err = *cause;
	}
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

/* A write that failed before CUCM acted on it: back to due, with why. */
static void
write_failed(struct crun *r, const struct store_obs *o, const struct
    phone_memory *old, const char *why_not, struct phone_memory *m)
{
	char why[120];
	const char *due;

	*m = *old;
	if (m->state != PS_LEFT_BEHIND && m->state != PS_FAILED_RETRYABLE) {
		if (m->state != PS_DUE)
			m->state_since = r->eng->now;
		m->state = PS_DUE;
	}
	m->phase = OP_NONE;
	due = policy_due_reason(&o->obs, r->pol, r->eng->now, why,
	    sizeof(why));
	snprintf(m->reason, sizeof(m->reason), "%.60s; not queued: %.120s",
	    due != NULL ? due : "due", why_not);
}

static const char *
notify_op(enum axl_notify n)
{
	switch (n) {
	case AXL_NOTIFY_RESTART:
		return "restartPhone";
	case AXL_NOTIFY_RESET:
		return "resetPhone";
	default:
		return "applyPhone";
	}
}

/*
 * Commits, on its own, the audit row of a write about to be sent (result
 * "sending") with the phone as it will be if the write lands: the intent
 * is on disk before the request leaves.  No batch may be open.
 */
static int
intent(struct crun *r, const struct store_phone *p,
    const struct phone_memory *prev, const char *op, const char *vals,
    int64_t *audit, struct lsc_err *e)
{
	struct engine *eng = r->eng;

	if (engine_txn_open(r, e) == -1)
		return -1;
	if (store_audit_begin(eng->store, eng->run, eng->now, p->cluster,
	    p->name, op, vals, audit, e) == -1 ||
	    store_phone_put(eng->store, eng->run, eng->now, p, prev, e) ==
	    -1) {
		r->in_txn = 0;
		store_rollback(eng->store);
		return -1;
	}
	return engine_txn_close(r, e);
}

/*
 * Tells the phone (apply/restart/reset) after its update landed.  A
 * failure is recorded in the phone's reason and copied into failure; only
 * a store failure returns -1.
 */
int
engine_notify(struct crun *r, struct store_phone *p, char *failure, size_t flen,
    struct lsc_err *e)
{
	struct engine *eng = r->eng;
	struct phone_memory before = p->mem, notifying;
	struct lsc_err we;
	const char *op = notify_op(r->pol->notify);
	int64_t audit = 0;
	size_t len;

	/* The intent first: a run killed while the phone is being told
	 * knows not to restart it a second time (policy.c, OP_NOTIFYING). */
	if (engine_txn_close(r, e) == -1)
		return -1;
	p->mem.phase = OP_NOTIFYING;
	if (intent(r, p, &before, op, NULL, &audit, e) == -1)
		return -1;
	notifying = p->mem;
	err_clear(&we);
	if (axl_notify_phone(r->cl->axl, p->name, r->pol->notify, &we) == 0) {
		policy_written(&p->mem, OP_NOTIFIED, eng->now);
		return engine_put_now(r, p, &notifying, audit, "ok", e);
	}
	/* The operation is set in CUCM; the next run tells the phone (when
	 * this one provably did not reach it, or it was an apply). */
	if (we.not_applied)
		p->mem.phase = OP_UPDATED;
	eng->counts.errors++;
	snprintf(failure, flen, "%s", we.msg);
	len = strlen(p->mem.reason);
	snprintf(p->mem.reason + len, sizeof(p->mem.reason) - len,
	    "; phone not told yet (%.100s), retried next run",
	    unnamed(we.msg, p->name));
	if (we.kind == ERR_AUTH || we.kind == ERR_NETWORK ||
	    we.kind == ERR_TLS || we.kind == ERR_THROTTLED)
		block_writes(r, &we, we.kind != ERR_THROTTLED);
	return engine_put_now(r, p, &notifying, audit, we.msg, e);
}

static void
capf_of(const struct policy *pol, const struct observation *o, int64_t now,
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

/* Waits so that writes stay under max_per_minute. */
static void
pace(struct crun *r)
{
	struct engine *eng = r->eng;
	int64_t interval, now_ms, wait;

	if (r->pol->max_per_minute == 0 || eng->clock == NULL)
		return;
	interval = 60000 / (int64_t)r->pol->max_per_minute;
	now_ms = eng->clock->mono_ms(eng->clock);
	if (eng->last_write_ms != 0) {
		wait = eng->last_write_ms + interval - now_ms;
		if (wait > 0)
			clock_sleep(eng->clock, wait);
	}
	eng->last_write_ms = eng->clock->mono_ms(eng->clock);
}

/*
 * Queues the operation: the intent is committed before the request
 * leaves, the outcome after.  old is the memory before this run (a fresh
 * one for a phone never seen; then prev is NULL).  A failed write is
 * recorded and copied into failure; only a store failure returns -1.
 */
int
engine_queue(struct crun *r, const struct store_obs *o, const struct phone_memory
    *old, const struct phone_memory *prev, struct store_phone *p,
    char *failure, size_t flen, struct lsc_err *e)
{
	struct engine *eng = r->eng;
	struct axl_capf capf;
	struct phone_memory sending;
	struct lsc_err we;
	char finish[32], rsa[16], ec[16], vals[400];
	const char *msg;
	int64_t audit = 0;

	capf_of(r->pol, &o->obs, eng->now, &p->mem, &capf, finish,
	    sizeof(finish), rsa, ec, sizeof(rsa));
	snprintf(vals, sizeof(vals), "certificateOperation=%s "
	    "authenticationMode=%s%s keyOrder=%s%s%s%s%s upgradeFinishTime=%s",
	    capf.operation, capf.auth_mode, capf.auth_string != NULL ?
	    " authenticationString=*" : "", capf.key_order,
	    capf.key_size != NULL ? " keySize=" : "",
	    capf.key_size != NULL ? capf.key_size : "",
	    capf.ec_key_size != NULL ? " ecKeySize=" : "",
	    capf.ec_key_size != NULL ? capf.ec_key_size : "", finish);

	/* the store's write lock is not held through the pacing wait */
	if (engine_txn_close(r, e) == -1)
		return -1;
	pace(r);
	if (intent(r, p, prev, "updatePhone", vals, &audit, e) == -1)
		return -1;

	sending = p->mem;
	err_clear(&we);
	if (axl_update_capf(r->cl->axl, p->name, &capf, &we) == 0) {
		eng->counts.queued++;
		r->queued++;
		r->refused_in_row = 0;
		policy_written(&p->mem, OP_UPDATED, eng->now);
		if (engine_put_now(r, p, &sending, audit, "ok", e) == -1)
			return -1;
		return engine_notify(r, p, failure, flen, e);
	}

	eng->counts.errors++;
	snprintf(failure, flen, "%s", we.msg);
	msg = unnamed(we.msg, p->name);
	switch (we.kind) {
	case ERR_NOTFOUND:
		/* deleted between the listing and the write */
		p->mem = *old;
		p->mem.state = PS_GONE;
		p->mem.state_since = eng->now;
		p->mem.phase = OP_NONE;
		snprintf(p->mem.reason, sizeof(p->mem.reason),
		    "deleted from CUCM during the run (%.150s)", msg);
		break;
	case ERR_FAULT:
		if (we.axl_code <= -100) {
			/* a database error (Informix's codes, -239, -691,
			 * ...): not this phone's fault, due again next run */
			write_failed(r, o, old, msg, &p->mem);
			break;
		}
		/* CUCM refused this phone's operation: a person must look.
		 * The same refusal three times in a row is the campaign's
		 * settings or the account, not the phones: stop writing
		 * rather than send every due phone to needs_attention. */
		p->mem = *old;
		p->mem.state = PS_NEEDS_ATTENTION;
		p->mem.state_since = eng->now;
		p->mem.phase = OP_NONE;
		snprintf(p->mem.reason, sizeof(p->mem.reason),
		    "CUCM refused the operation: %.160s", msg);
		if (++r->refused_in_row >= 3) {
			err_set(&we, ERR_FAULT, "CUCM refused updatePhone for "
			    "%u phones in a row, last: %.300s",
			    r->refused_in_row, msg);
			block_writes(r, &we, 1);
		}
		break;
	default:
		if (we.not_applied || we.kind == ERR_AUTH ||
		    we.kind == ERR_THROTTLED) {
			write_failed(r, o, old, msg, &p->mem);
		} else {
			/* Maybe applied: keep the intent; the next run reads
			 * CUCM back and either tells the phone or queues. */
			snprintf(p->mem.reason, sizeof(p->mem.reason),
			    "updatePhone outcome unknown (%.120s); verified next "
			    "run", msg);
		}
		block_writes(r, &we, we.kind != ERR_THROTTLED);
		break;
	}
	return engine_put_now(r, p, &sending, audit, we.msg, e);
}
