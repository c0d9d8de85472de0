/*
 * engine_int.h — what the engine's files share; not for use outside jobs/.
 *
 * engine.c reads the inventory and decides; write.c sends the writes a
 * decision asks for; record.c (below both) turns what CUCM said into a
 * phone's row and records it.  Dependencies run engine.c -> write.c ->
 * record.c, and engine.c -> record.c.
 */
#ifndef LSC_ENGINE_INT_H
#define LSC_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "jobs/engine.h"

/*
 * A phone as the inventory gave it (and RisPort70, once asked), owned by
 * the run until it is decided: its strings live in the same block.
 */
struct cand {
	size_t		 pol;		/* the campaign it belongs to */
	const char	*name;
	const char	*description;
	const char	*pool;
	const char	*model;
	const char	*cert_operation;
	const char	*cert_status;
	const char	*lsc_issuer;
	const char	*db_ip;		/* registrationdynamic */
	const char	*db_node;
	int64_t		 db_seen;
	int64_t		 finish_time;	/* upgradeFinishTime; 0 none */
	int64_t		 lsc_valid_until;
	int		 have_lsc;
	enum reg_state	 reg;		/* what RisPort70 said */
	char		*reg_ip;
	char		*reg_node;
	int64_t		 reg_time;
	char		*last_ip;	/* the row's, once decided */
	char		*last_node;
	char		*kept_issuer;	/* the stored one, without LSC data */
	enum phone_side	 side;		/* confirm_on_phone: the probe */
	int		 side_mic;
	int64_t		 side_not_after;
	char		 side_why[160];
};

/* A write to send: the phone's row as it is to be once the write lands. */
struct wentry {
	struct cand		*c;
	const struct policy	*pol;
	int			 known;		/* old is the stored memory */
	struct phone_memory	 old;		/* before this run */
	struct store_phone	 p;		/* strings borrowed from c */
	enum action		 act;		/* ACT_QUEUE or ACT_NOTIFY */
	int64_t			 audit;		/* the request in flight */
	int64_t			 audit_apply;	/* an applyPhone intended with
						   the update */
	int			 notify;	/* the phone is to be told */
	char			 error[LSC_ERR_MSGLEN];
};

struct heap;

/* One cluster's run. */
struct crun {
	struct engine		*eng;
	const struct engine_cluster *cl;
	const struct policy *const *pols;
	size_t			 npols;
	unsigned		*queued;	/* operations, per campaign */
	struct heap		*heaps;		/* per campaign with a limit */
	struct pool_map		*map;
	size_t			 nmap;
	unsigned long		 listed;
	unsigned long		 expected;
	unsigned long		 left;
	int			 in_txn;
	int			 durable;	/* the open transaction's kind */
	unsigned		 batch;
	int			 fatal;		/* a write error that ends it */
	struct lsc_err		 fatal_err;
	unsigned		 refused_in_row;/* updatePhone refusals */
	struct cand		**want;		/* waiting for RisPort70 */
	size_t			 nwant, capwant;
	struct wentry		*writes;	/* waiting to be sent */
	size_t			 nwrites, capwrites;
	struct cand		**probes;	/* to confirm on the phone */
	size_t			 nprobes, capprobes;
	struct probe		*prober;	/* made when first needed */
	unsigned char		*seen;		/* bitmap by phone id */
	size_t			 seen_len;
};

/* --- record.c ----------------------------------------------------------- */

/* A copy of what the inventory says of a phone; NULL when out of memory. */
struct cand *cand_new(size_t pol, const struct axl_phone *);
void	 cand_free(struct cand *);
/* Appends c to *v (n used, cap allocated) and takes it (freed when out of
 * memory). */
/* Milliseconds left before run_timeout (INT64_MAX: no deadline). */
static inline int64_t
run_left_ms(const struct engine *eng)
{
	if (eng->deadline_ms <= 0 || eng->clock == NULL)
		return INT64_MAX;
	return eng->deadline_ms - eng->clock->mono_ms(eng->clock);
}

int	 cand_push(struct cand ***v, size_t *n, size_t *cap, struct cand *,
	    struct lsc_err *);
/* What CUCM says of the phone in this run. */
void	 cand_observation(const struct cand *, struct observation *);
/* The row as this run saw it, with memory m; old is the stored row or
 * NULL.  Strings are borrowed from c (which keeps copies of old's). */
int	 cand_phone(struct crun *, struct cand *, const struct store_phone *old,
	    const struct phone_memory *m, struct store_phone *,
	    struct lsc_err *);

/* The context of a decision for campaign pol, now. */
void	 run_ctx(struct crun *, const struct policy *, struct policy_ctx *);

/* The batch transaction: open while phones are decided (a plan's only
 * reads), closed (committed) before requests that need it and at every
 * pause.  rec_open() opens one if none is; rec_open_as() closes one of
 * the other kind first: durable (on disk at its commit: the intents of
 * writes) or not (handed to the system: it survives a crash of the
 * process; the rest). */
int	 rec_open(struct crun *, struct lsc_err *);
int	 rec_open_as(struct crun *, int durable, struct lsc_err *);
int	 rec_close(struct crun *, struct lsc_err *);
/* Rolls the batch back after a failed write in it; returns -1. */
int	 rec_abort(struct crun *);
/* Writes p when it differs from old (NULL: a new phone), in the batch. */
int	 rec_put(struct crun *, const struct store_phone *,
	    const struct store_phone *old, const struct phone_memory *oldmem,
	    struct lsc_err *);
/* One event per phone for the observer (progress, -v, plan). */
void	 rec_tell(struct crun *, const struct store_phone *,
	    enum phone_state old, enum action, const char *error);

/* --- confirm.c ---------------------------------------------------------- */

/*
 * Probes the phones taken (their RisPort70 address, the campaign's
 * concurrency and rate, never past the run's deadline), records each
 * probe and sets each phone's side; the phones stay in r->probes for the
 * caller to decide again.  Returns 0, or -1 when the store fails.
 */
int	 confirm_probe(struct crun *, struct lsc_err *);
void	 confirm_free(struct crun *);

/* --- write.c ------------------------------------------------------------ */

/*
 * Takes a write to send (and c with it).  old is the stored row or NULL;
 * p the row as decided (for ACT_QUEUE: queued, phase sending).
 */
int	 write_add(struct crun *, struct cand *, const struct policy *,
	    const struct store_phone *old, const struct store_phone *p,
	    enum action, struct lsc_err *);
/*
 * Sends the writes taken, in groups: the intents of a group committed to
 * disk at once, then its updatePhone requests, the outcomes and the
 * intents to tell the phones committed, then the apply/restart/reset
 * requests.  A write that fails is recorded in its phone; only a store
 * failure, or the deadline, returns -1.
 */
int	 write_flush(struct crun *, struct lsc_err *);
void	 write_free(struct crun *);

#endif
