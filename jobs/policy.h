/*
 * policy.h — what a campaign wants, and the one pure function that decides
 * what becomes of a phone.
 *
 * policy_decide() is a pure function of (what CUCM says of the phone, what
 * the store says, the campaign's policy, now): no I/O, no clock, no
 * randomness (jitter is derived from the phone's name).  Every state
 * transition of lscrenew happens here, and tests/unit/test_policy.c covers
 * each one as a table.
 */
#ifndef LSC_POLICY_H
#define LSC_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "axl/axl.h"

enum phone_state {
	PS_OK,			/* not due */
	PS_DUE,			/* due, not written yet (window, limit) */
	PS_QUEUED,		/* operation written by this tool */
	PS_PENDING,		/* CUCM says Operation Pending */
	PS_RENEWED,		/* Upgrade Success with a later LSC */
	PS_LEFT_BEHIND,		/* due, phone offline */
	PS_FAILED_RETRYABLE,	/* CAPF failed, waiting for its backoff */
	PS_NEEDS_ATTENTION,	/* terminal failure: a person must act */
	PS_ABANDONED,		/* given up by rule; reported until reset */
	PS_GONE,		/* deleted from CUCM */
	PS__MAX
};

/* "ok", "due", "queued", ...; and back (-1 when unknown). */
const char *phone_state_name(enum phone_state);
int	 phone_state_parse(const char *, enum phone_state *);

/* Whether a state means a person should look (left behind, failed,
 * needs attention, abandoned). */
int	 phone_state_needs_person(enum phone_state);

enum auth_mode {
	AUTH_NULL_STRING,	/* By Null String */
	AUTH_STRING,		/* By Authentication String */
	AUTH_EXISTING_LSC,	/* By Existing Certificate (precedence to LSC) */
	AUTH_EXISTING_MIC,	/* By Existing Certificate (precedence to MIC) */
	AUTH__MAX
};

enum key_order {
	KEY_RSA,		/* RSA Only */
	KEY_EC,			/* EC Only */
	KEY_EC_RSA,		/* EC Preferred, RSA Backup */
	KEY__MAX
};

/* The AXL enum text for each. */
const char *auth_mode_axl(enum auth_mode);
const char *key_order_axl(enum key_order);

/* A campaign: a selection of phones and its renewal policy. */
struct policy {
	char		*name;		/* campaign name */
	char		*cluster;	/* cluster section name */
	char	       **pools;		/* device pool names */
	size_t		 npools;
	char		*name_like;	/* AXL pattern (% wildcard); NULL */
	int64_t		 renew_before;	/* seconds before expiry */
	int		 install_missing;/* install on MIC-only phones */
	char		*expected_issuer;/* reissue when different; NULL */
	enum auth_mode	 auth_mode;	/* phones with a valid LSC */
	enum auth_mode	 install_auth_mode;/* MIC-only or expired LSC */
	char		*auth_string;	/* with AUTH_STRING; secret */
	enum key_order	 key_order;
	int		 rsa_bits;	/* 1024..4096 */
	int		 ec_bits;	/* 256, 384, 521 */
	int64_t		 deadline;	/* "operation completes by": seconds
					   after queueing */
	unsigned	 max_per_run;	/* 0: no limit */
	unsigned	 max_per_minute;/* 0: no limit */
	int		 window_start;	/* minutes after local midnight, -1:
					   always open */
	int		 window_end;	/* may be < start (spans midnight) */
	enum axl_notify	 notify;	/* apply, restart or reset */
	int64_t		 retry_base;	/* backoff after a retryable failure */
	int64_t		 retry_cap;
	int		 retry_jitter;	/* percent, 0..100 */
	int64_t		 give_up_after;	/* seconds left behind; 0: never */
	unsigned	 give_up_attempts;/* runs found offline, or CAPF
					   failures; 0: never */
	unsigned	 probe_concurrency;/* lscrenew probe; 0: [global]'s */
	unsigned	 probe_rate;	/* the same */
	int		 confirm_on_phone;/* a renewal counts once the phone
					   presents the new LSC */
};

/* Sets the defaults documented in lscrenew.conf(5); strings are NULL. */
void	 policy_defaults(struct policy *);
/* Frees the strings (wiping auth_string); accepts NULL. */
void	 policy_clear(struct policy *);

/* Whether the maintenance window is open at now (local time). */
int	 policy_window_open(const struct policy *, int64_t now);

enum reg_state {
	REG_UNKNOWN,		/* not asked (yet) */
	REG_YES,
	REG_NO
};

/* What the phone presented when probed after CUCM reported its renewal
 * (confirm_on_phone). */
enum phone_side {
	SIDE_NOT_PROBED,	/* not probed in this run (yet) */
	SIDE_NEW,		/* the LSC CUCM now records */
	SIDE_OLD,		/* another certificate: its old LSC, its MIC */
	SIDE_UNREACHABLE	/* no certificate read */
};

/* What CUCM says of the phone in this run (and, once probed, the phone). */
struct observation {
	int		 present;	/* listed in the pool this run */
	int		 have_lsc_data;	/* the SQL page had this phone */
	const char	*cert_operation;/* XCertificateOperation */
	const char	*cert_status;	/* XCertificateStatus */
	int64_t		 finish_time;	/* upgradeFinishTime; 0 none */
	int64_t		 lsc_valid_until;/* 0: no LSC */
	const char	*lsc_issuer;	/* NULL: none */
	enum reg_state	 registered;
	enum phone_side	 side;
	int		 side_mic;	/* SIDE_OLD: the MIC */
	int64_t		 side_not_after;/* SIDE_OLD: the certificate's */
	const char	*side_why;	/* SIDE_UNREACHABLE: why */
};

/* Where a queued operation got to (crash safety). */
enum op_phase {
	OP_NONE,		/* nothing in flight */
	OP_SENDING,		/* updatePhone about to be sent / unknown */
	OP_UPDATED,		/* updatePhone accepted, phone not told */
	OP_NOTIFIED,		/* apply/restart/reset accepted */
	OP_NOTIFYING,		/* apply/restart/reset sent, outcome unknown */
	OP_GROUPED		/* updatePhone intended with a group of others,
				   not sent yet (the engine marks it
				   OP_SENDING just before it leaves) */
};

/* What the store remembers of a phone (the policy's part of it). */
struct phone_memory {
	enum phone_state state;
	int64_t		 state_since;
	int64_t		 deadline;	/* our upgradeFinishTime; 0 none */
	int64_t		 queued_at;
	int64_t		 prev_valid_until;/* LSC validity when queued */
	enum op_phase	 phase;
	int64_t		 first_offline;	/* 0: not offline */
	int64_t		 last_offline;
	unsigned	 attempts;	/* runs it was due and tried */
	unsigned	 failures;	/* CAPF failures since the last success
					   (backoff, give_up_attempts) */
	int64_t		 next_retry;	/* 0: none */
	int64_t		 renewed_at;
	char		 reason[200];	/* the reason in words */
};

enum action {
	ACT_NONE,		/* nothing to send */
	ACT_NEED_REG,		/* ask RisPort70, then decide again */
	ACT_QUEUE,		/* updatePhone + notify */
	ACT_NOTIFY,		/* update landed, only the notify is missing */
	ACT_PROBE,		/* confirm on the phone, then decide again */
	ACT_RENOTIFY,		/* the phone keeps its old certificate: the
				   campaign's notify again, a restart after
				   an apply */
	ACT__MAX
};

struct policy_ctx {
	int64_t		 now;
	int		 may_write;	/* window open and writes allowed */
	const char	*hold_reason;	/* why writes are held when
					   may_write is 0 and the window is
					   open ("CUCM throttles writes") */
	int		 budget_left;	/* operations left in this run */
};

/*
 * Decides the next memory of one phone.  `old` is the stored memory (for a
 * phone never seen, a zeroed struct with state PS_OK); `out` receives the
 * new one and may alias nothing.  Returns the action the engine must take.
 * For ACT_QUEUE the new memory is what holds once the write has been sent
 * (state PS_QUEUED, phase OP_SENDING, deadline set, attempts counted).
 */
enum action policy_decide(const struct observation *, const struct phone_memory
	    *old, const struct policy *, const struct policy_ctx *,
	    const char *name, struct phone_memory *out);

/*
 * Records that a queued operation got to `phase` (OP_UPDATED: updatePhone
 * accepted; OP_NOTIFIED: the phone was told, so CUCM now holds the
 * operation pending: state PS_PENDING, with the same words a later
 * read-back gives, so a second run changes nothing).
 */
void	 policy_written(struct phone_memory *, enum op_phase, int64_t now);

/* How an updatePhone that failed ended. */
enum write_outcome {
	WRITE_NOT_APPLIED,	/* provably not acted on: due again */
	WRITE_UNKNOWN,		/* may have landed: read back next run */
	WRITE_GONE,		/* the phone was deleted meanwhile */
	WRITE_REFUSED		/* CUCM refused this phone's operation */
};

/*
 * Records a failed updatePhone in m, which holds the memory as sent (state
 * queued, phase sending); old is the memory before the run.  why is the
 * error in words, without the phone's name.
 */
void	 policy_update_failed(const struct observation *, const struct
	    phone_memory *old, const struct policy *, int64_t now,
	    enum write_outcome, const char *why, struct phone_memory *m);

/*
 * Records that the phone was not told (apply, restart or reset failed):
 * when the request provably did not reach CUCM (not_applied) the next run
 * tells it; otherwise the phase stays "notifying" (a restart is not sent
 * twice).
 */
void	 policy_notify_failed(struct phone_memory *, int not_applied,
	    const char *why);

/*
 * Why the phone is due, in words, or NULL when it is not:
 * "LSC expires in 12 days", "no LSC (MIC only)", "LSC issued by X, campaign
 * expects Y".  Writes into buf.
 */
const char *policy_due_reason(const struct observation *, const struct policy *,
	    int64_t now, char *buf, size_t buflen);

/*
 * The part of a stored reason after the due clause ("LSC expires in 12
 * days; offline since 2026-11-20" -> "offline since 2026-11-20"), for
 * tables that show the expiry in columns of their own; the whole reason
 * when it has no due clause.  Borrowed from the argument.
 */
const char *policy_reason_detail(const char *reason);

/* Classification of a CAPF "Upgrade Failed..." status. */
enum capf_failure {
	CAPF_FAIL_NONE,		/* not a failure */
	CAPF_FAIL_RETRYABLE,	/* communication, key generation, CA */
	CAPF_FAIL_TIMEOUT,	/* User Initiated Request Late/Timedout */
	CAPF_FAIL_ATTENTION	/* invalid string/MIC/LSC/credentials, ... */
};
enum capf_failure policy_classify_status(const char *cert_status);

/* Backoff for the n-th retryable failure (n >= 1) with name-derived
 * jitter. */
int64_t	 policy_backoff(const struct policy *, unsigned n, const char *name);

#endif
