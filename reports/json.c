/*
 * json.c — the JSON form of the reports, and the documentation of its
 * fields.
 *
 * Output is UTF-8 (RFC 8259), two-space indented, members in the order
 * below.  Strings escape '"', '\', the C0 and C1 controls and DEL
 * (\n, \t ... or \u00XX), U+2028 and U+2029; other non-ASCII characters are
 * written as UTF-8; bytes that are not UTF-8 become \ufffd.  Times are
 * RFC 3339 strings in UTC ("2025-06-16T06:00:00Z"); a time that is unknown
 * or never happened is null.  Absent text is null.  Field names below are
 * stable within a schema_version; new fields may be added, none renamed or
 * removed without raising it.
 *
 * Every report (envelope):
 *   schema_version   1
 *   report           "left-behind" | "summary" | "forecast" | "history" |
 *                    "phone"
 *   generated_at     the report's "now"
 *   filters          {cluster, campaign, pool}: strings or null
 *
 * Phone object (left-behind "phones" and "resolved", phone "phones"), in
 * this order, which is also the left-behind CSV's (report_phone_fields()
 * in shared.c is the one list):
 *   cluster, name, campaign, pool, model, description     strings
 *   lsc_valid_until  time, null: no LSC (MIC only)
 *   days_left        whole days to lsc_valid_until, negative once expired,
 *                    null: no LSC
 *   lsc_issuer       string
 *   state            "ok" | "due" | "queued" | "pending" | "renewed" |
 *                    "left_behind" | "failed_retryable" |
 *                    "needs_attention" | "abandoned" | "gone"
 *   state_since      time
 *   reason           the reason in words, as the store has it; for an
 *                    overdue operation followed by "; deadline passed"
 *   overdue          true when queued/pending and its deadline has passed
 *                    (the next run will find it left behind)
 *   first_offline, last_offline   when first / last found offline while
 *                    due (null: not offline)
 *   last_seen        last time seen registered
 *   last_ip, last_node            last known address and CUCM node
 *   attempts         runs it was due and tried
 *   next_retry       time of the next retry after a CAPF failure
 *   deadline         the operation's "completes by" time
 *   cert_operation, cert_status   as CUCM last reported them
 *   queued_at        when the operation was queued
 *   renewed_at       when it was last renewed
 *   last_run         id of the last run that saw it in CUCM
 *   last_probe       when its web server was last probed (null: never)
 *   presents         what it presented then: "mic" | "capf_lsc" |
 *                    "enterprise_lsc" | "self_signed" | "unknown", or,
 *                    when it presented nothing, the outcome: "refused" |
 *                    "timeout" | "not_tls" | "tls_error" | "unreachable"
 *   agreement        that probe compared with CUCM: "agrees" |
 *                    "mic_not_lsc" | "other_lsc" | "expiring" |
 *                    "issuer_differs" | "unreachable" | "not_in_cucm"
 *
 * Run object (history "runs", summary "last_run"):
 *   id               integer
 *   started, finished  times (finished null: running, or killed)
 *   duration_seconds integer, null when not finished
 *   campaigns        comma-separated campaign names
 *   mode             "run"
 *   pid              integer
 *   exit_status      integer, null when not finished
 *   error            the run-level error, or null
 *   calls            "listPhone=3 executeSQLQuery=3 ..." or null
 *   phones, queued, renewed, newly_left_behind, errors   integers
 *   states           {ok, due, ..., gone}: phones per state after the run
 *
 * left-behind:
 *   since            null, or {mode: "last" | "time", time: the previous
 *                    report's time (last) or the date asked (time), null
 *                    when there was no previous report; previous_found}
 *   count            number of phones in "phones"
 *   phones           [phone object], most urgent first; with since each
 *                    also has change: "new" | "still_open" and
 *                    previous_state (still_open: the state then)
 *   counts           with since: {new, still_open, resolved}
 *   resolved         with since: [phone object] that were in the previous
 *                    set and no longer are, with change: "resolved",
 *                    previous_state; a phone the store no longer holds
 *                    has only cluster, name, change, previous_state
 *
 * summary:
 *   last_run         run object, or null
 *   groups           [{cluster, campaign, pool, phones, states: {ok ...
 *                    gone}, renewed_last_run, renewed_30d, expiring_30d,
 *                    expiring_60d, expiring_90d, expired, no_lsc}]
 *                    by cluster, campaign, pool; expiring_* are
 *                    cumulative (60d includes 30d) and, like expired and
 *                    no_lsc, leave out phones gone from CUCM
 *   total            the same counts over all groups, without the keys
 *
 * forecast:
 *   months           ["2025-06", ...]: the 24 months from now's month
 *   total            {expired, months: [24 integers], later, no_lsc}
 *   pools            [{cluster, pool, expired, months, later, no_lsc}]
 *                    (phones gone from CUCM are not counted)
 *
 * history:
 *   runs             [run object], newest first
 *
 * phone:
 *   name             the device name asked for
 *   phones           [phone object with timeline]: one per cluster that
 *                    knows the name
 *   timeline         [{time, run (null: not part of a run), type: "state",
 *                    old_state (null: first sighting), new_state, reason}
 *                    | {time, run, type: "write", op, values, result}]
 *                    in time order
 */
#include <stdio.h>
#include <string.h>

#include "reports/report_int.h"

void
report_json_envelope(struct report_ctx *ctx, struct json *j)
{
	const struct report_opts *o = ctx->o;

	json_obj(j, NULL);
	json_int(j, "schema_version", REPORT_SCHEMA_VERSION);
	json_str(j, "report", report_kind_name(o->kind));
	json_time(j, "generated_at", o->now);
	json_obj(j, "filters");
	json_str(j, "cluster", o->cluster);
	json_str(j, "campaign", o->campaign);
	json_str(j, "pool", o->pool);
	json_end(j);
}

void
report_json_fields(struct json *j, const struct report_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (f[i].type) {
		case RF_STR:
			json_str(j, f[i].name, f[i].s);
			break;
		case RF_TIME:
			json_time(j, f[i].name, f[i].n);
			break;
		case RF_INT:
			json_int(j, f[i].name, f[i].n);
			break;
		case RF_BOOL:
			json_bool(j, f[i].name, f[i].n != 0);
			break;
		case RF_NULL:
			json_null(j, f[i].name);
			break;
		case RF_OBJ:
			json_obj(j, f[i].name);
			break;
		case RF_END:
			json_end(j);
			break;
		case RF_ABSENT:
			break;
		}
	}
}

void
report_json_phone(struct report_ctx *ctx, struct json *j,
    const struct store_phone *p)
{
	struct report_field f[REPORT_PHONE_FIELDS];
	char reason[300];

	report_phone_fields(p, report_probe_of(ctx, p->cluster, p->name),
	    ctx->o->now, f, reason, sizeof(reason));
	report_json_fields(j, f, REPORT_PHONE_FIELDS);
}

void
report_run_fields(const struct store_run *r, const char *prefix,
    struct report_field f[REPORT_RUN_FIELDS])
{
	int done = r->finished > 0;
	size_t n = 0;

	REPORT_NUM(f, n, "id", RF_INT, r->id);
	REPORT_NUM(f, n, "started", RF_TIME, r->started);
	REPORT_NUM(f, n, "finished", RF_TIME, r->finished);
	REPORT_NUM(f, n, "duration_seconds", done ? RF_INT : RF_NULL,
	    r->finished - r->started);
	REPORT_STR(f, n, "campaigns", r->campaigns);
	REPORT_STR(f, n, "mode", r->mode);
	REPORT_NUM(f, n, "pid", RF_INT, r->pid);
	REPORT_NUM(f, n, "exit_status", done && r->exit_status >= 0 ? RF_INT :
	    RF_NULL, r->exit_status);
	REPORT_STR(f, n, "error", r->error);
	REPORT_STR(f, n, "calls", r->calls);
	REPORT_NUM(f, n, "phones", RF_INT, (long long)r->counts.phones);
	REPORT_NUM(f, n, "queued", RF_INT, (long long)r->counts.queued);
	REPORT_NUM(f, n, "renewed", RF_INT, (long long)r->counts.renewed);
	REPORT_NUM(f, n, "newly_left_behind", RF_INT,
	    (long long)r->counts.newly_left_behind);
	REPORT_NUM(f, n, "errors", RF_INT, (long long)r->counts.errors);
	f[n++] = (struct report_field){ "states", RF_OBJ, prefix, 0 };
	for (int i = 0; i < PS__MAX; i++)
		REPORT_NUM(f, n, phone_state_name((enum phone_state)i), RF_INT,
		    (long long)r->counts.state[i]);
	f[n++] = (struct report_field){ "states", RF_END, NULL, 0 };
}
