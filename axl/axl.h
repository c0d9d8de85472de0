/*
 * axl.h — the AXL operations lscrenew needs, economical with the cluster.
 *
 * One struct axl_client per cluster.  Reads are paged (listPhone skip/first,
 * executeSQLQuery SKIP/FIRST) and streamed to callbacks, so memory is bounded
 * by one record; a "Query request too large ... Suggestive Row Fetch" fault
 * or a connection dropped mid-page shrinks the page and retries it.  Reads
 * are retried on network errors and throttling; writes only when the error
 * proves the write was not applied (err.not_applied).  Faults are final.
 * SOAPAction and the body namespace always name the same version.
 *
 * Callbacks may be called again for records of a page that is re-read after
 * a failure: consumers must be idempotent (keyed by device name).
 */
#ifndef LSC_AXL_H
#define LSC_AXL_H

#include <stdint.h>

#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/http.h"

enum axl_op {
	AXL_OP_GETCCMVERSION,
	AXL_OP_LISTPHONE,
	AXL_OP_EXECUTESQLQUERY,
	AXL_OP_UPDATEPHONE,
	AXL_OP_APPLYPHONE,
	AXL_OP_RESTARTPHONE,
	AXL_OP_RESETPHONE,
	AXL_OP_SELECTCMDEVICE,
	AXL_OP__MAX
};

/* The SOAP operation name ("listPhone", ...). */
const char *axl_op_name(enum axl_op);

/* Counters one run accumulates over AXL and RisPort70 (caller-owned). */
struct axl_stats {
	unsigned long	 calls[AXL_OP__MAX];	/* requests sent, retries
						   included */
	unsigned long	 retries;
	unsigned long	 faults;
	uint64_t	 bytes_in;		/* response bodies */
	uint64_t	 bytes_out;		/* request bodies */
	int64_t		 busy_ms;		/* waiting on the cluster */
	int64_t		 slept_ms;		/* waiting on purpose: pacing,
						   backoff */
};

struct axl_retry {
	int		 attempts;	/* per request, >= 1 (default 5) */
	int64_t		 base_ms;	/* first backoff (default 2000) */
	int64_t		 cap_ms;	/* largest single wait (30000) */
	int64_t		 budget_ms;	/* total waiting per request (120000) */
};

struct axl_options {
	const char	*url;		/* "https://host:8443/axl/" */
	const char	*version;	/* "auto", "12.5", "14.0", "15.0" */
	unsigned	 page_size;	/* rows per page (default 1000) */
	struct axl_retry retry;
	struct lsc_clock *clock;	/* NULL: clock_real() */
	struct axl_stats *stats;	/* NULL: none kept */
};

struct axl_client;

/*
 * Creates a client over a transport (borrowed: it must outlive the client).
 * Does not talk to the cluster; see axl_connect().
 */
struct axl_client *axl_new(struct http_transport *, const struct axl_options *,
	    struct lsc_err *);
void	 axl_free(struct axl_client *);

/*
 * Sets the run's deadline, in the client clock's monotonic ms (0: none): no
 * request outlasts it and none is retried past it; a request it cuts short
 * or stops fails with ERR_TIMEOUT ("...; run_timeout reached"), not_applied
 * as the request left it.
 */
void	 axl_set_deadline(struct axl_client *, int64_t mono_ms);

/*
 * Asks getCCMVersion (with schema 12.5, which every supported release
 * accepts) and fixes the schema version: for "auto" the highest of 15.0,
 * 14.0, 12.5 the release accepts; for a fixed version, checks the release
 * accepts it.  Fails with ERR_AUTH, ERR_TLS, ERR_NETWORK, ERR_FAULT (release
 * older than 12.5 or version not accepted).  The release string ("14.0.1.
 * 13900-155") is copied into release (may be NULL).
 */
int	 axl_connect(struct axl_client *, char *release, size_t releaselen,
	    struct lsc_err *);

/* The schema version in use ("14.0"); borrowed. */
const char *axl_version(const struct axl_client *);

/*
 * A phone of the inventory, every pointer borrowed for the call.  From the
 * SQL stream every field is filled (have_lsc 1); from listPhone, the
 * fallback, the database columns are not (have_lsc 0: validity unknown).
 */
struct axl_phone {
	const char	*name;
	const char	*description;
	const char	*model;
	const char	*device_pool;
	const char	*cert_operation;	/* XCertificateOperation */
	const char	*cert_status;		/* XCertificateStatus */
	const char	*finish_time;		/* upgradeFinishTime, as sent */
	int		 have_lsc;
	int64_t		 lsc_valid_until;	/* device.lscvaliduntil; 0 none */
	const char	*lsc_issuer;		/* NULL: none */
	const char	*last_ip;		/* registrationdynamic; NULL */
	const char	*last_node;
	int64_t		 last_seen;		/* epoch; 0 unknown */
};
typedef int	(*axl_phone_fn)(void *arg, const struct axl_phone *,
		    struct lsc_err *);

/*
 * Lists the phones of a device pool (and, when name_like is not NULL, whose
 * name matches that AXL pattern, % as wildcard) with listPhone, page by
 * page: CAPF state only (have_lsc 0).  Costs ceil(N / page) calls.
 */
int	 axl_list_phones(struct axl_client *, const char *pool,
	    const char *name_like, axl_phone_fn, void *, struct lsc_err *);

/* A device pool to read, and a name pattern within it (NULL: all). */
struct axl_selector {
	const char	*pool;
	const char	*name_like;
};

/* Called between two pages of the inventory: the client is idle, so the
 * caller may send other requests (RisPort70, writes).  -1 stops the read. */
typedef int	(*axl_pause_fn)(void *arg, struct lsc_err *);

struct axl_inventory_info {
	unsigned long	 expected;	/* phones CUCM counted; 0: unknown */
	unsigned long	 read;		/* phones delivered */
	int		 fallback;	/* read with listPhone: no LSC data */
	char		 why[LSC_ERR_MSGLEN];	/* why SQL could not be used */
};

/*
 * Reads every phone of the selectors in one executeSQLQuery stream (the
 * device joined with its pool, model, CAPF operation and status names,
 * LSC columns and last registration), pools named in the query, ordered
 * by name and paged by key (d.name > the last one delivered), each page
 * sized from the bytes a row took under a 2 MB reply.  A "Query request
 * too large" fault or a reply dropped mid-way asks again from the last
 * phone delivered with a smaller page, so no phone is delivered twice.
 * The population is counted first (one call) and bounds the read: a
 * cluster that keeps sending rows past it fails the read (ERR_PARSE).
 * When CUCM refuses the query before any phone came (a fault or HTTP
 * 401/403: no SQL right, a data dictionary without these columns), it
 * falls back to listPhone per selector, says so in info, and delivers
 * phones with have_lsc 0.  Between pages it calls pause (may be NULL).
 */
int	 axl_inventory(struct axl_client *, const struct axl_selector *,
	    size_t n, axl_phone_fn, axl_pause_fn, void *arg,
	    struct axl_inventory_info *, struct lsc_err *);

/* Whether a device pool of that exact name exists (executeSQLQuery). */
int	 axl_pool_exists(struct axl_client *, const char *pool, int *exists,
	    struct lsc_err *);

/*
 * Whether the account may write, learnt without changing anything: an
 * updatePhone of a device name that cannot exist answers "not found" to a
 * writer and HTTP 401 to a read-only account.
 */
int	 axl_can_write(struct axl_client *, int *can, struct lsc_err *);

/* The CAPF certificate operation to set on a phone (XSD enum values). */
struct axl_capf {
	const char	*operation;	/* "Install/Upgrade" */
	const char	*auth_mode;	/* XAuthenticationMode */
	const char	*auth_string;	/* only with "By Authentication
					   String"; else NULL */
	const char	*key_order;	/* XKeyOrder; NULL: not sent */
	const char	*key_size;	/* XKeySize; NULL: not sent */
	const char	*ec_key_size;	/* XECKeySize; NULL: not sent */
	const char	*finish_time;	/* "YYYY:MM:DD:HH:MM" */
};

/* updatePhone with the CAPF fields.  ERR_NOTFOUND for an unknown phone. */
int	 axl_update_capf(struct axl_client *, const char *name,
	    const struct axl_capf *, struct lsc_err *);

/* In the order of their operations in enum axl_op. */
enum axl_notify {
	AXL_NOTIFY_APPLY,
	AXL_NOTIFY_RESTART,
	AXL_NOTIFY_RESET,
	AXL_NOTIFY__MAX
};
_Static_assert(AXL_OP_RESETPHONE - AXL_OP_APPLYPHONE == AXL_NOTIFY_RESET &&
    AXL_OP_RESTARTPHONE - AXL_OP_APPLYPHONE == AXL_NOTIFY_RESTART,
    "enum axl_notify follows enum axl_op");
/* The operation that tells a phone so. */
#define AXL_NOTIFY_OP(n)	((enum axl_op)(AXL_OP_APPLYPHONE + (int)(n)))

/* applyPhone, restartPhone or resetPhone by name. */
int	 axl_notify_phone(struct axl_client *, const char *name,
	    enum axl_notify, struct lsc_err *);

/* Formats an epoch as an upgradeFinishTime ("YYYY:MM:DD:HH:MM", UTC). */
int	 axl_format_finish_time(int64_t epoch, char *out, size_t outlen);
/* Parses one; -1 when malformed. */
int	 axl_parse_finish_time(const char *, int64_t *epoch);

#endif
