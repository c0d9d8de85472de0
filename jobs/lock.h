/*
 * lock.h — one run at a time per state directory.
 *
 * A non-blocking flock(2) on <state_dir>/lock.  The holder writes its pid
 * and start time into the file, so a second run can say who holds it.  The
 * lock dies with the process (SIGKILL included): no stale lock to clean.
 */
#ifndef LSC_LOCK_H
#define LSC_LOCK_H

#include <stdint.h>

#include "axl/base/err.h"

struct lsc_lock;

/*
 * Takes the lock.  On contention returns NULL with ERR_LOCKED and a message
 * "state directory /var/lib/lscrenew is in use by pid 1234 since
 * 2026-11-27 03:00:12 UTC"; other failures ERR_SYSTEM.
 */
struct lsc_lock *lock_acquire(const char *state_dir, int64_t now,
	    struct lsc_err *);

/* Releases it; accepts NULL. */
void	 lock_release(struct lsc_lock *);

#endif
