/*
 * engine.h — a run over one cluster: its inventory read once for all its
 * campaigns, each phone decided as it arrives, RisPort70 asked about the
 * phones whose fate depends on it, CAPF operations queued, everything
 * recorded.
 *
 * The engine reads CUCM through an axl_client and a ris_client, decides
 * with policy_decide(), writes through axl_update_capf()/axl_notify_phone()
 * and records in the store only the phones whose record changed.  Every
 * write's intent is on disk before its request leaves.  Per-phone failures
 * are recorded and the run goes on; only run-level failures (the cluster
 * unreachable, the store failing, the inventory impossible) end it.  In
 * plan mode nothing is written to CUCM or to the store.
 */
#ifndef LSC_ENGINE_H
#define LSC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "axl/axl.h"
#include "axl/base/clock.h"
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

/* Progress of a cluster's run. */
struct engine_progress {
	const char	*cluster;
	const char	*stage;		/* "reading", "writing", "done" */
	unsigned long	 phones;	/* read so far */
	unsigned long	 expected;	/* counted by CUCM; 0 unknown */
	unsigned long	 queued;
	unsigned long	 left_behind;
};

struct engine_observer {
	void	(*phone)(void *arg, const struct engine_phone_event *);
	void	(*progress)(void *arg, const struct engine_progress *);
	/* something said of a cluster (the listPhone fallback, a damaged
	 * row of the store) */
	void	(*note)(void *arg, const char *cluster, const char *what);
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
	struct lsc_clock	*clock;		/* pacing, the window, the
						   deadline */
	const struct engine_observer *observer;	/* may be NULL */
	int64_t			 deadline_ms;	/* monotonic: the run stops
						   reading and writing then
						   (run_timeout); 0: never */
	struct store_counts	 counts;	/* accumulated over clusters */
	int64_t			 last_write_ms;	/* pacing (monotonic) */
	int64_t			 start_ms;	/* monotonic, at the first
						   cluster (for the window) */
	int			 writes_blocked;/* the cluster refuses writes
						   in this run */
	unsigned		 probe_port;	/* confirm_on_phone: the phones'
						   web servers, and */
	unsigned		 probe_concurrency;/* [global]'s, where a
						   campaign sets none */
	unsigned		 probe_rate;
};

/*
 * Runs the campaigns pols[0..n) (in configuration order: a phone two
 * campaigns name belongs to the first) over their cluster cl, reading its
 * inventory once.  Returns 0 when every phone was read and decided
 * (per-phone failures are counted in eng->counts.errors and recorded), -1
 * on a run-level failure with the error filled: ERR_STORE, the cluster's
 * errors, ERR_TIMEOUT when run_timeout stopped it (what was done is
 * recorded; phones not read are not taken for gone).
 */
int	 engine_cluster(struct engine *, const struct policy *const *pols,
	    size_t n, const struct engine_cluster *, struct lsc_err *);

/* After all clusters: every stored phone counted by state into
 * eng->counts.state (so a run's totals describe the whole store). */
int	 engine_finish(struct engine *, struct lsc_err *);

#endif
