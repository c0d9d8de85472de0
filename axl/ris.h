/*
 * ris.h — RisPort70 selectCmDevice: who is registered, asked economically.
 *
 * Only the names the caller gives are asked, at most 1000 per call, calls
 * paced under the configured rate, and only for registered devices
 * (Status Registered): a name not reported is not registered now.  An
 * answer cut short at MaxReturnedDevices (a device reported by several
 * nodes counts once per node) is asked again with fewer names, and the
 * smaller number is kept.  A device reported by several nodes is merged:
 * a Registered entry wins, otherwise the newest TimeStamp.  The rate-limit
 * fault ("Exceeded allowed rate for Reatime information") waits and
 * retries, bounded.
 */
#ifndef LSC_RIS_H
#define LSC_RIS_H

#include <stddef.h>
#include <stdint.h>

#include "axl/axl.h"

struct ris_options {
	const char	*url;	/* https://host:8443/realtimeservice2/
				   services/RISService70 */
	double		 rate_per_minute;	/* pacing (default 12) */
	unsigned	 max_names;		/* per call (default 1000) */
	int		 attempts;		/* on rate-limit/network (4) */
	int64_t		 rate_wait_ms;		/* after a rate fault (30000) */
	struct lsc_clock *clock;		/* NULL: clock_real() */
	struct axl_stats *stats;		/* NULL: none kept */
};

/* The merged answer for one device; pointers borrowed for the call. */
struct ris_device {
	const char	*name;
	int		 registered;	/* Status == Registered */
	const char	*status;	/* CmDevRegStat as reported */
	const char	*ip;		/* first IPv4 address; NULL none */
	const char	*node;		/* CmNode Name */
	int64_t		 timestamp;	/* TimeStamp, epoch */
};
typedef int	(*ris_device_fn)(void *arg, const struct ris_device *,
		    struct lsc_err *);

struct ris_client;

/* Transport borrowed.  NULL on failure. */
struct ris_client *ris_new(struct http_transport *, const struct ris_options *,
	    struct lsc_err *);
void	 ris_free(struct ris_client *);

/* The run's deadline, as axl_set_deadline() (ERR_TIMEOUT past it). */
void	 ris_set_deadline(struct ris_client *, int64_t mono_ms);

/*
 * Asks the registration of the given device names (borrowed), in chunks of
 * max_names, calling fn once per device the cluster knows.  A name the
 * cluster does not report is not registered anywhere (fn is not called).
 * Costs ceil(n / max_names) calls plus retries.
 */
int	 ris_select(struct ris_client *, const char *const *names, size_t n,
	    ris_device_fn, void *, struct lsc_err *);

/* Checks reachability and rights with a one-name query. */
int	 ris_ping(struct ris_client *, struct lsc_err *);

#endif
