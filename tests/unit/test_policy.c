/*
 * test_policy.c — every state transition of policy_decide(), as a table.
 *
 * Each row: what the store remembers, what CUCM says, the run's context;
 * then the action, the new state and a piece of the reason an
 * administrator will read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobs/policy.h"

#define NOW	((int64_t)1800000000)	/* 2027-01-15 08:00 UTC */
#define DAY	((int64_t)86400)

enum lsc { LSC_FAR, LSC_SOON, LSC_EXPIRED, LSC_NONE, LSC_RENEWED,
	LSC_SHORT };

struct row {
	const char	*title;
	/* the store */
	enum phone_state state;
	enum op_phase	 phase;
	int64_t		 deadline;	/* relative to NOW; 0 none */
	int64_t		 first_offline;	/* relative; 0 none */
	unsigned	 attempts;
	unsigned	 failures;
	int64_t		 next_retry;	/* relative; 0 none */
	/* CUCM */
	int		 absent;
	int		 no_lsc_data;
	const char	*operation;
	const char	*status;
	int64_t		 finish;	/* relative; 0 none */
	enum lsc	 lsc;
	const char	*issuer;
	enum reg_state	 reg;
	/* context */
	int		 closed;	/* may_write = 0 */
	int		 budget;	/* -1: none left */
	int		 mic_install;
	int		 give_up_days;
	unsigned	 give_up_attempts;
	int		 restart;	/* notify = restart */
	const char	*expect_issuer;
	int		 confirm;	/* confirm_on_phone */
	enum phone_side	 side;		/* what the probe found */
	int		 side_mic;
	/* expected */
	enum action	 act;
	enum phone_state want;
	const char	*reason;
};

#define PEND	"Install/Upgrade"
#define IDLE	"No Pending Operation"
#define OPP	"Operation Pending"

static const struct row rows[] = {
	{ "new phone, LSC far from expiry", .state = PS_OK, .lsc = LSC_FAR,
	  .act = ACT_NONE, .want = PS_OK, .reason = "not due: LSC valid until" },
	{ "MIC-only phone, campaign does not install", .lsc = LSC_NONE,
	  .act = ACT_NONE, .want = PS_OK, .reason = "does not install" },
	{ "MIC-only phone, campaign installs: ask RIS", .lsc = LSC_NONE,
	  .mic_install = 1, .act = ACT_NEED_REG, .want = PS_DUE,
	  .reason = "no LSC (MIC only)" },
	{ "due phone, registration unknown: ask RIS", .lsc = LSC_SOON,
	  .act = ACT_NEED_REG, .want = PS_DUE, .reason = "LSC expires in" },
	{ "due and registered: queue", .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_QUEUE, .want = PS_QUEUED, .reason = "Install/Upgrade "
	  "queued, completes by" },
	{ "expired and registered: queue", .lsc = LSC_EXPIRED,
	  .reg = REG_YES, .act = ACT_QUEUE, .want = PS_QUEUED,
	  .reason = "LSC expired 3 days ago" },
	{ "due, registered, window closed: due", .lsc = LSC_SOON,
	  .reg = REG_YES, .closed = 1, .act = ACT_NONE, .want = PS_DUE,
	  .reason = "maintenance window 01:00-05:00" },
	{ "due, registered, run limit reached: due", .lsc = LSC_SOON,
	  .reg = REG_YES, .budget = -1, .act = ACT_NONE, .want = PS_DUE,
	  .reason = "run limit of 10 operations reached" },
	{ "due, offline: left behind", .lsc = LSC_SOON, .reg = REG_NO,
	  .act = ACT_NONE, .want = PS_LEFT_BEHIND, .reason = "offline since "
	  "2027-01-15" },
	{ "left behind, still offline: stays, attempt counted",
	  .state = PS_LEFT_BEHIND, .first_offline = -10 * DAY, .attempts = 3,
	  .lsc = LSC_SOON, .reg = REG_NO, .act = ACT_NONE,
	  .want = PS_LEFT_BEHIND, .reason = "offline since 2027-01-05" },
	{ "left behind past give_up_after: abandoned",
	  .state = PS_LEFT_BEHIND, .first_offline = -31 * DAY, .attempts = 3,
	  .lsc = LSC_SOON, .reg = REG_NO, .give_up_days = 30, .act = ACT_NONE,
	  .want = PS_ABANDONED, .reason = "abandoned: offline since" },
	{ "left behind at give_up_attempts: abandoned",
	  .state = PS_LEFT_BEHIND, .first_offline = -2 * DAY, .attempts = 4,
	  .lsc = LSC_SOON, .reg = REG_NO, .give_up_attempts = 5,
	  .act = ACT_NONE, .want = PS_ABANDONED, .reason = "5 attempts" },
	{ "left behind, back online: queue", .state = PS_LEFT_BEHIND,
	  .first_offline = -10 * DAY, .attempts = 3, .lsc = LSC_SOON,
	  .reg = REG_YES, .act = ACT_QUEUE, .want = PS_QUEUED,
	  .reason = "queued" },
	{ "left behind, back online, past give-up: queue (not abandoned)",
	  .state = PS_LEFT_BEHIND, .first_offline = -40 * DAY, .attempts = 9,
	  .lsc = LSC_SOON, .reg = REG_YES, .give_up_days = 30,
	  .act = ACT_QUEUE, .want = PS_QUEUED, .reason = "queued" },
	{ "our operation pending: ask RIS", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = PEND,
	  .status = OPP, .finish = 2 * DAY, .lsc = LSC_SOON,
	  .act = ACT_NEED_REG, .want = PS_PENDING, .reason = "" },
	{ "our operation pending, phone registered", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = PEND,
	  .status = OPP, .finish = 2 * DAY, .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "Operation Pending; completes by 2027-01-17 08:00 UTC" },
	{ "our operation pending, phone offline", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = PEND,
	  .status = OPP, .finish = 2 * DAY, .lsc = LSC_SOON, .reg = REG_NO,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "Operation Pending, phone offline" },
	{ "Upgrade Success with a later LSC: renewed", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Success", .lsc = LSC_RENEWED, .act = ACT_NONE,
	  .want = PS_RENEWED, .reason = "renewed, LSC valid until" },
	{ "Upgrade Success, validity not yet changed: wait",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_SOON,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "waiting for the new LSC validity" },
	{ "Upgrade Success, validity unchanged past the deadline",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = -1 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_SOON,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "validity did not change" },
	{ "renewed, but the new LSC is already due: attention",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_SHORT,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "renewed, but LSC expires in" },
	{ "CA communication failure: retry after backoff",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .attempts = 1,
	  .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_FAILED_RETRYABLE,
	  .reason = "CAPF: Upgrade Failed: CA Communication Failure; retry "
	  "after" },
	{ "phone communication failure: retryable", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .attempts = 1, .deadline = 2 * DAY,
	  .operation = IDLE,
	  .status = "Upgrade Failed: Phone Communication Failure",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_FAILED_RETRYABLE,
	  .reason = "retry after" },
	{ "key generation timeout: retryable", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .attempts = 1, .deadline = 2 * DAY,
	  .operation = IDLE,
	  .status = "Upgrade Failed: Key Generation Failed/Timeout",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_FAILED_RETRYABLE,
	  .reason = "retry after" },
	{ "invalid authentication string: needs attention",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE,
	  .status = "Upgrade Failed: Invalid Authentication String",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "CAPF: Upgrade Failed: Invalid Authentication String" },
	{ "invalid MIC: needs attention", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: Invalid MIC", .lsc = LSC_SOON,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "Invalid MIC" },
	{ "invalid LSC: needs attention", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: Invalid LSC", .lsc = LSC_SOON,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "Invalid LSC" },
	{ "a failure we do not know: needs attention", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: Something New", .lsc = LSC_SOON,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "Something New" },
	{ "timed out, phone offline: left behind", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = -1 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: User Initiated Request Late/Timedout",
	  .lsc = LSC_SOON, .reg = REG_NO, .act = ACT_NONE,
	  .want = PS_LEFT_BEHIND, .reason = "offline since" },
	{ "timed out, registration unknown: ask RIS", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = -1 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: User Initiated Request Late/Timedout",
	  .lsc = LSC_SOON, .act = ACT_NEED_REG, .want = PS_PENDING,
	  .reason = "" },
	{ "timed out although registered: a CAPF failure, backed off",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = -1 * DAY,
	  .operation = IDLE,
	  .status = "Upgrade Failed: User Initiated Request Late/Timedout",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_FAILED_RETRYABLE, .reason = "although the phone is "
	  "registered; retry after 2027-01-15 09:00 UTC" },
	{ "timed out although registered, give-up reached: abandoned",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = -1 * DAY,
	  .failures = 2, .operation = IDLE,
	  .status = "Upgrade Failed: User Initiated Request Late/Timedout",
	  .lsc = LSC_SOON, .reg = REG_YES, .give_up_attempts = 3,
	  .act = ACT_NONE, .want = PS_ABANDONED,
	  .reason = "abandoned after 3 failed attempts; last: CAPF: Upgrade "
	  "Failed: User Initiated Request Late/Timedout although the phone "
	  "is registered" },
	{ "deadline passed while pending, offline: left behind",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = -1 * DAY,
	  .operation = PEND, .status = OPP, .finish = -1 * DAY,
	  .lsc = LSC_SOON, .reg = REG_NO, .act = ACT_NONE,
	  .want = PS_LEFT_BEHIND, .reason = "offline since" },
	{ "deadline passed while pending and registered: a CAPF failure",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = -1 * DAY,
	  .operation = PEND, .status = OPP, .finish = -1 * DAY,
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_FAILED_RETRYABLE, .reason = "passed while the operation "
	  "was pending although the phone is registered" },
	{ "first failure after many offline runs waits retry_base",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .attempts = 20,
	  .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_FAILED_RETRYABLE,
	  .reason = "retry after 2027-01-15 09:00 UTC" },
	{ "a restart whose answer was lost is not sent again",
	  .state = PS_QUEUED, .phase = OP_NOTIFYING, .deadline = 2 * DAY,
	  .operation = PEND, .status = OPP, .finish = 2 * DAY,
	  .lsc = LSC_SOON, .reg = REG_YES, .restart = 1, .act = ACT_NONE,
	  .want = PS_PENDING, .reason = "Operation Pending" },
	{ "an apply whose answer was lost is sent again",
	  .state = PS_QUEUED, .phase = OP_NOTIFYING, .deadline = 2 * DAY,
	  .operation = PEND, .status = OPP, .finish = 2 * DAY,
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NOTIFY,
	  .want = PS_QUEUED, .reason = "telling the phone" },
	{ "someone else's operation without a finish time: our deadline",
	  .state = PS_OK, .operation = PEND, .status = OPP, .lsc = LSC_SOON,
	  .reg = REG_YES, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "completes by 2027-01-17 08:00 UTC (CUCM shows no finish "
	  "time)" },
	{ "someone else's operation without a finish time, ours passed",
	  .state = PS_PENDING, .deadline = -1 * DAY, .operation = PEND,
	  .status = OPP, .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	{ "a new phone the SQL answer missed: not passed off as fine",
	  .state = PS_OK, .no_lsc_data = 1, .act = ACT_NONE, .want = PS_OK,
	  .reason = "LSC validity unknown" },
	{ "interrupted after updatePhone landed: tell the phone only",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .operation = PEND, .status = OPP, .finish = 2 * DAY,
	  .lsc = LSC_SOON, .act = ACT_NOTIFY, .want = PS_QUEUED,
	  .reason = "interrupted run; telling the phone" },
	{ "interrupted after update, window closed: wait",
	  .state = PS_QUEUED, .phase = OP_UPDATED, .deadline = 2 * DAY,
	  .operation = PEND, .status = OPP, .finish = 2 * DAY,
	  .lsc = LSC_SOON, .closed = 1, .act = ACT_NONE, .want = PS_QUEUED,
	  .reason = "phone not told yet" },
	{ "interrupted before updatePhone landed: due again",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "None", .lsc = LSC_SOON,
	  .act = ACT_NEED_REG, .want = PS_DUE, .reason = "" },
	{ "interrupted before updatePhone landed, registered: queue",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "None", .lsc = LSC_SOON,
	  .reg = REG_YES, .act = ACT_QUEUE, .want = PS_QUEUED,
	  .reason = "queued" },
	{ "write in doubt, a finished failure shown: an attempt, backed off",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .attempts = 1, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_FAILED_RETRYABLE, .reason = "updatePhone outcome "
	  "unknown; CUCM shows Upgrade Failed: CA Communication Failure; "
	  "retry after 2027-01-15 09:00 UTC" },
	{ "write in doubt, an old Upgrade Success shown: an attempt",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .attempts = 1, .operation = IDLE, .status = "Upgrade Success",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_FAILED_RETRYABLE, .reason = "CUCM shows Upgrade "
	  "Success; retry after 2027-01-15 09:00 UTC" },
	{ "write in doubt a second time: the backoff doubles",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .attempts = 2, .failures = 1, .operation = IDLE,
	  .status = "Upgrade Failed: Invalid Authentication String",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_FAILED_RETRYABLE,
	  .reason = "retry after 2027-01-15 10:00 UTC" },
	{ "write in doubt, give_up_attempts reached: abandoned",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .attempts = 3, .failures = 2, .operation = IDLE,
	  .status = "Upgrade Failed: Phone Communication Failure",
	  .lsc = LSC_SOON, .reg = REG_YES, .give_up_attempts = 3,
	  .act = ACT_NONE, .want = PS_ABANDONED,
	  .reason = "abandoned after 3 failed attempts; last: updatePhone "
	  "outcome unknown" },
	{ "intended in a group, never sent, a failure shown: queue, no backoff",
	  .state = PS_QUEUED, .phase = OP_GROUPED, .deadline = 2 * DAY,
	  .attempts = 1, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	{ "intended in a group, sent before a power cut: tell the phone",
	  .state = PS_QUEUED, .phase = OP_GROUPED, .deadline = 2 * DAY,
	  .operation = PEND, .status = OPP, .finish = 2 * DAY,
	  .lsc = LSC_SOON, .act = ACT_NOTIFY, .want = PS_QUEUED,
	  .reason = "interrupted run; telling the phone" },
	{ "failed, backoff not over: wait", .state = PS_FAILED_RETRYABLE,
	  .attempts = 1, .next_retry = 3600, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .act = ACT_NONE, .want = PS_FAILED_RETRYABLE,
	  .reason = "retry after 2027-01-15 09:00 UTC" },
	{ "failed, backoff over: ask RIS", .state = PS_FAILED_RETRYABLE,
	  .attempts = 1, .next_retry = -60, .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .act = ACT_NEED_REG, .want = PS_FAILED_RETRYABLE,
	  .reason = "" },
	{ "failed, backoff over, registered: queue",
	  .state = PS_FAILED_RETRYABLE, .attempts = 1, .next_retry = -60,
	  .operation = IDLE,
	  .status = "Upgrade Failed: CA Communication Failure",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	{ "needs attention, still due: untouched",
	  .state = PS_NEEDS_ATTENTION, .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION, .reason = "" },
	{ "abandoned, still due: untouched", .state = PS_ABANDONED,
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_ABANDONED, .reason = "" },
	{ "needs attention, renewed by hand: ok", .state = PS_NEEDS_ATTENTION,
	  .lsc = LSC_FAR, .act = ACT_NONE, .want = PS_OK,
	  .reason = "not due" },
	{ "abandoned, renewed by hand: ok", .state = PS_ABANDONED,
	  .lsc = LSC_FAR, .act = ACT_NONE, .want = PS_OK,
	  .reason = "not due" },
	{ "left behind, renewed by hand: ok", .state = PS_LEFT_BEHIND,
	  .first_offline = -3 * DAY, .lsc = LSC_FAR, .act = ACT_NONE,
	  .want = PS_OK, .reason = "not due" },
	{ "renewed, not due: stays renewed", .state = PS_RENEWED,
	  .lsc = LSC_FAR, .act = ACT_NONE, .want = PS_RENEWED, .reason = "" },
	{ "renewed long ago, due again: ask RIS", .state = PS_RENEWED,
	  .lsc = LSC_SOON, .act = ACT_NEED_REG, .want = PS_DUE,
	  .reason = "LSC expires in" },
	{ "deleted from CUCM: gone", .state = PS_LEFT_BEHIND, .absent = 1,
	  .act = ACT_NONE, .want = PS_GONE, .reason = "no longer in CUCM" },
	{ "gone, back in CUCM, not due: ok", .state = PS_GONE,
	  .lsc = LSC_FAR, .act = ACT_NONE, .want = PS_OK,
	  .reason = "not due" },
	{ "listed but missing from the SQL page: decided next run",
	  .state = PS_LEFT_BEHIND, .no_lsc_data = 1, .act = ACT_NONE,
	  .want = PS_LEFT_BEHIND, .reason = "" },
	{ "operation queued by someone else, live: ask RIS", .state = PS_OK,
	  .operation = PEND, .status = OPP, .finish = 3 * DAY,
	  .lsc = LSC_SOON, .act = ACT_NEED_REG, .want = PS_OK, .reason = "" },
	{ "operation queued by someone else, live: never touched",
	  .state = PS_OK, .operation = PEND, .status = OPP,
	  .finish = 3 * DAY, .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "not queued by lscrenew" },
	{ "someone else's operation expired: due again", .state = PS_OK,
	  .operation = PEND, .status = OPP, .finish = -3 * DAY,
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	/* an administrator's Delete or Troubleshoot is never overwritten */
	{ "Delete pending, due and registered: left alone", .state = PS_DUE,
	  .operation = "Delete", .status = OPP, .lsc = LSC_SOON,
	  .reg = REG_YES, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "CAPF operation \"Delete\" (status Operation Pending), "
	  "not queued by lscrenew: left alone" },
	{ "Delete set, no status yet, expired LSC: left alone", .state = PS_OK,
	  .operation = "Delete", .status = "None", .lsc = LSC_EXPIRED,
	  .reg = REG_YES, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "\"Delete\" (status None)" },
	{ "Troubleshoot pending over an old Upgrade Success: left alone",
	  .state = PS_RENEWED, .operation = "Troubleshoot",
	  .status = "Upgrade Success", .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "\"Troubleshoot\" (status Upgrade Success)" },
	{ "our update in doubt, CUCM now shows a Delete: left alone",
	  .state = PS_QUEUED, .phase = OP_SENDING, .deadline = 2 * DAY,
	  .attempts = 1, .operation = "Delete", .status = OPP,
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_NONE,
	  .want = PS_PENDING, .reason = "not queued by lscrenew" },
	{ "Delete finished, LSC due: queue", .state = PS_PENDING,
	  .operation = "Delete", .status = "Delete Success", .lsc = LSC_NONE,
	  .mic_install = 1, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	{ "Troubleshoot failed, LSC due: queue", .state = PS_OK,
	  .operation = "Troubleshoot",
	  .status = "Troubleshoot Failed: Phone Communication Failure",
	  .lsc = LSC_SOON, .reg = REG_YES, .act = ACT_QUEUE,
	  .want = PS_QUEUED, .reason = "queued" },
	{ "unknown operation: left alone, named", .state = PS_DUE,
	  .operation = "Reissue", .status = OPP, .lsc = LSC_SOON,
	  .reg = REG_YES, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "unknown CAPF operation \"Reissue\"" },
	{ "unknown status, no operation: decided, and named", .state = PS_OK,
	  .operation = IDLE, .status = "Upgrade Paused", .lsc = LSC_FAR,
	  .act = ACT_NONE, .want = PS_OK,
	  .reason = "not due: LSC valid until 2028-02-19; unknown CAPF status "
	  "\"Upgrade Paused\"" },
	{ "unknown status on a live Install/Upgrade: pending, named",
	  .state = PS_OK, .operation = PEND, .status = "Upgrade Paused",
	  .finish = 3 * DAY, .lsc = LSC_SOON, .reg = REG_YES,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "UTC; unknown CAPF status \"Upgrade Paused\"" },
	{ "renewal to confirm, registration unknown: ask RIS",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .confirm = 1, .act = ACT_NEED_REG, .want = PS_PENDING,
	  .reason = "" },
	{ "renewal to confirm, registered: probe the phone",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .reg = REG_YES, .confirm = 1, .act = ACT_PROBE, .want = PS_PENDING,
	  .reason = "CUCM says Upgrade Success; to be confirmed on the phone" },
	{ "renewal to confirm, phone offline: probed next run",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .reg = REG_NO, .confirm = 1, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "not confirmed on the phone yet (not registered): probed "
	  "again next run" },
	{ "the phone presents the new LSC: renewed", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .failures = 1,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .reg = REG_YES, .confirm = 1, .side = SIDE_NEW, .act = ACT_NONE,
	  .want = PS_RENEWED, .reason = "renewed, LSC valid until" },
	{ "the phone cannot be reached: pending, no failure counted",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .failures = 1, .operation = IDLE, .status = "Upgrade Success",
	  .lsc = LSC_RENEWED, .reg = REG_YES, .confirm = 1,
	  .side = SIDE_UNREACHABLE, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "not confirmed on the phone yet (connect: Connection "
	  "refused): probed again next run" },
	{ "the phone keeps its old LSC: told again, a failure counted",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .reg = REG_YES, .confirm = 1, .side = SIDE_OLD,
	  .give_up_attempts = 3, .act = ACT_RENOTIFY, .want = PS_PENDING,
	  .reason = "CUCM says Upgrade Success but the phone still presents "
	  "its old LSC (expires 2027-01-27); told again (attempt 1)" },
	{ "the phone presents its MIC: told again", .state = PS_PENDING,
	  .phase = OP_NOTIFIED, .deadline = 2 * DAY, .operation = IDLE,
	  .status = "Upgrade Success", .lsc = LSC_RENEWED, .reg = REG_YES,
	  .confirm = 1, .side = SIDE_OLD, .side_mic = 1, .act = ACT_RENOTIFY,
	  .want = PS_PENDING, .reason = "still presents its MIC" },
	{ "old LSC inside the backoff of the last telling: waits",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .failures = 1, .next_retry = 600, .operation = IDLE,
	  .status = "Upgrade Success", .lsc = LSC_RENEWED, .reg = REG_YES,
	  .confirm = 1, .side = SIDE_OLD, .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "old LSC (expires 2027-01-27); told again after "
	  "2027-01-15 08:10 UTC" },
	{ "old LSC, telling it failed before it left: told again, uncounted",
	  .state = PS_PENDING, .phase = OP_UPDATED, .deadline = 2 * DAY,
	  .failures = 1, .next_retry = 600, .operation = IDLE,
	  .status = "Upgrade Success", .lsc = LSC_RENEWED, .reg = REG_YES,
	  .confirm = 1, .side = SIDE_OLD, .act = ACT_RENOTIFY,
	  .want = PS_PENDING, .reason = "told again (attempt 1)" },
	{ "old LSC, writes held: told when they are allowed",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_RENEWED,
	  .reg = REG_YES, .closed = 1, .confirm = 1, .side = SIDE_OLD,
	  .act = ACT_NONE, .want = PS_PENDING,
	  .reason = "told again when writes are allowed" },
	{ "old LSC, give_up_attempts reached: needs attention",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .failures = 2, .next_retry = -60, .operation = IDLE,
	  .status = "Upgrade Success", .lsc = LSC_RENEWED, .reg = REG_YES,
	  .give_up_attempts = 3, .confirm = 1, .side = SIDE_OLD,
	  .act = ACT_NONE, .want = PS_NEEDS_ATTENTION,
	  .reason = "CUCM says Upgrade Success but the phone still presents "
	  "its old LSC (expires 2027-01-27); told again 2 times" },
	{ "renewed too short, confirm_on_phone: attention, no probe",
	  .state = PS_PENDING, .phase = OP_NOTIFIED, .deadline = 2 * DAY,
	  .operation = IDLE, .status = "Upgrade Success", .lsc = LSC_SHORT,
	  .reg = REG_YES, .confirm = 1, .act = ACT_NONE,
	  .want = PS_NEEDS_ATTENTION, .reason = "check the CAPF certificate "
	  "settings" },
	{ "LSC from the old CA: reissue", .lsc = LSC_FAR,
	  .issuer = "Old Issuing CA", .expect_issuer = "New Issuing CA",
	  .reg = REG_YES, .act = ACT_QUEUE, .want = PS_QUEUED,
	  .reason = "LSC issued by Old Issuing CA, campaign expects New "
	  "Issuing CA" },
	{ "LSC from the expected CA: not due", .lsc = LSC_FAR,
	  .issuer = "New Issuing CA", .expect_issuer = "New Issuing CA",
	  .act = ACT_NONE, .want = PS_OK, .reason = "not due" },
};

static void
setup_policy(struct policy *p, const struct row *r)
{
	policy_defaults(p);
	p->name = "nightly";
	p->renew_before = 30 * DAY;
	p->deadline = 2 * DAY;
	p->install_missing = r->mic_install;
	p->give_up_after = r->give_up_days * DAY;
	p->give_up_attempts = r->give_up_attempts;
	p->expected_issuer = (char *)r->expect_issuer;
	p->max_per_run = 10;
	p->window_start = 60;
	p->window_end = 300;
	p->retry_base = 3600;
	p->retry_jitter = 0;
	if (r->restart)
		p->notify = AXL_NOTIFY_RESTART;
	p->confirm_on_phone = r->confirm;
}

static int64_t
lsc_of(enum lsc l)
{
	switch (l) {
	case LSC_FAR:
		return NOW + 400 * DAY;
	case LSC_SOON:
		return NOW + 12 * DAY;
	case LSC_EXPIRED:
		return NOW - 3 * DAY;
	case LSC_RENEWED:
		return NOW + 5 * 365 * DAY;
	case LSC_SHORT:
		return NOW + 20 * DAY;
	case LSC_NONE:
	default:
		return 0;
	}
}

static void
run_row(const struct row *r)
{
	struct policy pol;
	struct observation o;
	struct phone_memory old, m;
	struct policy_ctx c;
	enum action act;

	setup_policy(&pol, r);
	memset(&old, 0, sizeof(old));
	old.state = r->state;
	old.phase = r->phase;
	old.deadline = r->deadline ? NOW + r->deadline : 0;
	old.first_offline = r->first_offline ? NOW + r->first_offline : 0;
	old.attempts = r->attempts;
	old.failures = r->failures;
	old.next_retry = r->next_retry ? NOW + r->next_retry : 0;
	/* LSC_SHORT models a renewal issuing a too-short certificate; the
	 * LSC before it was the "soon" one */
	old.prev_valid_until = lsc_of(LSC_SOON);
	if (r->lsc == LSC_SHORT)
		old.prev_valid_until = NOW + 12 * DAY;

	memset(&o, 0, sizeof(o));
	o.present = !r->absent;
	o.have_lsc_data = !r->no_lsc_data;
	o.cert_operation = r->operation != NULL ? r->operation : IDLE;
	o.cert_status = r->status != NULL ? r->status : "None";
	o.finish_time = r->finish ? NOW + r->finish : 0;
	o.lsc_valid_until = lsc_of(r->lsc);
	o.lsc_issuer = r->issuer;
	o.registered = r->reg;
	o.side = r->side;
	o.side_mic = r->side_mic;
	o.side_not_after = NOW + 12 * DAY;	/* the LSC before */
	o.side_why = "connect: Connection refused";

	memset(&c, 0, sizeof(c));
	c.now = NOW;
	c.may_write = !r->closed;
	c.budget_left = r->budget < 0 ? 0 : 10;

	act = policy_decide(&o, &old, &pol, &c, "SEP001122334455", &m);
	if (act != r->act || (act != ACT_NEED_REG && m.state != r->want) ||
	    (act != ACT_NEED_REG && r->reason[0] != '\0' &&
	    strstr(m.reason, r->reason) == NULL)) {
		print_error("row \"%s\": got action %d state %s reason \"%s\"; "
		    "want action %d state %s reason containing \"%s\"\n",
		    r->title, act, phone_state_name(m.state), m.reason, r->act,
		    phone_state_name(r->want), r->reason);
		fail();
	}
	/* bookkeeping that goes with the transitions */
	if (act == ACT_QUEUE) {
		assert_int_equal(m.phase, OP_SENDING);
		assert_int_equal(m.deadline, NOW + 2 * DAY);
		assert_int_equal(m.attempts, r->attempts + 1);
		assert_int_equal(m.first_offline, 0);
		assert_int_equal(m.prev_valid_until, o.lsc_valid_until);
	}
	if (m.state == PS_LEFT_BEHIND && act == ACT_NONE &&
	    r->reg == REG_NO) {
		assert_int_equal(m.last_offline, NOW);
		assert_int_equal(m.first_offline, r->first_offline ?
		    NOW + r->first_offline : NOW);
	}
	if (m.state == PS_RENEWED && r->state != PS_RENEWED) {
		assert_int_equal(m.renewed_at, NOW);
		assert_int_equal(m.attempts, 0);
		assert_int_equal(m.phase, OP_NONE);
	}
	if (m.state == PS_FAILED_RETRYABLE && r->state == PS_PENDING)
		assert_int_equal(m.next_retry, NOW + 3600);
	/* telling a phone again is counted once, backed off, kept in its
	 * operation; waiting to confirm is not counted */
	if (act == ACT_RENOTIFY) {
		assert_int_equal(m.phase, OP_UPDATED);
		assert_int_equal(m.failures, r->failures + (r->phase !=
		    OP_UPDATED));
		assert_int_equal(m.next_retry, r->phase == OP_UPDATED ?
		    NOW + r->next_retry : NOW + 3600);
	}
	if (r->confirm && m.state == PS_PENDING && act != ACT_RENOTIFY) {
		assert_int_equal(m.failures, r->failures);
		assert_int_not_equal(m.phase, OP_NONE);
	}
	/* a failed attempt is counted, and nothing stays in flight */
	if ((m.state == PS_FAILED_RETRYABLE || m.state == PS_ABANDONED) &&
	    (r->state == PS_PENDING || r->state == PS_QUEUED)) {
		assert_int_equal(m.failures, r->failures + 1);
		assert_int_equal(m.phase, OP_NONE);
		assert_int_equal(m.attempts, r->attempts);
	}
}

static void
test_transitions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
}

/* Every state appears as a result of some row. */
static void
test_every_state_reached(void **state)
{
	int seen[PS__MAX] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (rows[i].act != ACT_NEED_REG)
			seen[rows[i].want] = 1;
	for (int s = 0; s < PS__MAX; s++)
		if (!seen[s]) {
			print_error("no row ends in state %s\n",
			    phone_state_name((enum phone_state)s));
			fail();
		}
}

/* After the engine sends update + notify, the memory reads exactly as the
 * next run's read-back will: a second run changes nothing. */
static void
test_written_matches_readback(void **state)
{
	struct policy pol;
	struct observation o;
	struct phone_memory old, queued, later;
	struct policy_ctx c;

	(void)state;
	setup_policy(&pol, &rows[0]);
	memset(&old, 0, sizeof(old));
	memset(&o, 0, sizeof(o));
	o.present = o.have_lsc_data = 1;
	o.cert_operation = IDLE;
	o.cert_status = "None";
	o.lsc_valid_until = lsc_of(LSC_SOON);
	o.registered = REG_YES;
	memset(&c, 0, sizeof(c));
	c.now = NOW;
	c.may_write = 1;
	c.budget_left = 10;
	assert_int_equal(policy_decide(&o, &old, &pol, &c, "SEP1", &queued),
	    ACT_QUEUE);
	policy_written(&queued, OP_UPDATED, NOW);
	assert_int_equal(queued.state, PS_QUEUED);
	policy_written(&queued, OP_NOTIFIED, NOW);
	assert_int_equal(queued.state, PS_PENDING);

	o.cert_operation = PEND;
	o.cert_status = OPP;
	o.finish_time = queued.deadline;
	assert_int_equal(policy_decide(&o, &queued, &pol, &c, "SEP1", &later),
	    ACT_NONE);
	assert_int_equal(later.state, queued.state);
	assert_string_equal(later.reason, queued.reason);
	assert_int_equal(later.deadline, queued.deadline);
}

static void
test_hold_reason(void **state)
{
	struct policy pol;
	struct observation o;
	struct phone_memory old, m;
	struct policy_ctx c;

	(void)state;
	setup_policy(&pol, &rows[0]);
	pol.window_start = pol.window_end = -1;
	memset(&old, 0, sizeof(old));
	memset(&o, 0, sizeof(o));
	o.present = o.have_lsc_data = 1;
	o.lsc_valid_until = lsc_of(LSC_SOON);
	o.registered = REG_YES;
	memset(&c, 0, sizeof(c));
	c.now = NOW;
	c.hold_reason = "writes held for this run";
	c.budget_left = 10;
	assert_int_equal(policy_decide(&o, &old, &pol, &c, "SEP1", &m),
	    ACT_NONE);
	assert_int_equal(m.state, PS_DUE);
	assert_non_null(strstr(m.reason, "writes held for this run"));
}

static void
test_classify(void **state)
{
	(void)state;
	assert_int_equal(policy_classify_status("Upgrade Success"),
	    CAPF_FAIL_NONE);
	assert_int_equal(policy_classify_status("Operation Pending"),
	    CAPF_FAIL_NONE);
	assert_int_equal(policy_classify_status(NULL), CAPF_FAIL_NONE);
	assert_int_equal(policy_classify_status("Upgrade Failed"),
	    CAPF_FAIL_RETRYABLE);
	assert_int_equal(policy_classify_status("Upgrade Failed: CA Rejected "
	    "Connection"), CAPF_FAIL_RETRYABLE);
	assert_int_equal(policy_classify_status("Upgrade Failed: Invalid "
	    "Credentials"), CAPF_FAIL_ATTENTION);
	assert_int_equal(policy_classify_status("Upgrade Failed: No Support "
	    "for EC only in CAPF version 3"), CAPF_FAIL_ATTENTION);
	assert_int_equal(policy_classify_status("Upgrade Failed: User "
	    "Initiated Request Late/Timedout"), CAPF_FAIL_TIMEOUT);
}

static void
test_backoff(void **state)
{
	struct policy p;
	int64_t d;

	(void)state;
	policy_defaults(&p);
	p.retry_base = 3600;
	p.retry_cap = 4 * 3600;
	p.retry_jitter = 0;
	assert_int_equal(policy_backoff(&p, 1, "SEP1"), 3600);
	assert_int_equal(policy_backoff(&p, 2, "SEP1"), 7200);
	assert_int_equal(policy_backoff(&p, 3, "SEP1"), 14400);
	assert_int_equal(policy_backoff(&p, 9, "SEP1"), 14400);
	p.retry_jitter = 10;
	for (unsigned n = 1; n < 6; n++) {
		d = policy_backoff(&p, n, "SEP00AABBCCDDEE");
		assert_in_range(d, 3240, 15840);
		/* the same phone gets the same answer: decisions are pure */
		assert_int_equal(d, policy_backoff(&p, n, "SEP00AABBCCDDEE"));
	}
}

static void
test_window(void **state)
{
	struct policy p;
	int64_t midnight = NOW - 8 * 3600;	/* 2027-01-15 00:00 UTC */

	(void)state;
	setenv("TZ", "UTC", 1);
	policy_defaults(&p);
	assert_true(policy_window_open(&p, NOW));
	p.window_start = 60;
	p.window_end = 300;
	assert_false(policy_window_open(&p, midnight + 59 * 60));
	assert_true(policy_window_open(&p, midnight + 60 * 60));
	assert_true(policy_window_open(&p, midnight + 299 * 60));
	assert_false(policy_window_open(&p, midnight + 300 * 60));
	p.window_start = 22 * 60;
	p.window_end = 4 * 60;
	assert_true(policy_window_open(&p, midnight + 23 * 3600));
	assert_true(policy_window_open(&p, midnight + 3600));
	assert_false(policy_window_open(&p, midnight + 12 * 3600));
}

static void
test_state_names(void **state)
{
	enum phone_state s;

	(void)state;
	for (int i = 0; i < PS__MAX; i++) {
		assert_int_equal(phone_state_parse(phone_state_name(
		    (enum phone_state)i), &s), 0);
		assert_int_equal(s, i);
	}
	assert_int_equal(phone_state_parse("bogus", &s), -1);
	assert_string_equal(phone_state_name(PS_LEFT_BEHIND), "left_behind");
	assert_true(phone_state_needs_person(PS_ABANDONED));
	assert_false(phone_state_needs_person(PS_PENDING));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_every_state_reached),
		cmocka_unit_test(test_written_matches_readback),
		cmocka_unit_test(test_hold_reason),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_state_names),
	};

	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
