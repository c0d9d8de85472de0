/*
 * store.h — the state store: one SQLite file under the state directory.
 *
 * It remembers every phone lscrenew has evaluated (its state, the reason in
 * words, when it was first and last seen offline, the operation in flight),
 * every state change (event, naming its run), every write sent to CUCM
 * (audit), and every run.  WAL mode; the schema is versioned with forward
 * migrations (PRAGMA user_version).  This file is the only home of SQLite:
 * no SQLite type crosses this header.
 *
 * Strings in the structs handed to callbacks are borrowed for the call.
 */
#ifndef LSC_STORE_H
#define LSC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "axl/axl.h"
#include "axl/err.h"
#include "axl/ris.h"
#include "jobs/policy.h"

#define STORE_FILE		"lscrenew.db"
#define STORE_SCHEMA_VERSION	4

struct store;

enum store_mode {
	STORE_RW,		/* create and migrate as needed */
	STORE_RO		/* never write; fails if the file is missing
				   or its schema is not current */
};

/* Opens (and for STORE_RW creates/migrates) the store at path. */
struct store *store_open(const char *path, enum store_mode, struct lsc_err *);
/* An empty, current store in memory (plan with no state yet, tests). */
struct store *store_open_memory(struct lsc_err *);
void	 store_close(struct store *);

/* The schema version of an open store. */
int	 store_schema_version(struct store *);

/* PRAGMA integrity_check; 0 when "ok". */
int	 store_check(struct store *, struct lsc_err *);

int	 store_begin(struct store *, struct lsc_err *);
int	 store_commit(struct store *, struct lsc_err *);
void	 store_rollback(struct store *);

/* ---- phones ---------------------------------------------------------- */

struct store_phone {
	const char	*cluster;
	const char	*name;
	const char	*campaign;	/* last campaign that evaluated it */
	const char	*pool;
	const char	*model;
	const char	*description;
	const char	*cert_operation;
	const char	*cert_status;
	int64_t		 lsc_valid_until;
	const char	*lsc_issuer;
	const char	*last_ip;	/* last known, from RIS or the DB */
	const char	*last_node;
	int64_t		 last_seen;	/* last time seen registered; 0 */
	int64_t		 last_run;	/* last run that saw it in CUCM */
	int64_t		 updated;
	struct phone_memory mem;
};

typedef int	(*store_phone_fn)(void *arg, const struct store_phone *,
		    struct lsc_err *);

/* Reads one phone.  *found = 0 when unknown.  Strings are copied into
 * the store's scratch space and stay valid until the next store call. */
int	 store_phone_get(struct store *, const char *cluster, const char *name,
	    struct store_phone *, int *found, struct lsc_err *);

/*
 * Writes a phone's row, and an event naming the run when it is new, when
 * its state changed, or when the reason of a state other than ok/renewed
 * changed (old is the memory before; NULL for a phone never seen).  Call
 * inside a transaction.
 */
int	 store_phone_put(struct store *, int64_t run, int64_t now,
	    const struct store_phone *, const struct phone_memory *old,
	    struct lsc_err *);

enum store_order {
	STORE_ORDER_NAME,	/* cluster, name */
	STORE_ORDER_URGENCY	/* soonest LSC expiry first, no-LSC first */
};

struct store_filter {
	const char	*cluster;	/* NULL: any */
	const char	*campaign;
	const char	*pool;
	const char	*name;
	unsigned	 states;	/* bit mask of 1u << state; 0: any */
	enum store_order order;
};

int	 store_each_phone(struct store *, const struct store_filter *,
	    store_phone_fn, void *, struct lsc_err *);

/* Counts by state, per cluster / campaign / pool. */
typedef int	(*store_count_fn)(void *arg, const char *cluster,
		    const char *campaign, const char *pool,
		    enum phone_state, unsigned long count, struct lsc_err *);
int	 store_count_states(struct store *, store_count_fn, void *,
	    struct lsc_err *);

/* Clears abandoned / needs-attention (and any other state) of a phone so it
 * is evaluated afresh: state due, attempts 0, no retry, an event "reset by
 * an administrator".  *found = 0 when the phone is unknown. */
int	 store_phone_reset(struct store *, int64_t now, const char *cluster,
	    const char *name, int *found, struct lsc_err *);

/* ---- runs -------------------------------------------------------------- */

struct store_counts {
	unsigned long	 phones;		/* evaluated */
	unsigned long	 state[PS__MAX];	/* after the run */
	unsigned long	 queued;		/* operations sent this run */
	unsigned long	 renewed;		/* became renewed this run */
	unsigned long	 newly_left_behind;
	unsigned long	 errors;		/* per-phone write failures */
};

struct store_run {
	int64_t		 id;
	int64_t		 started;
	int64_t		 finished;	/* 0 while running / killed */
	const char	*campaigns;	/* comma-separated */
	const char	*mode;		/* "run" */
	long		 pid;
	int		 exit_status;	/* -1 while running / killed */
	const char	*error;		/* run-level error or NULL */
	const char	*calls;		/* "listPhone=3 executeSQLQuery=3 ..." */
	struct store_counts counts;
};

typedef int	(*store_run_fn)(void *arg, const struct store_run *,
		    struct lsc_err *);

int	 store_run_begin(struct store *, int64_t now, const char *campaigns,
	    long pid, int64_t *run, struct lsc_err *);
int	 store_run_finish(struct store *, int64_t run, int64_t now,
	    int exit_status, const struct store_counts *, const char *calls,
	    const char *error, struct lsc_err *);
/* Newest first; limit 0 = all. */
int	 store_each_run(struct store *, unsigned limit, store_run_fn, void *,
	    struct lsc_err *);
/* The newest finished run; *found = 0 when none. */
int	 store_last_run(struct store *, struct store_run *, int *found,
	    struct lsc_err *);

/* ---- history: events and the audit of writes ---------------------------- */

struct store_event {
	int64_t		 id;
	int64_t		 run;
	int64_t		 time;
	const char	*cluster;
	const char	*name;
	int		 has_old;	/* 0 for the first sighting */
	enum phone_state old_state;
	enum phone_state new_state;
	const char	*reason;
};
typedef int	(*store_event_fn)(void *arg, const struct store_event *,
		    struct lsc_err *);

/* Events of one phone (name != NULL) or of all phones since `since`,
 * oldest first. */
int	 store_each_event(struct store *, const char *cluster, const char *name,
	    int64_t since, store_event_fn, void *, struct lsc_err *);

struct store_audit {
	int64_t		 id;
	int64_t		 run;
	int64_t		 time;
	const char	*cluster;
	const char	*name;
	const char	*op;		/* "updatePhone", "applyPhone", ... */
	const char	*values;	/* "certificateOperation=Install/Upgrade
					   ..." (never a secret) */
	const char	*result;	/* "ok", "sending", or the error */
};
typedef int	(*store_audit_fn)(void *arg, const struct store_audit *,
		    struct lsc_err *);

/* Records a write about to be sent (result "sending"); returns its id.
 * Commits on its own when not inside a transaction. */
int	 store_audit_begin(struct store *, int64_t run, int64_t now,
	    const char *cluster, const char *name, const char *op,
	    const char *values, int64_t *id, struct lsc_err *);
int	 store_audit_end(struct store *, int64_t id, const char *result,
	    struct lsc_err *);
int	 store_each_audit(struct store *, const char *cluster, const char *name,
	    store_audit_fn, void *, struct lsc_err *);

/* ---- observations of this run (a temporary table, never on disk) ------- */

/* Forgets all observations. */
int	 store_obs_clear(struct store *, struct lsc_err *);
/* Records what listPhone said of a phone (pool inventoried for campaign). */
int	 store_obs_phone(struct store *, const char *cluster,
	    const char *campaign, const struct axl_phone *, struct lsc_err *);
/* Adds what the SQL page said (LSC validity, last registration). */
int	 store_obs_lsc(struct store *, const char *cluster,
	    const struct axl_lsc *, struct lsc_err *);
/* Marks a phone as one to ask RisPort70 about. */
int	 store_obs_want_reg(struct store *, const char *cluster,
	    const char *name, struct lsc_err *);
/* Up to max names wanted and not asked yet (marks them asked); the array
 * and its strings are the caller's to free with store_names_free(). */
int	 store_obs_next_reg(struct store *, const char *cluster, size_t max,
	    char ***names, size_t *n, struct lsc_err *);
void	 store_names_free(char **, size_t);
/* Records a RisPort70 answer. */
int	 store_obs_reg(struct store *, const char *cluster,
	    const struct ris_device *, struct lsc_err *);
/* Asked phones RisPort70 did not report are not registered. */
int	 store_obs_reg_done(struct store *, const char *cluster,
	    struct lsc_err *);

/* An observation joined with the stored phone (if any). */
struct store_obs {
	const char	*cluster;
	const char	*name;
	const char	*campaign;
	const char	*pool;
	const char	*model;
	const char	*description;
	const char	*finish_time_text;
	struct observation obs;
	const char	*reg_ip;	/* from RIS, NULL unknown */
	const char	*reg_node;
	int64_t		 reg_time;
	const char	*db_last_ip;	/* registrationdynamic */
	const char	*db_last_node;
	int64_t		 db_last_seen;
	int		 known;		/* the store has the phone */
	struct store_phone stored;	/* valid when known */
};
typedef int	(*store_obs_fn)(void *arg, const struct store_obs *,
		    struct lsc_err *);

/*
 * Observations of one cluster and campaign, by name, or (STORE_ORDER_URGENCY)
 * most urgent first (no LSC, then the soonest expiry), then by name: when
 * a run's limit is reached, the phones left for the next run are the ones
 * that can wait.  The walk by name reads the tables in order and is the
 * cheaper one.
 */
int	 store_each_obs(struct store *, const char *cluster,
	    const char *campaign, enum store_order, store_obs_fn, void *,
	    struct lsc_err *);

/*
 * Claims a phone for a campaign in this process: the first campaign to
 * claim it owns it for the run; *owner receives the owner's name (borrowed
 * until the next store call).  Two campaigns naming the same phone never
 * both act on it.
 */
int	 store_run_claim(struct store *, const char *cluster, const char *name,
	    const char *campaign, const char **owner, struct lsc_err *);

/* Records that a pool (and name pattern, NULL for all) of a cluster was
 * listed completely in this process. */
int	 store_run_listed(struct store *, const char *cluster, const char *pool,
	    const char *name_like, struct lsc_err *);

/* Stored phones, not gone, of the pools listed completely in this process
 * (matching their pattern) that no campaign claimed: deleted from CUCM. */
int	 store_each_unseen(struct store *, store_phone_fn, void *,
	    struct lsc_err *);

/* Observations are written in their own (deferred) transaction. */
int	 store_obs_begin(struct store *, struct lsc_err *);
int	 store_obs_commit(struct store *, struct lsc_err *);

/* ---- report marks (for "report left-behind --since LAST") -------------- */

/* Saves the given phones as a mark of kind; returns the new mark id. */
int	 store_mark_begin(struct store *, const char *kind, int64_t now,
	    int64_t *mark, struct lsc_err *);
int	 store_mark_add(struct store *, int64_t mark, const char *cluster,
	    const char *name, enum phone_state, struct lsc_err *);
/* The newest mark of kind before `before` (0: any); *found = 0 if none. */
int	 store_mark_last(struct store *, const char *kind, int64_t before_mark,
	    int64_t *mark, int64_t *time, int *found, struct lsc_err *);
typedef int	(*store_mark_fn)(void *arg, const char *cluster,
		    const char *name, enum phone_state, struct lsc_err *);
int	 store_each_mark(struct store *, int64_t mark, store_mark_fn, void *,
	    struct lsc_err *);

/* ---- retention ---------------------------------------------------------- */

/* Deletes runs, events, audit rows and marks older than `before`, except
 * the history of phones in a state a report still needs (left behind,
 * failed, needs attention, abandoned, queued, pending) and phones gone
 * earlier than that.  *deleted counts rows removed. */
int	 store_prune(struct store *, int64_t before, unsigned long *deleted,
	    struct lsc_err *);

#endif
