/*
 * engine.h — one campaign run: inventory, decide, ask who is online, queue,
 * defer, verify, record.
 *
 * The engine reads CUCM through an axl_client and a ris_client, decides with
 * policy_decide(), writes through axl_update_capf()/axl_notify_phone() and
 * records everything in the store.  Per-phone failures are recorded and the
 * run goes on; only run-level failures (the cluster unreachable, the store
 * failing, inventory impossible) end it.  In plan mode nothing is written to
 * CUCM or to the store.
 */
#ifndef LSC_ENGINE_H
#define LSC_ENGINE_H

#include <stdint.h>

#include "axl/axl.h"
#include "axl/clock.h"
#include "axl/ris.h"
#include "jobs/policy.h"
#include "jobs/store.h"

enum engine_mode {
	ENGINE_RUN,		/* decide, write, record */
	ENGINE_PLAN		/* decide only; no writes anywhere */
};

/* What happened to one phone, for progress, -v and plan output. */
struct engine_phone_event {
	const char		*cluster;
	const char		*campaign;
	const char		*pool;
	const char		*name;
	enum phone_state	 old_state;	/* PS__MAX: never seen */
	enum phone_state	 new_state;
	enum action		 action;
	const char		*reason;
	const char		*error;		/* a write that failed */
};

/* Progress per pool (phones read, queued, left behind). */
struct engine_progress {
	const char	*campaign;
	const char	*pool;
	const char	*stage;		/* "listing", "registration",
					   "queueing", "done" */
	unsigned long	 phones;
	unsigned long	 queued;
	unsigned long	 left_behind;
};

struct engine_observer {
	void	(*phone)(void *arg, const struct engine_phone_event *);
	void	(*progress)(void *arg, const struct engine_progress *);
	void	*arg;
};

/* A cluster as the engine sees it: connected clients (borrowed). */
struct engine_cluster {
	const char		*name;
	struct axl_client	*axl;
	struct ris_client	*ris;
};

struct engine {
	enum engine_mode	 mode;
	struct store		*store;
	int64_t			 run;		/* store run id (RUN mode) */
	int64_t			 now;		/* the run's notion of now */
	struct lsc_clock	*clock;		/* pacing writes per minute */
	const struct engine_observer *observer;	/* may be NULL */
	struct store_counts	 counts;	/* accumulated over campaigns */
	int64_t			 last_write_ms;	/* pacing (monotonic) */
	int64_t			 start_ms;	/* monotonic, at the first
						   campaign (for the window) */
	int			 writes_blocked;/* the cluster refuses writes
						   in this run */
};

/*
 * Runs one campaign against its cluster.  Returns 0 when the campaign ran
 * to the end (per-phone failures are counted in eng->counts.errors and
 * recorded), -1 on a run-level failure with the error filled.
 */
int	 engine_campaign(struct engine *, const struct policy *,
	    const struct engine_cluster *, struct lsc_err *);

/*
 * After all campaigns: phones of the pools listed in full that no campaign
 * saw are recorded as gone, then every stored phone is counted by state
 * into eng->counts.state (so a run's totals describe the whole store).
 */
int	 engine_finish(struct engine *, struct lsc_err *);

#endif
