/*
 * fixture_store.c — the fixed store of the report tests (see
 * fixture_store.h).
 *
 * Each phone has a script: one letter per run R1..R7 giving its state after
 * the run, and the builder plays the runs in order through store_run_*,
 * store_phone_put() and store_audit_*(), deriving the memory (offline
 * since, attempts, deadlines, renewals) and the reasons in the words
 * jobs/policy.c uses, so the history looks like the engine's.
 *
 *   .  not in CUCM yet          o  ok (not due)
 *   d  due, run limit reached   w  due, waiting for the window
 *   q  queued, phone not told   p  queued and told: pending
 *   P  pending, phone offline   r  renewed
 *   l  left behind (offline)    f  CAPF failed, retryable
 *   a  needs attention          x  abandoned
 *   g  gone from CUCM
 *
 * The story, at FIXTURE_NOW (2025-06-16 06:00 UTC):
 *   left behind (11): D405 D406 (offline), D407 (CAPF failed), D409
 *     (pending past its deadline), D40A (needs attention), D411 D412 (due,
 *     run limit), D413 (reset by an administrator, was abandoned), D414
 *     (abandoned), B420 (no LSC, offline), B423 (offline since R7)
 *   in flight: D408 (pending), D417 (queued, applyPhone failed)
 *   renewed: D403 (in R7), D404 (R3), B421 (R6); gone: D416
 *   the mark of 2025-06-05 08:00 holds the set after R5: D403 D405 D406
 *     D40A D413 D414, so since it: 6 new, 5 still open, D403 resolved.
 * Hostile text on purpose: D405's description holds a terminal escape,
 * D406's HTML, D415's non-ASCII, B420's a spreadsheet formula, B423's a
 * leading minus, quotes and a comma; B424's is long.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "tests/unit/fixture_store.h"
#include "jobs/store_int.h"

#define NRUNS		7
/* The campaigns renew 30 (hq-desk) and 14 days (branch-all) before
 * expiry; the scripts follow that. */
#define DEADLINE	(7 * FIXTURE_DAY)
#define NO_LSC		99999

/* R1..R7 at 02:00 UTC, R8 (killed) at 02:00 today. */
static const int64_t run_time[NRUNS + 1] = {
	1746410400,	/* 2025-05-05 */
	1747015200,	/* 2025-05-12 */
	1747620000,	/* 2025-05-19 */
	1748224800,	/* 2025-05-26 */
	1748829600,	/* 2025-06-02 */
	1749434400,	/* 2025-06-09 */
	1749952800,	/* 2025-06-15 */
	1750039200,	/* 2025-06-16, killed */
};

struct fx_phone {
	const char	*cluster;
	const char	*name;
	const char	*pool;
	const char	*model;
	const char	*desc;
	const char	*ip;
	const char	*node;
	int		 lsc_days;	/* LSC valid until now + days */
	const char	*script;	/* R1..R7 */
};

static const struct fx_phone phones[] = {
	{ "hq", "SEP00A1B2C3D401", "DP_HQ_Floor1", "Cisco 8845",
	  "Open space 1.01", "10.1.1.11", "cucm-hq-sub1", 400, "ooooooo" },
	{ "hq", "SEP00A1B2C3D402", "DP_HQ_Floor1", "Cisco 8845",
	  "Open space 1.02", "10.1.1.12", "cucm-hq-sub1", 700, "ooooooo" },
	{ "hq", "SEP00A1B2C3D403", "DP_HQ_Floor1", "Cisco 8865",
	  "Meeting room 1.10", "10.1.1.13", "cucm-hq-sub2", 14, "oooolpr" },
	{ "hq", "SEP00A1B2C3D404", "DP_HQ_Floor1", "Cisco 7841",
	  "Print room", "10.1.1.14", "cucm-hq-sub1", -11, "oprrrrr" },
	{ "hq", "SEP00A1B2C3D405", "DP_HQ_Floor1", "Cisco 8845",
	  "Reception \x1b[31mred\x1b[0m desk", "10.1.1.15", "cucm-hq-sub2",
	  12, "oooolll" },
	{ "hq", "SEP00A1B2C3D406", "DP_HQ_Floor1", "Cisco 7841",
	  "Lobby <b>\"Guest\"</b> & 'Co'", "10.1.1.16", "cucm-hq-sub1", -6,
	  "ollllll" },
	{ "hq", "SEP00A1B2C3D407", "DP_HQ_Floor1", "Cisco 8851",
	  "Finance 1.20", "10.1.1.17", "cucm-hq-sub2", 20, "ooooopf" },
	{ "hq", "SEP00A1B2C3D408", "DP_HQ_Floor1", "Cisco 8851",
	  "Finance 1.21", "10.1.1.18", "cucm-hq-sub1", 25, "oooooop" },
	{ "hq", "SEP00A1B2C3D409", "DP_HQ_Floor1", "Cisco 8845",
	  "Finance 1.22", "10.1.1.19", "cucm-hq-sub2", 22, "oooooPP" },
	{ "hq", "SEP00A1B2C3D40A", "DP_HQ_Floor1", "Cisco 8865",
	  "Board room", "10.1.1.20", "cucm-hq-sub1", -40, "paaaaaa" },
	{ "hq", "SEP00A1B2C3D411", "DP_HQ_Floor1", "Cisco 8845",
	  "Open space 1.30", "10.1.1.21", "cucm-hq-sub2", 26, "ooooood" },
	{ "hq", "SEP00A1B2C3D412", "DP_HQ_Floor2", "Cisco 7821",
	  "New starter 2.01", "10.1.2.12", "cucm-hq-sub1", NO_LSC,
	  "......d" },
	{ "hq", "SEP00A1B2C3D413", "DP_HQ_Floor2", "Cisco 7821",
	  "Storage 2.40", "10.1.2.13", "cucm-hq-sub2", -2, "oollxxx" },
	{ "hq", "SEP00A1B2C3D414", "DP_HQ_Floor2", "Cisco 7841",
	  "Archive 2.41", "10.1.2.14", "cucm-hq-sub1", -10, "ollxxxx" },
	{ "hq", "SEP00A1B2C3D415", "DP_HQ_Floor2", "Cisco 8845",
	  "Caf\xc3\xa9 Stra\xc3\x9f" "e \xe2\x80\x94 2. Stock", "10.1.2.15",
	  "cucm-hq-sub2", 300, "ooooooo" },
	{ "hq", "SEP00A1B2C3D416", "DP_HQ_Floor2", "Cisco 7821",
	  "Removed desk 2.50", "10.1.2.16", "cucm-hq-sub1", 200, "ooooogg" },
	{ "hq", "SEP00A1B2C3D417", "DP_HQ_Floor2", "Cisco 8851",
	  "Open space 2.02", "10.1.2.17", "cucm-hq-sub2", 24, "ooooooq" },
	{ "branch", "SEP00B1B2C3D418", "DP_Branch_East", "Cisco 7841",
	  "Counter 1", "10.2.1.18", "cucm-br-sub1", 45, "ooooooo" },
	{ "branch", "SEP00B1B2C3D419", "DP_Branch_East", "Cisco 7841",
	  "Counter 2", "10.2.1.19", "cucm-br-sub1", 80, "ooooooo" },
	{ "branch", "SEP00B1B2C3D420", "DP_Branch_East", "Cisco 7821",
	  "=HYPERLINK(\"http://evil.example/x\",\"open\")", "10.2.1.20",
	  "cucm-br-sub1", NO_LSC, ".....ll" },
	{ "branch", "SEP00B1B2C3D421", "DP_Branch_East", "Cisco 8845",
	  "Manager", "10.2.1.21", "cucm-br-sub1", -4, "ooooprr" },
	{ "branch", "SEP00B1B2C3D422", "DP_Branch_West", "Cisco 8845",
	  "Back office", "10.2.2.22", "cucm-br-sub1", 900, "ooooooo" },
	{ "branch", "SEP00B1B2C3D423", "DP_Branch_West", "Cisco 7821",
	  "-5 dBm WAN; \"far\" end, near exit", "10.2.2.23", "cucm-br-sub1",
	  2, "ooooowl" },
	{ "branch", "SEP00B1B2C3D424", "DP_Branch_West", "Cisco 8865",
	  "Conference room 4.12 (large, ceiling microphones, do not move the "
	  "phone)", "10.2.2.24", "cucm-br-sub1", 150, "ooooooo" },
};
#define NPHONES (sizeof(phones) / sizeof(phones[0]))

/* What the builder remembers of each phone between runs. */
struct fx_state {
	int		 known;
	char		 code;
	struct phone_memory m;
	int64_t		 lsc;
	int64_t		 last_seen;
	const char	*op;
	const char	*status;
	int64_t		 run;
};

static const char *
campaign_of(const struct fx_phone *p)
{
	return strcmp(p->cluster, "hq") == 0 ? "hq-desk" : "branch-all";
}

/* The formats the store's words use, each a literal strftime checks. */
enum fmt_kind { FMT_DATE, FMT_WHEN, FMT_UFT };

static void
fmt(int64_t t, enum fmt_kind k, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	switch (k) {
	case FMT_DATE:
		strftime(buf, len, "%Y-%m-%d", &tm);
		break;
	case FMT_WHEN:
		strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
		break;
	case FMT_UFT:
		strftime(buf, len, "%Y:%m:%d:%H", &tm);
		break;
	}
}

/* policy_due_reason()'s words. */
static void
why(int64_t lsc, int64_t t, char *buf, size_t len)
{
	long long d;

	if (lsc == 0) {
		snprintf(buf, len, "no LSC (MIC only)");
		return;
	}
	d = (lsc - t) / FIXTURE_DAY;
	if (lsc - t < 0 && (lsc - t) % FIXTURE_DAY != 0)
		d--;
	if (d < 0)
		snprintf(buf, len, "LSC expired %lld day%s ago", -d,
		    -d == 1 ? "" : "s");
	else
		snprintf(buf, len, "LSC expires in %lld day%s", d,
		    d == 1 ? "" : "s");
}

static int
put(struct store *s, const struct fx_phone *ph, struct fx_state *st,
    int64_t run, int64_t t, enum phone_state ps, const char *reason,
    struct lsc_err *e)
{
	struct store_phone p;
	struct phone_memory old = st->m;

	memset(&p, 0, sizeof(p));
	p.cluster = ph->cluster;
	p.name = ph->name;
	p.campaign = campaign_of(ph);
	p.pool = ph->pool;
	p.model = ph->model;
	p.description = ph->desc;
	p.cert_operation = st->op;
	p.cert_status = st->status;
	p.lsc_valid_until = st->lsc;
	p.lsc_issuer = st->lsc == 0 ? NULL : strcmp(ph->cluster, "hq") == 0 ?
	    "CAPF-6c1a2b3d" : "Enterprise Issuing CA 2";
	p.last_ip = ph->ip;
	p.last_node = ph->node;
	p.last_seen = st->last_seen;
	p.last_run = run;
	if (ps != st->m.state || !st->known)
		st->m.state_since = t;
	st->m.state = ps;
	if (reason != st->m.reason)
		snprintf(st->m.reason, sizeof(st->m.reason), "%s", reason);
	p.mem = st->m;
	if (store_phone_put(s, run, t, &p, st->known ? &old : NULL, e) == -1)
		return -1;
	st->known = 1;
	return 0;
}

static int
audit(struct store *s, int64_t run, int64_t t, const struct fx_phone *ph,
    const char *op, const char *vals, const char *result, struct lsc_err *e)
{
	int64_t id;

	if (store_audit_begin(s, run, t, ph->cluster, ph->name, op, vals, &id,
	    e) == -1)
		return -1;
	return store_audit_end(s, id, result, e);
}

/* One phone after one run. */
static int
step(struct store *s, const struct fx_phone *ph, struct fx_state *st,
    int64_t run, int64_t t, char c, struct store_counts *n,
    struct lsc_err *e)
{
	struct phone_memory *m = &st->m;
	char w[120], r[200], when[40], date[40], vals[300];
	char prev = st->known ? st->code : '.';
	int registered = strchr("odwqprfa", c) != NULL;
	int entering = prev != c;

	if (registered)
		st->last_seen = t;
	why(st->lsc, t, w, sizeof(w));
	st->code = c;

	switch (c) {
	case 'o':
		m->attempts = 0;
		m->first_offline = m->last_offline = 0;
		m->deadline = 0;
		m->phase = OP_NONE;
		m->next_retry = 0;
		st->op = "No Pending Operation";
		st->status = st->lsc != 0 ? "Upgrade Success" : "None";
		fmt(st->lsc, FMT_DATE, date, sizeof(date));
		if (st->lsc != 0)
			snprintf(r, sizeof(r), "not due: LSC valid until %s",
			    date);
		else
			snprintf(r, sizeof(r), "not due: no LSC, and the "
			    "campaign does not install missing ones");
		return put(s, ph, st, run, t, PS_OK, r, e);
	case 'd':
		if (entering)
			m->attempts = 0;
		snprintf(r, sizeof(r), "%s; run limit of 3 operations reached",
		    w);
		return put(s, ph, st, run, t, PS_DUE, r, e);
	case 'w':
		snprintf(r, sizeof(r), "%s; waiting for the maintenance window "
		    "01:00-05:00", w);
		return put(s, ph, st, run, t, PS_DUE, r, e);
	case 'q':
	case 'p':
	case 'P':
		if (prev == 'q' || prev == 'p' || prev == 'P') {
			fmt(m->deadline, FMT_WHEN, when,
			    sizeof(when));
			snprintf(r, sizeof(r), "Operation Pending%s; completes "
			    "by %s", c == 'P' ? ", phone offline" : "", when);
			return put(s, ph, st, run, t, c == 'q' ? PS_QUEUED :
			    PS_PENDING, r, e);
		}
		m->queued_at = t;
		m->deadline = t + DEADLINE;
		m->prev_valid_until = st->lsc;
		m->attempts++;
		m->first_offline = m->last_offline = 0;
		m->next_retry = 0;
		m->phase = OP_SENDING;
		fmt(m->deadline, FMT_WHEN, when, sizeof(when));
		snprintf(r, sizeof(r), "%s; Install/Upgrade queued, completes by "
		    "%s", w, when);
		if (put(s, ph, st, run, t, PS_QUEUED, r, e) == -1)
			return -1;
		fmt(m->deadline, FMT_UFT, date, sizeof(date));
		snprintf(vals, sizeof(vals), "certificateOperation=Install/"
		    "Upgrade authenticationMode=By Existing Certificate "
		    "(precedence to LSC) keyOrder=RSA Only keySize=2048 "
		    "upgradeFinishTime=%s", date);
		if (audit(s, run, t, ph, "updatePhone", vals, "ok", e) == -1)
			return -1;
		n->queued++;
		st->op = "Install/Upgrade";
		st->status = "Operation Pending";
		if (c == 'q') {
			n->errors++;
			m->phase = OP_UPDATED;
			if (audit(s, run, t, ph, "applyPhone", NULL, "SEP00A1B2C3"
			    "D417: applyPhone: HTTP 503 (AXL write throttled)",
			    e) == -1)
				return -1;
			snprintf(r + strlen(r), sizeof(r) - strlen(r),
			    "; applyPhone failed, retried next run: HTTP 503 "
			    "(AXL write throttled)");
			return put(s, ph, st, run, t, PS_QUEUED, r, e);
		}
		if (audit(s, run, t, ph, "applyPhone", NULL, "ok", e) == -1)
			return -1;
		m->phase = OP_NOTIFIED;
		snprintf(r, sizeof(r), "Operation Pending; completes by %s",
		    when);
		return put(s, ph, st, run, t, PS_PENDING, r, e);
	case 'r':
		if (entering) {
			st->lsc = t + 730 * FIXTURE_DAY;
			m->renewed_at = t;
			m->attempts = 0;
			m->deadline = 0;
			m->phase = OP_NONE;
			m->first_offline = m->last_offline = 0;
			st->op = "No Pending Operation";
			st->status = "Upgrade Success";
			n->renewed++;
		}
		fmt(st->lsc, FMT_DATE, date, sizeof(date));
		snprintf(r, sizeof(r), "renewed, LSC valid until %s", date);
		return put(s, ph, st, run, t, PS_RENEWED, entering ? r :
		    m->reason, e);
	case 'l':
		if (m->first_offline == 0)
			m->first_offline = t;
		m->last_offline = t;
		m->attempts++;
		if (entering)
			n->newly_left_behind++;
		fmt(m->first_offline, FMT_DATE, date, sizeof(date));
		snprintf(r, sizeof(r), "%s; offline since %s", w, date);
		return put(s, ph, st, run, t, PS_LEFT_BEHIND, r, e);
	case 'x':
		if (!entering)
			return put(s, ph, st, run, t, PS_ABANDONED, m->reason,
			    e);
		m->last_offline = t;
		m->attempts++;
		fmt(m->first_offline, FMT_DATE, date, sizeof(date));
		snprintf(r, sizeof(r), "%s; abandoned: offline since %s, %u "
		    "attempts", w, date, m->attempts);
		return put(s, ph, st, run, t, PS_ABANDONED, r, e);
	case 'f':
		if (!entering)
			return put(s, ph, st, run, t, PS_FAILED_RETRYABLE,
			    m->reason, e);
		m->deadline = 0;
		m->phase = OP_NONE;
		m->next_retry = t + 44 * 3600;
		st->status = "Upgrade Failed: Phone Communication Failure";
		fmt(m->next_retry, FMT_WHEN, when, sizeof(when));
		snprintf(r, sizeof(r), "CAPF: %s; retry after %s", st->status,
		    when);
		return put(s, ph, st, run, t, PS_FAILED_RETRYABLE, r, e);
	case 'a':
		if (!entering)
			return put(s, ph, st, run, t, PS_NEEDS_ATTENTION,
			    m->reason, e);
		m->deadline = 0;
		m->phase = OP_NONE;
		st->status = "Upgrade Failed: Invalid Authentication String";
		snprintf(r, sizeof(r), "CAPF: %s", st->status);
		return put(s, ph, st, run, t, PS_NEEDS_ATTENTION, r, e);
	case 'g':
		m->deadline = 0;
		m->phase = OP_NONE;
		return put(s, ph, st, run, t, PS_GONE, "no longer in CUCM", e);
	default:
		return err_set(e, ERR_USAGE, "%s: bad script letter %c",
		    ph->name, c);
	}
}

static int
in_left_behind(char c)
{
	return c == 'd' || c == 'w' || c == 'l' || c == 'f' || c == 'a' ||
	    c == 'x';
}

int
fixture_store_build(struct store *s, struct lsc_err *e)
{
	struct fx_state st[NPHONES];
	struct store_counts n;
	int64_t run, mark, t;
	char calls[200];
	size_t i;
	int found, person;

	memset(st, 0, sizeof(st));
	for (i = 0; i < NPHONES; i++)
		st[i].lsc = phones[i].lsc_days == NO_LSC ? 0 : FIXTURE_NOW +
		    (int64_t)phones[i].lsc_days * FIXTURE_DAY;

	for (int r = 0; r < NRUNS; r++) {
		t = run_time[r];
		memset(&n, 0, sizeof(n));
		if (store_run_begin(s, t, "hq-desk,branch-all", 4100 + r, &run,
		    e) == -1 || store_begin(s, e) == -1)
			return -1;
		for (i = 0; i < NPHONES; i++) {
			if (phones[i].script[r] == '.')
				continue;
			st[i].run = run;
			if (step(s, &phones[i], &st[i], run, t,
			    phones[i].script[r], &n, e) == -1) {
				store_rollback(s);
				return -1;
			}
		}
		if (store_commit(s, e) == -1)
			return -1;
		person = 0;
		for (i = 0; i < NPHONES; i++) {
			if (!st[i].known)
				continue;
			n.phones++;
			n.state[st[i].m.state]++;
			person |= phone_state_needs_person(st[i].m.state);
		}
		snprintf(calls, sizeof(calls), "getCCMVersion=1 listPhone=4 "
		    "executeSQLQuery=4 selectCmDevice=%d updatePhone=%lu "
		    "applyPhone=%lu", r + 1, n.queued, n.queued);
		if (store_run_finish(s, run, t + 600 + 37 * r, person ? 2 :
		    n.queued > 0 ? 1 : 0, &n, calls, NULL, e) == -1)
			return -1;

		/* the administrator's left-behind report after R5 */
		if (r == 4) {
			if (store_begin(s, e) == -1 ||
			    store_mark_begin(s, "left-behind",
			    FIXTURE_MARK_TIME, &mark, e) == -1)
				return -1;
			for (i = 0; i < NPHONES; i++)
				if (st[i].known && in_left_behind(st[i].code) &&
				    store_mark_add(s, mark, phones[i].cluster,
				    phones[i].name, st[i].m.state, e) == -1)
					return -1;
			if (store_commit(s, e) == -1)
				return -1;
		}
	}

	/* an administrator reset the abandoned D413 yesterday morning */
	if (store_phone_reset(s, FIXTURE_NOW - 21 * 3600, "hq",
	    "SEP00A1B2C3D413", &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, ERR_STORE, "fixture: D413 missing");
	/* and tonight's run was killed before it finished */
	return store_run_begin(s, run_time[NRUNS], "hq-desk,branch-all", 4200,
	    &run, e);
}

struct store *
fixture_store_new(struct lsc_err *e)
{
	struct store *s;

	if ((s = store_open_memory(e)) == NULL)
		return NULL;
	if (fixture_store_build(s, e) == -1) {
		store_close(s);
		return NULL;
	}
	return s;
}

int
fixture_add_left_behind(struct store *s, const char *cluster,
    const char *name, const char *pool, int lsc_days, const char *desc,
    struct lsc_err *e)
{
	struct store_phone p;
	char w[120], date[40];
	int64_t t = FIXTURE_NOW - 3600;

	memset(&p, 0, sizeof(p));
	p.cluster = cluster;
	p.name = name;
	p.campaign = strcmp(cluster, "hq") == 0 ? "hq-desk" : "branch-all";
	p.pool = pool;
	p.model = "Cisco 8845";
	p.description = desc;
	p.cert_operation = "No Pending Operation";
	p.cert_status = lsc_days != 0 ? "Upgrade Success" : "None";
	p.lsc_valid_until = lsc_days != 0 ? FIXTURE_NOW + (int64_t)lsc_days *
	    FIXTURE_DAY : 0;
	p.lsc_issuer = lsc_days != 0 ? "CAPF-6c1a2b3d" : NULL;
	p.last_ip = "10.9.9.9";
	p.last_node = "cucm-hq-sub1";
	p.last_seen = FIXTURE_NOW - 2 * FIXTURE_DAY;
	p.mem.state = PS_LEFT_BEHIND;
	p.mem.state_since = t;
	p.mem.first_offline = FIXTURE_NOW - FIXTURE_DAY;
	p.mem.last_offline = t;
	p.mem.attempts = 2;
	why(p.lsc_valid_until, t, w, sizeof(w));
	fmt(p.mem.first_offline, FMT_DATE, date, sizeof(date));
	snprintf(p.mem.reason, sizeof(p.mem.reason), "%s; offline since %s",
	    w, date);
	if (store_begin(s, e) == -1)
		return -1;
	if (store_phone_put(s, 0, t, &p, NULL, e) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, e);
}

int
fixture_resolve(struct store *s, const char *cluster, const char *name,
    struct lsc_err *e)
{
	struct store_phone p;
	struct phone_memory old;
	char date[40];
	int64_t t = FIXTURE_NOW - 3600;
	int found;

	if (store_phone_get(s, cluster, name, &p, &found, e) == -1)
		return -1;
	if (!found)
		return err_set(e, ERR_NOTFOUND, "fixture: %s unknown", name);
	old = p.mem;
	p.lsc_valid_until = t + 730 * FIXTURE_DAY;
	p.cert_operation = "No Pending Operation";
	p.cert_status = "Upgrade Success";
	p.last_seen = t;
	p.mem.state = PS_RENEWED;
	p.mem.state_since = t;
	p.mem.renewed_at = t;
	p.mem.attempts = 0;
	p.mem.first_offline = p.mem.last_offline = 0;
	p.mem.deadline = 0;
	p.mem.next_retry = 0;
	p.mem.phase = OP_NONE;
	fmt(p.lsc_valid_until, FMT_DATE, date, sizeof(date));
	snprintf(p.mem.reason, sizeof(p.mem.reason), "renewed, LSC valid "
	    "until %s", date);
	if (store_begin(s, e) == -1)
		return -1;
	if (store_phone_put(s, 0, t, &p, &old, e) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, e);
}

int
fixture_add_run(struct store *s, int exit_status, const char *error,
    struct lsc_err *e)
{
	struct store_counts n;
	int64_t run;

	memset(&n, 0, sizeof(n));
	n.phones = FIXTURE_PHONES;
	n.state[PS_OK] = FIXTURE_PHONES;
	if (store_run_begin(s, FIXTURE_NOW - 3600, "branch-all", 4300, &run,
	    e) == -1)
		return -1;
	return store_run_finish(s, run, FIXTURE_NOW - 3600 + 95, exit_status,
	    &n, "getCCMVersion=1 listPhone=2", error, e);
}

/* PRAGMA integrity_check; 0 when "ok", else -1 with the answer in e. */
int
store_check(struct store *s, struct lsc_err *e)
{
	sqlite3_stmt *st;
	const char *r = NULL;
	int ok = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK)
		return err_set(e, ERR_STORE, "%s", sqlite3_errmsg(s->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		r = (const char *)sqlite3_column_text(st, 0);
	ok = r != NULL && strcmp(r, "ok") == 0;
	if (!ok)
		err_set(e, ERR_STORE, "integrity check: %s", r != NULL ? r :
		    sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}
