/*
 * policy.c — the campaign policy and the pure decision function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "axl/base/clock.h"
#include "jobs/policy.h"

static const char *const state_names[PS__MAX] = {
	"ok", "due", "queued", "pending", "renewed", "left_behind",
	"failed_retryable", "needs_attention", "abandoned", "gone"
};

const char *
phone_state_name(enum phone_state s)
{
	if ((unsigned)s >= PS__MAX)
		return "unknown";
	return state_names[s];
}

int
phone_state_parse(const char *s, enum phone_state *out)
{
	for (int i = 0; i < PS__MAX; i++)
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum phone_state)i;
			return 0;
		}
	return -1;
}

int
phone_state_needs_person(enum phone_state s)
{
	return s == PS_LEFT_BEHIND || s == PS_FAILED_RETRYABLE ||
	    s == PS_NEEDS_ATTENTION || s == PS_ABANDONED;
}

const char *
auth_mode_axl(enum auth_mode m)
{
	switch (m) {
	case AUTH_STRING:
		return "By Authentication String";
	case AUTH_EXISTING_LSC:
		return "By Existing Certificate (precedence to LSC)";
	case AUTH_EXISTING_MIC:
		return "By Existing Certificate (precedence to MIC)";
	case AUTH_NULL_STRING:
	default:
		return "By Null String";
	}
}

const char *
key_order_axl(enum key_order k)
{
	switch (k) {
	case KEY_EC:
		return "EC Only";
	case KEY_EC_RSA:
		return "EC Preferred, RSA Backup";
	case KEY_RSA:
	default:
		return "RSA Only";
	}
}

void
policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->renew_before = 30 * 86400;
	p->install_missing = 0;
	p->auth_mode = AUTH_EXISTING_LSC;
	p->install_auth_mode = AUTH_EXISTING_MIC;
	p->key_order = KEY_RSA;
	p->rsa_bits = 2048;
	p->ec_bits = 384;
	p->deadline = 7 * 86400;
	p->max_per_run = 500;
	p->max_per_minute = 60;
	p->window_start = -1;
	p->window_end = -1;
	p->notify = AXL_NOTIFY_APPLY;
	p->retry_base = 3600;
	p->retry_cap = 7 * 86400;
	p->retry_jitter = 10;
	p->give_up_after = 90 * 86400;
	p->give_up_attempts = 0;
}

void
policy_clear(struct policy *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->cluster);
	for (size_t i = 0; i < p->npools; i++)
		free(p->pools[i]);
	free(p->pools);
	free(p->name_like);
	free(p->expected_issuer);
	if (p->auth_string != NULL) {
		explicit_bzero(p->auth_string, strlen(p->auth_string));
		free(p->auth_string);
	}
	memset(p, 0, sizeof(*p));
}

int
policy_window_open(const struct policy *p, int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;
	int m;

	if (p->window_start < 0 || p->window_end < 0)
		return 1;
	if (localtime_r(&t, &tm) == NULL)
		return 0;
	m = tm.tm_hour * 60 + tm.tm_min;
	if (p->window_start <= p->window_end)
		return m >= p->window_start && m < p->window_end;
	/* spans midnight, e.g. 22:00-04:00 */
	return m >= p->window_start || m < p->window_end;
}

const char *
policy_due_reason(const struct observation *o, const struct policy *p,
    int64_t now, char *buf, size_t len)
{
	long long days;

	if (o->lsc_valid_until <= 0) {
		if (!p->install_missing)
			return NULL;
		snprintf(buf, len, "no LSC (MIC only)");
		return buf;
	}
	days = clock_days(o->lsc_valid_until, now);
	if (o->lsc_valid_until <= now) {
		snprintf(buf, len, "LSC expired %lld day%s ago", -days,
		    -days == 1 ? "" : "s");
		return buf;
	}
	if (o->lsc_valid_until - now <= p->renew_before) {
		snprintf(buf, len, "LSC expires in %lld day%s", days,
		    days == 1 ? "" : "s");
		return buf;
	}
	if (p->expected_issuer != NULL && *p->expected_issuer != '\0' &&
	    (o->lsc_issuer == NULL ||
	    strcmp(o->lsc_issuer, p->expected_issuer) != 0)) {
		snprintf(buf, len, "LSC issued by %s, campaign expects %s",
		    o->lsc_issuer != NULL ? o->lsc_issuer : "an unknown CA",
		    p->expected_issuer);
		return buf;
	}
	return NULL;
}

const char *
policy_reason_detail(const char *reason)
{
	/* the clauses policy_due_reason() writes */
	static const char *const due[] = {
		"LSC expires in ", "LSC expired ", "no LSC (MIC only)",
		"LSC issued by ", NULL
	};
	const char *sep;

	if (reason == NULL)
		return "";
	for (size_t i = 0; due[i] != NULL; i++)
		if (strncmp(reason, due[i], strlen(due[i])) == 0 &&
		    (sep = strstr(reason, "; ")) != NULL)
			return sep + 2;
	return reason;
}

enum capf_failure
policy_classify_status(const char *s)
{
	static const char *const attention[] = {
		"Invalid LSC", "Invalid Authentication String", "Invalid MIC",
		"Invalid Credentials", "No Support for EC only", NULL
	};
	static const char *const retryable[] = {
		"Phone Communication Failure", "Key Generation Failed/Timeout",
		"CA Communication Failure", "CA Rejected Connection", NULL
	};
	const char *detail;

	if (s == NULL || strncmp(s, "Upgrade Failed", 14) != 0)
		return CAPF_FAIL_NONE;
	detail = s + 14;
	if (*detail == '\0')
		return CAPF_FAIL_RETRYABLE;	/* the bare status */
	if (strstr(detail, "Late/Timedout") != NULL)
		return CAPF_FAIL_TIMEOUT;
	for (size_t i = 0; retryable[i] != NULL; i++)
		if (strstr(detail, retryable[i]) != NULL)
			return CAPF_FAIL_RETRYABLE;
	for (size_t i = 0; attention[i] != NULL; i++)
		if (strstr(detail, attention[i]) != NULL)
			return CAPF_FAIL_ATTENTION;
	/* A failure we do not know: a person should look at it. */
	return CAPF_FAIL_ATTENTION;
}

/* FNV-1a: a stable per-phone number for jitter. */
static uint32_t
name_hash(const char *s, unsigned salt)
{
	uint32_t h = 2166136261u ^ salt;

	for (; s != NULL && *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int64_t
policy_backoff(const struct policy *p, unsigned n, const char *name)
{
	int64_t d = p->retry_base > 0 ? p->retry_base : 1;
	int64_t j;

	for (unsigned i = 1; i < n && d < p->retry_cap; i++)
		d *= 2;
	if (p->retry_cap > 0 && d > p->retry_cap)
		d = p->retry_cap;
	if (p->retry_jitter > 0) {
		/* spread by up to jitter% either way, stable per phone */
		j = d * p->retry_jitter / 100;
		if (j > 0)
			d += (int64_t)(name_hash(name, n) % (uint64_t)(2 * j +
			    1)) - j;
	}
	return d > 0 ? d : 1;
}

static void pending_reason(struct phone_memory *, enum reg_state);
static void set_state(struct phone_memory *, enum phone_state, int64_t);
static void clear_op(struct phone_memory *);

void
policy_written(struct phone_memory *m, enum op_phase phase, int64_t now)
{
	m->phase = phase;
	/* (a phone told again, already pending, keeps the reason why) */
	if (phase == OP_NOTIFIED && m->state != PS_PENDING) {
		set_state(m, PS_PENDING, now);
		pending_reason(m, REG_YES);
	}
}

void
policy_update_failed(const struct observation *o,
    const struct phone_memory *old, const struct policy *p, int64_t now,
    enum write_outcome how, const char *why, struct phone_memory *m)
{
	char buf[120];
	const char *due;

	if (how == WRITE_UNKNOWN) {
		/* maybe applied: keep the intent; the next run reads CUCM
		 * back and either tells the phone or queues it */
		snprintf(m->reason, sizeof(m->reason), "updatePhone outcome "
		    "unknown (%.120s); verified next run", why);
		return;
	}
	*m = *old;
	clear_op(m);
	switch (how) {
	case WRITE_GONE:
		set_state(m, PS_GONE, now);
		snprintf(m->reason, sizeof(m->reason), "deleted from CUCM "
		    "during the run (%.150s)", why);
		break;
	case WRITE_REFUSED:
		set_state(m, PS_NEEDS_ATTENTION, now);
		snprintf(m->reason, sizeof(m->reason), "CUCM refused the "
		    "operation: %.160s", why);
		break;
	default:
		if (m->state != PS_LEFT_BEHIND &&
		    m->state != PS_FAILED_RETRYABLE)
			set_state(m, PS_DUE, now);
		due = policy_due_reason(o, p, now, buf, sizeof(buf));
		snprintf(m->reason, sizeof(m->reason), "%.60s; not queued: "
		    "%.120s", due != NULL ? due : "due", why);
		break;
	}
}

void
policy_notify_failed(struct phone_memory *m, int not_applied, const char *why)
{
	size_t len = strlen(m->reason);

	if (not_applied)
		m->phase = OP_UPDATED;
	snprintf(m->reason + len, sizeof(m->reason) - len, "; phone not told "
	    "yet (%.100s), retried next run", why);
}

/* CAPF's operations (XCertificateOperation) and the word their results
 * (XCertificateStatus) start with. */
static const struct {
	const char	*op;
	const char	*word;
} capf_ops[] = {
	{ "Install/Upgrade", "Upgrade" }, { "Delete", "Delete" },
	{ "Troubleshoot", "Troubleshoot" }
};

/* Whether s is a result of the operation whose results start with word. */
static int
is_result(const char *s, const char *word)
{
	size_t	 n = strlen(word);

	return strncmp(s, word, n) == 0 && (strcmp(s + n, " Success") == 0 ||
	    strncmp(s + n, " Failed", 7) == 0);
}

/*
 * The operation CUCM holds live for the phone: NULL when none is set, or
 * when the one set shows its result.  An operation lscrenew does not know
 * is live: only an administrator knows when it is over.
 */
static const char *
live_op(const struct observation *o)
{
	const char *op = o->cert_operation;
	const char *st = o->cert_status != NULL ? o->cert_status : "";

	if (op == NULL || op[0] == '\0' ||
	    strcmp(op, "No Pending Operation") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(capf_ops) / sizeof(capf_ops[0]); i++)
		if (strcmp(op, capf_ops[i].op) == 0)
			return is_result(st, capf_ops[i].word) ? NULL : op;
	return op;
}

/* An Install/Upgrade in flight: the operation lscrenew queues. */
static int
is_pending_op(const struct observation *o)
{
	const char *op = live_op(o);

	return op != NULL && strcmp(op, "Install/Upgrade") == 0;
}

/* A status name CUCM documents (empty counts: none shown). */
static int
known_status(const char *s)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "None") == 0 ||
	    strcmp(s, "Operation Pending") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(capf_ops) / sizeof(capf_ops[0]); i++)
		if (is_result(s, capf_ops[i].word))
			return 1;
	return 0;
}

/*
 * A Delete, a Troubleshoot or an operation lscrenew does not know, live:
 * an administrator's, which an Install/Upgrade would overwrite.  The phone
 * is left alone, saying so, until CUCM shows it over.  Returns 1 when so.
 */
static int
foreign_op(const struct observation *o, const struct policy_ctx *c,
    struct phone_memory *m)
{
	const char *op = live_op(o);
	const char *st = o->cert_status != NULL && o->cert_status[0] != '\0' ?
	    o->cert_status : "none";
	int	 known = 0;

	if (op == NULL || strcmp(op, "Install/Upgrade") == 0)
		return 0;
	for (size_t i = 0; i < sizeof(capf_ops) / sizeof(capf_ops[0]); i++)
		known |= strcmp(op, capf_ops[i].op) == 0;
	clear_op(m);
	set_state(m, PS_PENDING, c->now);
	m->deadline = o->finish_time;
	snprintf(m->reason, sizeof(m->reason), "%sCAPF operation \"%.40s\" "
	    "(status %.60s), not queued by lscrenew: left alone until CUCM "
	    "shows it over", known ? "" : "unknown ", op, st);
	return 1;
}

static void
set_state(struct phone_memory *m, enum phone_state s, int64_t now)
{
	if (m->state != s)
		m->state_since = now;
	m->state = s;
}

static void
clear_offline(struct phone_memory *m)
{
	m->first_offline = 0;
	m->last_offline = 0;
}

static void
clear_op(struct phone_memory *m)
{
	m->deadline = 0;
	m->phase = OP_NONE;
}

static void
pending_reason(struct phone_memory *m, enum reg_state reg)
{
	char when[40];

	clock_fmt(CLOCK_UTC, "never", m->deadline, when, sizeof(when));
	if (reg == REG_NO)
		snprintf(m->reason, sizeof(m->reason),
		    "Operation Pending, phone offline; completes by %s", when);
	else
		snprintf(m->reason, sizeof(m->reason),
		    "Operation Pending; completes by %s", when);
}

/*
 * A due phone with no operation in flight: ask who is online, then queue,
 * defer or give up.
 */
static enum action
decide_due(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, const char *why,
    struct phone_memory *m)
{
	char when[40], since[40];

	switch (m->state) {
	case PS_NEEDS_ATTENTION:
	case PS_ABANDONED:
		/* terminal until an administrator resets it */
		return ACT_NONE;
	case PS_FAILED_RETRYABLE:
		if (m->next_retry > c->now) {
			clock_fmt(CLOCK_UTC, "never", m->next_retry, when,
			    sizeof(when));
			snprintf(m->reason, sizeof(m->reason),
			    "%s; retry after %s", why, when);
			return ACT_NONE;
		}
		break;
	default:
		break;
	}

	if (o->registered == REG_UNKNOWN)
		return ACT_NEED_REG;

	if (o->registered == REG_YES) {
		if (!c->may_write) {
			if (m->state != PS_LEFT_BEHIND &&
			    m->state != PS_FAILED_RETRYABLE)
				set_state(m, PS_DUE, c->now);
			if (c->hold_reason != NULL)
				snprintf(m->reason, sizeof(m->reason),
				    "%s; %s", why, c->hold_reason);
			else if (p->window_start >= 0)
				snprintf(m->reason, sizeof(m->reason),
				    "%s; waiting for the maintenance window "
				    "%02d:%02d-%02d:%02d", why,
				    p->window_start / 60, p->window_start % 60,
				    p->window_end / 60, p->window_end % 60);
			else
				snprintf(m->reason, sizeof(m->reason),
				    "%s; not written in this mode", why);
			return ACT_NONE;
		}
		if (c->budget_left <= 0) {
			if (m->state != PS_LEFT_BEHIND &&
			    m->state != PS_FAILED_RETRYABLE)
				set_state(m, PS_DUE, c->now);
			snprintf(m->reason, sizeof(m->reason),
			    "%s; run limit of %u operations reached", why,
			    p->max_per_run);
			return ACT_NONE;
		}
		set_state(m, PS_QUEUED, c->now);
		m->queued_at = c->now;
		m->deadline = c->now + p->deadline;
		m->prev_valid_until = o->lsc_valid_until;
		m->phase = OP_SENDING;
		m->attempts++;
		m->next_retry = 0;
		clear_offline(m);
		clock_fmt(CLOCK_UTC, "never", m->deadline, when, sizeof(when));
		snprintf(m->reason, sizeof(m->reason),
		    "%s; Install/Upgrade queued, completes by %s", why, when);
		return ACT_QUEUE;
	}

	/* due and not registered: left behind, or abandoned by rule */
	if (m->first_offline == 0)
		m->first_offline = c->now;
	m->last_offline = c->now;
	m->attempts++;
	clock_fmt(CLOCK_DATE, "never", m->first_offline, since, sizeof(since));
	if ((p->give_up_after > 0 &&
	    c->now - m->first_offline >= p->give_up_after) ||
	    (p->give_up_attempts > 0 && m->attempts >= p->give_up_attempts)) {
		set_state(m, PS_ABANDONED, c->now);
		snprintf(m->reason, sizeof(m->reason),
		    "%s; abandoned: offline since %s, %u attempt%s", why, since,
		    m->attempts, m->attempts == 1 ? "" : "s");
		return ACT_NONE;
	}
	set_state(m, PS_LEFT_BEHIND, c->now);
	snprintf(m->reason, sizeof(m->reason), "%s; offline since %s", why,
	    since);
	(void)name;
	return ACT_NONE;
}

/*
 * An attempt that failed and may pass (a CAPF failure, or a write whose
 * outcome is unknown): back off (longer with each failure), or give up by
 * the campaign's rule.  what says what failed, in words.  Returns 1
 * (decided).
 */
static int
capf_failed(const struct policy *p, const struct policy_ctx *c,
    const char *name, struct phone_memory *m, const char *what)
{
	char when[40];

	clear_op(m);
	m->failures++;
	if (p->give_up_attempts > 0 && m->failures >= p->give_up_attempts) {
		set_state(m, PS_ABANDONED, c->now);
		snprintf(m->reason, sizeof(m->reason), "abandoned after %u "
		    "failed attempt%s; last: %.140s", m->failures,
		    m->failures == 1 ? "" : "s", what);
		return 1;
	}
	m->next_retry = c->now + policy_backoff(p, m->failures, name);
	set_state(m, PS_FAILED_RETRYABLE, c->now);
	clock_fmt(CLOCK_UTC, "never", m->next_retry, when, sizeof(when));
	snprintf(m->reason, sizeof(m->reason), "%.140s; retry after %s",
	    what, when);
	return 1;
}

/*
 * The operation ran out of time.  A phone offline now is left behind (and
 * queued again when it returns); a phone registered all along that did
 * not do it has a CAPF problem (reachability, port 3804): a failure, with
 * backoff and the give-up rule, not an endless loop of operations.
 * Returns 1 when decided, 0 to go on as a due phone.
 */
static int
timed_out(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, struct phone_memory *m,
    const char *what, enum action *act)
{
	char buf[160];

	if (o->registered == REG_UNKNOWN) {
		*act = ACT_NEED_REG;
		return 1;
	}
	if (o->registered == REG_YES) {
		snprintf(buf, sizeof(buf), "CAPF: %s although the phone is "
		    "registered", what);
		return capf_failed(p, c, name, m, buf);
	}
	clear_op(m);
	set_state(m, PS_LEFT_BEHIND, c->now);
	snprintf(m->reason, sizeof(m->reason), "%s", what);
	return 0;
}

/*
 * verify_op() for an operation CUCM still shows pending: past its
 * deadline, sent but the phone never told, or waiting for the phone.
 */
static int
op_in_cucm(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, struct phone_memory *m,
    enum action *act)
{
	char when[40], buf[160];

	if (m->deadline > 0 && c->now >= m->deadline) {
		clock_fmt(CLOCK_UTC, "never", m->deadline, when,
		    sizeof(when));
		snprintf(buf, sizeof(buf), "deadline %s passed while "
		    "the operation was pending", when);
		return timed_out(o, p, c, name, m, buf, act);
	}
	if (m->phase == OP_NOTIFYING && p->notify != AXL_NOTIFY_APPLY) {
		/* A restart or reset whose answer was lost: sending
		 * it again would restart the phone in the middle of
		 * CAPF.  The deadline catches one that never came. */
		m->phase = OP_NOTIFIED;
	}
	if (m->phase == OP_SENDING || m->phase == OP_UPDATED ||
	    m->phase == OP_NOTIFYING || m->phase == OP_GROUPED) {
		/* The update landed (CUCM shows it) but the phone
		 * was never told: a run was interrupted. */
		set_state(m, PS_QUEUED, c->now);
		clock_fmt(CLOCK_UTC, "never", m->deadline, when,
		    sizeof(when));
		if (!c->may_write) {
			snprintf(m->reason, sizeof(m->reason),
			    "operation set, phone not told yet; "
			    "completes by %s", when);
			return 1;
		}
		m->phase = OP_UPDATED;
		snprintf(m->reason, sizeof(m->reason),
		    "operation set by an interrupted run; telling "
		    "the phone, completes by %s", when);
		*act = ACT_NOTIFY;
		return 1;
	}
	if (o->registered == REG_UNKNOWN) {
		*act = ACT_NEED_REG;
		return 1;
	}
	set_state(m, PS_PENDING, c->now);
	pending_reason(m, o->registered);
	return 1;
}

/*
 * CUCM reports the renewal, and confirm_on_phone wants the phone to present
 * the new LSC before it counts.  Not probed yet: RisPort70 for its
 * address, then the probe.  Unreachable: confirmed by a later run, never a
 * failure.  Still another certificate: an attempt counted as a failure,
 * the campaign's notify again (after the backoff of the last one), needs
 * attention at give_up_attempts.  Returns 1 (decided).
 */
static int
unconfirmed(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, struct phone_memory *m,
    enum action *act)
{
	char	 when[40];
	size_t	 n;

	set_state(m, PS_PENDING, c->now);
	if (o->side == SIDE_UNREACHABLE || o->registered == REG_NO) {
		snprintf(m->reason, sizeof(m->reason), "CUCM says Upgrade "
		    "Success; not confirmed on the phone yet (%.100s): probed "
		    "again next run", o->side == SIDE_UNREACHABLE ?
		    o->side_why : "not registered");
		return 1;
	}
	if (o->side == SIDE_NOT_PROBED) {
		snprintf(m->reason, sizeof(m->reason), "CUCM says Upgrade "
		    "Success; to be confirmed on the phone");
		*act = o->registered == REG_UNKNOWN ? ACT_NEED_REG : ACT_PROBE;
		return 1;
	}
	clock_fmt(CLOCK_DATE, "never", o->side_not_after, when, sizeof(when));
	n = (size_t)snprintf(m->reason, sizeof(m->reason), "CUCM says Upgrade "
	    "Success but the phone still presents its %s (expires %s)",
	    o->side_mic ? "MIC" : "old LSC", when);
	if (!c->may_write || (m->next_retry > c->now &&
	    m->phase != OP_UPDATED)) {
		clock_fmt(CLOCK_UTC, "never", m->next_retry, when,
		    sizeof(when));
		snprintf(m->reason + n, sizeof(m->reason) - n, "; told "
		    "again %s%s", c->may_write ? "after " : "when writes are "
		    "allowed", c->may_write ? when : "");
		return 1;
	}
	if (m->phase != OP_UPDATED) {	/* (OP_UPDATED: not told yet) */
		m->failures++;
		if (p->give_up_attempts > 0 &&
		    m->failures >= p->give_up_attempts) {
			clear_op(m);
			m->next_retry = 0;
			set_state(m, PS_NEEDS_ATTENTION, c->now);
			snprintf(m->reason + n, sizeof(m->reason) - n, "; told "
			    "again %u time%s", m->failures - 1,
			    m->failures == 2 ? "" : "s");
			return 1;
		}
		m->next_retry = c->now + policy_backoff(p, m->failures, name);
	}
	m->phase = OP_UPDATED;
	snprintf(m->reason + n, sizeof(m->reason) - n, "; told again (attempt "
	    "%u)", m->failures);
	*act = ACT_RENOTIFY;
	return 1;
}

/*
 * A phone we queued an operation for: read back what CUCM says of it.
 * Returns 1 when decided (out filled), 0 when the phone must be treated as
 * a due phone with nothing in flight.
 */
static int
verify_op(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, struct phone_memory *m,
    enum action *act)
{
	char when[40], buf[160];
	const char *status = o->cert_status != NULL ? o->cert_status : "";
	const char *due;

	*act = ACT_NONE;

	/*
	 * An update never confirmed, and CUCM holds no operation.  With no
	 * finished status it never landed: due again.  With one, it may have
	 * landed and run (and failed, or succeeded before the database shows
	 * the new LSC), or the status is one from before: either way an
	 * attempt, counted and backed off like a CAPF failure, so that a
	 * write whose outcome keeps being unknown is not sent on every run.
	 * Unless the LSC was renewed anyway.
	 */
	if ((m->phase == OP_SENDING || m->phase == OP_GROUPED) &&
	    !is_pending_op(o) && !(strcmp(status, "Upgrade Success") == 0 &&
	    o->lsc_valid_until > m->prev_valid_until)) {
		/* (OP_GROUPED: intended, never sent: the run stopped
		 * before its turn) */
		if (m->phase != OP_GROUPED && (strcmp(status,
		    "Upgrade Success") == 0 ||
		    strncmp(status, "Upgrade Failed", 14) == 0)) {
			snprintf(buf, sizeof(buf), "updatePhone outcome "
			    "unknown; CUCM shows %.80s", status);
			return capf_failed(p, c, name, m, buf);
		}
		clear_op(m);
		set_state(m, PS_DUE, c->now);
		return 0;
	}

	if (strcmp(status, "Upgrade Success") == 0 &&
	    o->lsc_valid_until > m->prev_valid_until) {
		due = policy_due_reason(o, p, c->now, buf, sizeof(buf));
		if (due == NULL && p->confirm_on_phone && o->side != SIDE_NEW)
			return unconfirmed(o, p, c, name, m, act);
		clear_op(m);
		clear_offline(m);
		m->attempts = 0;
		m->failures = 0;
		m->next_retry = 0;
		m->renewed_at = c->now;
		clock_fmt(CLOCK_DATE, "never", o->lsc_valid_until, when,
		    sizeof(when));
		if (due != NULL) {
			/* renewed, yet due at once: CAPF issues certificates
			 * shorter than renew_before, or from the wrong CA */
			set_state(m, PS_NEEDS_ATTENTION, c->now);
			snprintf(m->reason, sizeof(m->reason),
			    "renewed, but %s: check the CAPF certificate "
			    "settings", due);
			return 1;
		}
		set_state(m, PS_RENEWED, c->now);
		snprintf(m->reason, sizeof(m->reason),
		    "renewed, LSC valid until %s", when);
		return 1;
	}

	if (strcmp(status, "Upgrade Success") == 0) {
		/* Success, but the database still shows the old validity:
		 * wait for it until the deadline, never queue again. */
		if (m->deadline > 0 && c->now >= m->deadline) {
			clear_op(m);
			set_state(m, PS_NEEDS_ATTENTION, c->now);
			snprintf(m->reason, sizeof(m->reason),
			    "CUCM reports Upgrade Success but the LSC validity "
			    "did not change");
			return 1;
		}
		set_state(m, PS_PENDING, c->now);
		snprintf(m->reason, sizeof(m->reason),
		    "Upgrade Success reported, waiting for the new LSC "
		    "validity");
		return 1;
	}

	switch (policy_classify_status(status)) {
	case CAPF_FAIL_RETRYABLE:
		snprintf(buf, sizeof(buf), "CAPF: %s", status);
		return capf_failed(p, c, name, m, buf);
	case CAPF_FAIL_ATTENTION:
		clear_op(m);
		set_state(m, PS_NEEDS_ATTENTION, c->now);
		snprintf(m->reason, sizeof(m->reason), "CAPF: %s", status);
		return 1;
	case CAPF_FAIL_TIMEOUT:
		/* the phone did not do it before the deadline */
		return timed_out(o, p, c, name, m, status, act);
	case CAPF_FAIL_NONE:
		break;
	}

	if (is_pending_op(o))
		return op_in_cucm(o, p, c, name, m, act);

	/*
	 * No operation in CUCM and no outcome: either our update never
	 * landed (interrupted before it was sent), or someone cleared it.
	 */
	clear_op(m);
	if (m->state == PS_QUEUED || m->state == PS_PENDING)
		set_state(m, PS_DUE, c->now);
	return 0;
}

static enum action
decide(const struct observation *o, const struct policy *p,
    const struct policy_ctx *c, const char *name, struct phone_memory *m)
{
	char buf[120], when[40];
	const char *why;
	enum action act = ACT_NONE;


	if (!o->present) {
		if (m->state != PS_GONE) {
			clear_op(m);
			set_state(m, PS_GONE, c->now);
			snprintf(m->reason, sizeof(m->reason),
			    "no longer in CUCM");
		}
		return ACT_NONE;
	}
	if (!o->have_lsc_data) {
		/* listed, but the database answer did not have it (added
		 * between the two reads): nothing is decided, and it says
		 * so rather than passing for a phone that is fine */
		if (m->state == PS_GONE)
			set_state(m, PS_OK, c->now);
		snprintf(m->reason, sizeof(m->reason), "LSC validity unknown: "
		    "the database did not return this phone; decided next "
		    "run");
		return ACT_NONE;
	}
	if (m->state != PS_NEEDS_ATTENTION && m->state != PS_ABANDONED &&
	    foreign_op(o, c, m))
		return ACT_NONE;

	if ((m->state == PS_QUEUED || m->state == PS_PENDING) &&
	    m->phase != OP_NONE && verify_op(o, p, c, name, m, &act))
		return act;

	/*
	 * An operation someone else queued, still live: never touch it.
	 * Without a finish time CUCM shows, it gets the campaign's deadline
	 * from the first time it was seen, so it cannot stay pending forever.
	 */
	if (is_pending_op(o) && m->state != PS_NEEDS_ATTENTION &&
	    m->state != PS_ABANDONED) {
		int64_t until = o->finish_time;

		if (until == 0)
			until = m->state == PS_PENDING && m->phase == OP_NONE &&
			    m->deadline > 0 ? m->deadline : c->now + p->deadline;
		if (until > c->now) {
			if (o->registered == REG_UNKNOWN)
				return ACT_NEED_REG;
			set_state(m, PS_PENDING, c->now);
			m->deadline = until;
			m->phase = OP_NONE;
			m->prev_valid_until = o->lsc_valid_until;
			clock_fmt(CLOCK_UTC, "never", until, when,
			    sizeof(when));
			snprintf(m->reason, sizeof(m->reason),
			    "Operation Pending (not queued by lscrenew); "
			    "completes by %s%s", when, o->finish_time ? "" :
			    " (CUCM shows no finish time)");
			return ACT_NONE;
		}
	}

	why = policy_due_reason(o, p, c->now, buf, sizeof(buf));
	if (why == NULL) {
		if (m->state == PS_RENEWED)
			return ACT_NONE;
		clear_op(m);
		clear_offline(m);
		m->attempts = 0;
		m->failures = 0;
		m->next_retry = 0;
		set_state(m, PS_OK, c->now);
		if (o->lsc_valid_until > 0) {
			clock_fmt(CLOCK_DATE, "never", o->lsc_valid_until, when,
			    sizeof(when));
			snprintf(m->reason, sizeof(m->reason),
			    "not due: LSC valid until %s", when);
		} else
			snprintf(m->reason, sizeof(m->reason),
			    "not due: no LSC, and the campaign does not "
			    "install missing ones");
		return ACT_NONE;
	}

	if (m->state == PS_OK || m->state == PS_RENEWED ||
	    m->state == PS_GONE || m->state == PS_PENDING ||
	    m->state == PS_QUEUED) {
		set_state(m, PS_DUE, c->now);
		m->attempts = 0;
		m->failures = 0;
		clear_offline(m);
	}
	if (m->state == PS_DUE || m->reason[0] == '\0')
		snprintf(m->reason, sizeof(m->reason), "%s", why);
	return decide_due(o, p, c, name, why, m);
}

enum action
policy_decide(const struct observation *o, const struct phone_memory *old,
    const struct policy *p, const struct policy_ctx *c, const char *name,
    struct phone_memory *m)
{
	enum action act;
	char	 note[96];
	size_t	 len;

	*m = *old;
	act = decide(o, p, c, name, m);
	if (o->present && !known_status(o->cert_status)) {
		/* said, not guessed at: a status this release does not know */
		snprintf(note, sizeof(note), "; unknown CAPF status \"%.50s\"",
		    o->cert_status);
		len = strlen(m->reason);
		if (strstr(m->reason, note) == NULL)
			snprintf(m->reason + len, sizeof(m->reason) - len, "%s",
			    note);
	}
	return act;
}
