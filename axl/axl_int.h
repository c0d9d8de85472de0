/*
 * axl_int.h — what the AXL files (and ris.c) share; not for use outside
 * axl/.
 *
 * axl.c holds the client and the one retried call every request goes
 * through; axl_version.c, axl_read.c and axl_write.c build requests and
 * read replies on top of it.
 */
#ifndef LSC_AXL_INT_H
#define LSC_AXL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "axl/axl.h"
#include "axl/base/buf.h"
#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/http.h"
#include "axl/soap.h"

#define AXL_NS_BASE	"http://www.cisco.com/AXL/API/"

struct axl_client {
	struct http_transport	*http;
	char			*url;
	int			 auto_version;
	int			 ready;		/* version known */
	char			 version[8];
	char			 ns[64];
	unsigned		 page[AXL_OP__MAX];	/* rows a paged read of
						   op starts with: the page
						   size, or the smaller page
						   a re-paged read of this
						   run got through with */
	unsigned		 page_cap;	/* SQL rows per page that
						   CUCM refused more than;
						   0: none yet */
	struct axl_retry	 retry;
	int64_t			 deadline_ms;	/* the run's; 0: none */
	struct lsc_clock	*clock;
	struct axl_stats	*stats;
	struct axl_stats	 own_stats;	/* when the caller keeps none */
	unsigned long long	 seq;
};

/* One request, as axl_call() and the paged reads see it. */
struct axl_request {
	enum axl_op		 op;
	const char		*object;	/* the phone, for messages */
	int			 write;
	int			 pageable;	/* a drop goes to the pager */
	const char		*version;	/* NULL: the client's */
	struct buf		 body;
	struct soap_spec	 spec;
	char			 response[32];	/* spec.response: opResponse */
	/* Results of the last attempt. */
	size_t			 records;
	int			 dropped;	/* cut after the reply began */
	char			 scalar[128];	/* spec.scalars[0] */
};

/* Fixes the schema version ("14.0") and its namespace. */
void	 axl_set_version(struct axl_client *, const char *);

/*
 * Resets r for op and starts its body with the envelope (sequence numbered
 * but for getCCMVersion).  ERR_USAGE before the version is known, unless r
 * names one.
 */
int	 axl_begin(struct axl_client *, struct axl_request *, enum axl_op,
	    struct lsc_err *);
/* Closes the envelope; ERR_SYSTEM when the body could not be built. */
int	 axl_finish_body(struct axl_request *, struct lsc_err *);

/*
 * Sends r until it succeeds or may not be retried: throttling always,
 * network errors for reads or when the write provably was not applied,
 * with bounded, jittered backoff.  Faults are mapped to kinds (ERR_TOOLARGE
 * with suggest_rows, ERR_THROTTLED, ERR_NOTFOUND, ERR_FAULT); a message
 * starts with r->object when set.
 */
int	 axl_call(struct axl_client *, struct axl_request *, struct lsc_err *);

/* ERR_CONFIG, naming the value, when s is not valid UTF-8 for XML. */
int	 axl_check_xml(enum axl_op, const char *what, const char *s,
	    struct lsc_err *);

/* One SOAP exchange, as AXL and RisPort70 both make it. */
struct exchange {
	const char		*url;
	const char		*soapaction;
	enum axl_op		 op;		/* for messages and stats */
	const struct buf	*body;
	int			 no_resend;	/* a write */
	int64_t			 deadline_ms;	/* the run's (mono); 0: none */
	const struct soap_spec	*spec;
	/* results */
	size_t			 records;	/* delivered to the spec */
	int			 dropped;	/* cut after the reply began */
	struct soap_fault	 fault;		/* when 1 is returned */
	char			 scalar[128];	/* spec->scalars[0] */
};

/*
 * Shared with ris.c.  Posts x->body, streams the reply into a parser for
 * x->spec, and counts the exchange in the stats (the requests the
 * transport sent, resent ones included; bytes both ways; the time spent).
 * Returns 0 for a response, 1 for a SOAP fault (in x->fault), -1 with
 * soap_post()'s error otherwise.
 */
int	 axl_exchange(struct http_transport *, struct lsc_clock *,
	    struct axl_stats *, struct exchange *, struct lsc_err *);
/*
 * Whether the run's deadline (mono ms, 0: none) leaves wait_ms: 0 when it
 * does; else -1, with err turned into ERR_TIMEOUT, its message kept (or
 * one naming op, nothing being sent) and so its not_applied.
 */
int	 axl_deadline(struct lsc_clock *, int64_t deadline_ms, int64_t wait_ms,
	    const char *op, struct lsc_err *);
/* The wait before a retry: wait, or Retry-After when longer, under cap. */
int64_t	 axl_retry_wait(const struct lsc_err *, int64_t wait, int64_t cap);
/* Appends " after N attempts" to the message when n > 1. */
void	 axl_err_attempts(struct lsc_err *, int n);

#endif
