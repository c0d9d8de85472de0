/*
 * fake_http.h — a scripted struct http_transport and a recording struct
 * lsc_clock for unit tests.
 *
 * The fake transport replays replies in order (status, Retry-After, body
 * delivered to the sink in chunks of a chosen size, or a transport failure,
 * possibly after part of the body) and records every request it was given.
 * The fake clock never sleeps: it records each sleep and advances its own
 * monotonic time by it.
 */
#ifndef LSC_FAKE_HTTP_H
#define LSC_FAKE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "axl/base/clock.h"
#include "axl/base/err.h"
#include "axl/http.h"

/* A short stable name for an error kind ("network", "throttled", ...),
 * for the tests' messages. */
const char *err_kind_name(enum err_kind);

#define FAKE_CHUNK_RANDOM	((size_t)-1)	/* 1..64 bytes, seeded */
#define FAKE_MAX_SLEEPS		256

struct fake_reply {
	long		 status;	/* 0 with fail set: no response */
	long		 retry_after;	/* -1: none (0 is taken as -1 unless
					   retry_after_set) */
	int		 retry_after_set;
	const char	*body;		/* copied when pushed */
	size_t		 body_len;	/* 0: strlen(body) */
	size_t		 chunk;		/* 0: all at once */
	enum err_kind	 fail;		/* ERR_NONE: a complete response */
	int		 not_applied;
	size_t		 fail_after;	/* body bytes delivered before fail */
	unsigned	 resent;	/* as resp->resent: the transport sent
					   the request this many times more */
};

struct fake_request {
	char		*url;
	char		*soapaction;
	char		*body;
	char		*op;
	int		 no_resend;
};

struct fake_http {
	struct http_transport	 t;		/* first */
	struct fake_reply	*replies;
	size_t			 nreplies, next;
	struct fake_request	*reqs;
	size_t			 nreqs;
	unsigned		 seed;
	struct fake_clock	*clock;		/* advanced by latency_ms */
	int64_t			 latency_ms;
};

struct fake_clock {
	struct lsc_clock	 c;		/* first */
	int64_t			 now;
	int64_t			 sleeps[FAKE_MAX_SLEEPS];
	size_t			 nsleeps;
	double			 rnd;		/* what random() returns */
};

struct fake_http *fake_http_new(void);
void	 fake_http_free(struct fake_http *);
/* Queues a reply (body copied). */
void	 fake_http_push(struct fake_http *, const struct fake_reply *);
/* Queues a 200 (or status) reply with body, delivered in chunk bytes. */
void	 fake_http_push_body(struct fake_http *, long status,
	    const char *body, size_t chunk);
/* Queues copies of a 200 reply holding any bytes, delivered in chunks of
 * 1 to 64 bytes as its first byte says (the fuzz targets' input). */
void	 fake_http_push_bytes(struct fake_http *, const void *data,
	    size_t len, int copies);
/* Queues a transport failure of kind, not_applied as given. */
void	 fake_http_push_fail(struct fake_http *, enum err_kind,
	    int not_applied);
/* The i-th request's body, or NULL. */
const char *fake_http_body(const struct fake_http *, size_t);
size_t	 fake_http_remaining(const struct fake_http *);

void	 fake_clock_init(struct fake_clock *);
int64_t	 fake_clock_total(const struct fake_clock *);

/*
 * Reads tests/fixtures/<rel> (LSCRENEW_FIXTURES, else "tests/fixtures");
 * aborts the test program when missing.  Caller frees.
 */
char	*fixture_load(const char *rel, size_t *len);

/* Counts non-overlapping occurrences of needle in hay. */
size_t	 count_substr(const char *hay, const char *needle);

#endif
