/*
 * http.h — the HTTP transport seam.
 *
 * A struct http_transport posts one SOAP request and streams the response
 * body to a sink.  The libcurl implementation (http_curl.c) is the only code
 * that knows libcurl; unit tests use a fake (tests/unit/fake_http.c).
 *
 * Contract of post():
 *  - The body of a response with status 200 or 500 (where SOAP faults live)
 *    is passed to the sink in chunks as it arrives; other statuses are not
 *    passed to the sink (their first bytes are kept for the error message).
 *  - It returns 0 when a complete response was received (any status; the
 *    status is in resp->status) and -1 on a transport failure (ERR_TLS,
 *    ERR_NETWORK, ERR_TOOLARGE for a body over the cap, ERR_SYSTEM), or when
 *    the sink returned -1 (the sink's error record is left as it was).
 *  - A request is sent once.  When a kept-alive connection dies after the
 *    request left and before one byte of reply came back, libcurl would
 *    send it again on a fresh connection: that is allowed for a request
 *    that may be repeated (counted in resp->resent), and refused for one
 *    marked no_resend (a write the cluster may already have acted on): the
 *    post then fails with ERR_NETWORK, not_applied 0 (outcome unknown).
 *  - A failure sets err->not_applied only when not one byte of the request
 *    body was handed to a connection: then the server cannot have acted on
 *    it.  Every attempt within the post counts, so a resend whose connect,
 *    name resolution or TLS handshake fails after the body left on the
 *    dead connection leaves not_applied 0.  (The attempt answered 401/404
 *    below was answered, so only the one resent with credentials counts.)
 *  - Authentication and the session: the implementation sends HTTP Basic
 *    credentials (never in a URL, never logged) on the first request, then
 *    relies on the JSESSIONIDSSO cookie the server set.  When a request made
 *    with only the cookie is answered 401 or 404 (CUCM's answer to an idle
 *    session), it is resent once with credentials, without calling the sink
 *    for the rejected answer.  A 401 to a request with credentials is
 *    reported as resp->status 401 (the caller maps it to ERR_AUTH).
 */
#ifndef LSC_HTTP_H
#define LSC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "axl/base/err.h"

struct http_request {
	const char	*url;		/* https://host:port/path */
	const char	*soapaction;	/* sent quoted: SOAPAction: "..." */
	const char	*body;
	size_t		 body_len;
	const char	*op;		/* operation name, for messages/stats */
	int		 no_resend;	/* never sent twice (writes) */
	long		 timeout_ms;	/* this request's, when shorter than
					   the transport's; 0: that one */
};

struct http_response {
	long		 status;	/* HTTP status, 0 when none */
	long		 retry_after;	/* seconds, -1 when absent */
	uint64_t	 bytes;		/* body bytes received (decoded) */
	unsigned	 resent;	/* requests sent again within this
					   post (a dead kept-alive connection,
					   an idle session): each one reached
					   the server, so each is a call */
	char		 snippet[160];	/* start of a non-SOAP body, printable */
};

/* Receives body bytes; returns 0 to go on, -1 to abort the transfer. */
typedef int	(*http_sink_fn)(void *arg, const char *data, size_t len);

/* Called with each request and response body at the most verbose level. */
typedef void	(*http_trace_fn)(void *arg, const char *what, const char *data,
		    size_t len);

struct http_transport {
	int	(*post)(struct http_transport *, const struct http_request *,
		    http_sink_fn, void *sink_arg, struct http_response *,
		    struct lsc_err *);
	void	(*free)(struct http_transport *);
};

struct http_options {
	const char	*ca_file;	/* PEM bundle; NULL: see ca_path */
	const char	*ca_path;	/* hashed directory; NULL and no
					   ca_file: the system store */
	const char	*proxy;		/* "http://host:port"; NULL: none,
					   whatever the environment says */
	const char	*username;
	const char	*password;	/* copied; the copy is wiped at free */
	long		 connect_timeout_ms;
	long		 timeout_ms;	/* whole request */
	uint64_t	 max_response;	/* body cap in bytes */
	http_trace_fn	 trace;		/* NULL: no tracing */
	void		*trace_arg;
};

/*
 * Creates the libcurl transport: HTTPS only, peer and host verification
 * always on, TLS 1.2 or newer, one kept-alive connection, gzip accepted,
 * the cookie engine on, the proxy given or none (the proxy variables of
 * the environment are never read).  Errors of a request sent through the
 * proxy name it.  Returns NULL and fills the error on failure.
 * Free with http_free().
 */
struct http_transport *http_curl_new(const struct http_options *,
	    struct lsc_err *);

/* Frees any transport; accepts NULL. */
void	 http_free(struct http_transport *);

/* Global libcurl set-up/tear-down; call once from main. */
int	 http_global_init(struct lsc_err *);
void	 http_global_cleanup(void);

#endif
