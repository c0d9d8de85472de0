/*
 * engine_int.h — what the campaign run (engine.c) and its writes to CUCM
 * (engine_write.c) share.  Not for use outside jobs/engine*.c.
 */
#ifndef LSC_ENGINE_INT_H
#define LSC_ENGINE_INT_H

#include "jobs/engine.h"

struct crun {
	struct engine		*eng;
	const struct policy	*pol;
	const struct engine_cluster *cl;
	const char		*pool;		/* the pool being listed */
	unsigned		 queued;	/* operations, this campaign */
	unsigned long		 listed;
	unsigned long		 left;
	int			 in_txn;
	unsigned		 batch;
	int			 fatal;		/* a write error that ends it */
	store_obs_fn		 walker;	/* the pass being walked */
	unsigned		 refused_in_row;/* updatePhone faults */
	unsigned long		 lsc_rows;	/* SQL rows, this pool */
	struct lsc_err		 fatal_err;
};

/* One event per phone for the observer (progress, -v, plan). */
void	 engine_tell(struct crun *, const struct store_phone *,
	    enum phone_state old, enum action, const char *error);

/* Batched store writes: the open transaction, closed every few hundred
 * phones and before any request to CUCM. */
int	 engine_txn_open(struct crun *, struct lsc_err *);
int	 engine_txn_close(struct crun *, struct lsc_err *);
/* Commits a phone (and an audit result when audit != 0) on its own. */
int	 engine_put_now(struct crun *, const struct store_phone *,
	    const struct phone_memory *old, int64_t audit, const char *result,
	    struct lsc_err *);

/*
 * Queues the CAPF operation on a phone (updatePhone, then the phone is
 * told), the intent committed before each request, the outcome after.
 * old is the memory before this run (a fresh one for a phone never seen,
 * then prev is NULL).  A failed write is recorded in the phone and copied
 * into failure; only a store failure returns -1.
 */
int	 engine_queue(struct crun *, const struct store_obs *,
	    const struct phone_memory *old, const struct phone_memory *prev,
	    struct store_phone *, char *failure, size_t, struct lsc_err *);
/* Tells the phone (apply, restart or reset) after its update landed. */
int	 engine_notify(struct crun *, struct store_phone *, char *failure,
	    size_t, struct lsc_err *);

#endif
