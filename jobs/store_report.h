/*
 * store_report.h — read-only queries the reports need beyond store.h.
 *
 * Implemented in jobs/store_report.c over the same SQLite handle (SQLite's
 * one home stays jobs/); nothing here writes.
 */
#ifndef LSC_STORE_REPORT_H
#define LSC_STORE_REPORT_H

#include <stdint.h>

#include "axl/err.h"
#include "jobs/store.h"

/*
 * The state each phone was in at time `when`, as the events tell it: the
 * new state of its last event at or before `when`.  Phones with no event
 * by then are not reported.  The filter's cluster, campaign and pool apply
 * (campaign and pool as the phone has them now; a phone the store no
 * longer holds matches only a filter without campaign and pool); its
 * states and order are ignored: phones come by cluster, name.  Strings are
 * borrowed for the call.  Events older than the retention period are
 * pruned, so a `when` before it sees only the phones whose history was
 * kept.  ERR_STORE on failure.
 */
int	 store_each_state_at(struct store *, int64_t when,
	    const struct store_filter *, store_mark_fn, void *,
	    struct lsc_err *);

#endif
