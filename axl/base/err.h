/*
 * err.h — the caller-owned error record every module fills.
 *
 * Modules below cli/ never print and never exit: they return 0 / -1 (or a
 * pointer, NULL on failure) and describe the failure in a struct lsc_err the
 * caller owns.  The message is one line meant for a person, starting with the
 * object, then what was being done, then why:
 *   "SEP001122334455: updatePhone: HTTP 503 (AXL write throttled)".
 * Only cli/ decides what to show and how a kind maps to an exit status.
 */
#ifndef LSC_ERR_H
#define LSC_ERR_H

#include <stddef.h>

enum err_kind {
	ERR_NONE = 0,
	ERR_SYSTEM,	/* local failure: memory, I/O, fork */
	ERR_USAGE,	/* command line misuse */
	ERR_CONFIG,	/* configuration invalid */
	ERR_AUTH,	/* HTTP 401/403: credentials or role */
	ERR_TLS,	/* TLS handshake or certificate verification */
	ERR_NETWORK,	/* resolve, connect, reset, timeout: retryable */
	ERR_THROTTLED,	/* HTTP 503, AXL memory, RIS rate: retry later */
	ERR_TOOLARGE,	/* "Query request too large", response over the cap */
	ERR_NOTFOUND,	/* AXL fault 5003/5007: the object does not exist */
	ERR_FAULT,	/* any other SOAP fault: final, never retried */
	ERR_HTTP,	/* an unexpected HTTP status without a SOAP fault */
	ERR_PARSE,	/* malformed, truncated or hostile reply */
	ERR_STORE,	/* state store (SQLite) failure */
	ERR_LOCKED,	/* another run holds the state directory lock */
	ERR_TIMEOUT,	/* the run's deadline (run_timeout) passed */
	ERR__MAX
};

#define LSC_ERR_MSGLEN 512

struct lsc_err {
	enum err_kind	 kind;
	long		 http_status;	/* 0 when none */
	long		 axl_code;	/* AXL fault <axlcode>, 0 when none */
	long		 retry_after;	/* seconds from Retry-After, -1 none */
	long		 suggest_rows;	/* "Suggestive Row Fetch: less than N" */
	int		 not_applied;	/* the failure proves the request was
					   not acted on (no connection, 503,
					   AXL memory fault): safe to resend */
	char		 msg[LSC_ERR_MSGLEN];
};

/* Clears an error record (kind ERR_NONE, empty message). */
void	 err_clear(struct lsc_err *);

/*
 * Sets kind and a printf-formatted one-line message; returns -1 so callers
 * can write `return err_set(e, ERR_PARSE, "...")`.  Accepts e == NULL.
 * Newlines and control characters in the result are replaced by spaces.
 */
int	 err_set(struct lsc_err *, enum err_kind, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Prefixes the existing message with "prefix: " (for adding the object or
 * the operation as the error travels up).  Returns -1.
 */
int	 err_prefix(struct lsc_err *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
