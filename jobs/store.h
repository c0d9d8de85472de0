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

#include "axl/base/err.h"
#include "jobs/policy.h"

#define STORE_FILE		"lscrenew.db"
#define STORE_SCHEMA_VERSION	6

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

int	 store_begin(struct store *, struct lsc_err *);
/* A transaction that only reads (a read-only store takes no other). */
int	 store_begin_read(struct store *, struct lsc_err *);
/*
 * Whether the next transactions are on disk when their commit returns
 * (the default: fsync, so they survive a power cut) or only handed to the
 * system (they survive a crash of the process, not a power cut).  Call
 * outside a transaction.
 */
int	 store_durable(struct store *, int on, struct lsc_err *);
int	 store_commit(struct store *, struct lsc_err *);
void	 store_rollback(struct store *);

/* ---- phones ---------------------------------------------------------- */

struct store_phone {
	int64_t		 id;		/* the row's id; 0 for a new phone */
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
	int64_t		 last_run;	/* last run that saw it in CUCM (a
					   run that read its pool in full,
					   or that wrote the phone) */
	int64_t		 updated;
	struct phone_memory mem;
	char		 damaged[120];	/* read: a state or phase value the
					   store should not hold, and what it
					   was taken for; "" when none */
};

typedef int	(*store_phone_fn)(void *arg, const struct store_phone *,
		    struct lsc_err *);

/* Reads one phone.  *found = 0 when unknown.  Strings are copied into
 * the store's scratch space and stay valid until the next store call
 * that reads a phone or a run. */
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

/* Sets a stored phone's operation phase alone (a cheap mark between two
 * requests).  Call inside a transaction. */
int	 store_phone_phase(struct store *, const char *cluster, const char *name,
	    enum op_phase, struct lsc_err *);

/* Whether writing b over a would change anything a person or a later run
 * reads (every field but id, last_run and updated). */
int	 store_phone_differs(const struct store_phone *a,
	    const struct store_phone *b);

enum store_order {
	STORE_ORDER_NAME,	/* cluster, name */
	STORE_ORDER_URGENCY,	/* soonest LSC expiry first, no-LSC first */
	STORE_ORDER_POOL	/* cluster, pool (NULL as ""), name */
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

/*
 * What the summary counts of a group of phones (one cluster, campaign and
 * pool; NULL text as ""): its phones by state, the renewals within the
 * run [run_from, run_to] and in the 30 days to now, and, leaving out the
 * phones gone from CUCM, the LSCs expired, expiring within 30, 60 and 90
 * days of now (cumulative) and the phones without one.
 */
struct store_tally {
	const char	*cluster, *campaign, *pool;	/* borrowed */
	unsigned long	 phones;
	unsigned long	 state[PS__MAX];
	unsigned long	 renewed_run, renewed_30d;
	unsigned long	 exp30, exp60, exp90, expired, no_lsc;
};

typedef int	(*store_tally_fn)(void *arg, const struct store_tally *,
		    struct lsc_err *);
/* The tallies of the phones f selects (its cluster, campaign and pool),
 * one per group, counted by SQLite, in the order of their keys. */
int	 store_each_tally(struct store *, const struct store_filter *f,
	    int64_t now, int64_t run_from, int64_t run_to, store_tally_fn,
	    void *, struct lsc_err *);

/*
 * When the LSCs of the phones f selects expire, counted per cluster, pool
 * (NULL text as "") and month of expiry (UTC, counted from year 0 as
 * y * 12 + month - 1), in that order; month STORE_NO_LSC for the phones
 * without an LSC, STORE_EXPIRED for those expired by now.  Phones gone
 * from CUCM are left out.
 */
#define STORE_NO_LSC	(-2L)
#define STORE_EXPIRED	(-1L)
typedef int	(*store_expiry_fn)(void *arg, const char *cluster,
		    const char *pool, long month, unsigned long n,
		    struct lsc_err *);
int	 store_each_expiry(struct store *, const struct store_filter *f,
	    int64_t now, store_expiry_fn, void *, struct lsc_err *);

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

/* ---- listings ------------------------------------------------------------ */

/* Records that run read a pool (and name pattern, NULL for all) of a
 * cluster in full: its phones not gone were seen by that run. */
int	 store_listed(struct store *, const char *cluster, const char *pool,
	    const char *name_like, int64_t run, int64_t now, struct lsc_err *);

/*
 * The stored phones of a cluster, not gone and not written by run, that
 * listed(arg, pool, name) says were in a pool read in full and seen(arg,
 * id) says the read did not deliver: deleted from CUCM, or moved out of
 * every pool read.  One pass over the cluster's rows in storage order;
 * the phones are handed to fn once it is done, so fn may rewrite them.
 */
int	 store_each_unseen(struct store *, const char *cluster, int64_t run,
	    int (*listed)(void *, const char *pool, const char *name),
	    int (*seen)(void *, int64_t id), void *arg, store_phone_fn,
	    void *fn_arg, struct lsc_err *);

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

/*
 * The state each phone was in at time `when`, as the events tell it: the
 * new state of its last event at or before `when`.  Phones with no event
 * by then are not reported.  The filter's cluster, campaign and pool apply
 * (campaign and pool as the phone has them now; a phone the store no
 * longer holds matches only a filter without campaign and pool); its
 * states and order are ignored: phones come by cluster, name.  Strings are
 * borrowed for the call.  Events older than the retention period are
 * pruned, so a `when` before it sees only the phones whose history was
 * kept.
 */
int	 store_each_state_at(struct store *, int64_t when,
	    const struct store_filter *, store_mark_fn, void *,
	    struct lsc_err *);

/* ---- retention ---------------------------------------------------------- */

/* Deletes runs, events, audit rows, marks and probes older than `before`,
 * except the history of phones in a state a report still needs (left
 * behind, failed, needs attention, abandoned, queued, pending), each
 * phone's latest probe, and phones gone earlier than that; then the CA
 * certificates no probe refers to.  *deleted counts rows removed. */
int	 store_prune(struct store *, int64_t before, unsigned long *deleted,
	    struct lsc_err *);

#endif
