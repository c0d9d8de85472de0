/*
 * soap.h — SOAP 1.1 envelopes out, streamed records and faults in (libxml2).
 *
 * Responses are parsed with libxml2's SAX2 push parser fed straight from the
 * transport, so memory is bounded by one record, never by the reply.  The
 * parser refuses any DOCTYPE (SOAP forbids one), never loads anything from
 * the network and never expands entities; nesting depth, value length and
 * the number of values per record are capped.
 *
 * A reply is described by a struct soap_spec: the path (local names, from
 * the Body's child down) of a repeated record element, the leaf paths wanted
 * inside each record (relative, "/"-separated, "@attr" for an attribute of
 * the record element), and optional "context" leaves outside records whose
 * latest value is handed to every later record (RisPort's node name).
 */
#ifndef LSC_SOAP_H
#define LSC_SOAP_H

#include <stddef.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/http.h"

#define SOAP_ENV_NS	"http://schemas.xmlsoap.org/soap/envelope/"

/* Limits enforced while parsing. */
#define SOAP_MAX_DEPTH		64
#define SOAP_MAX_VALUE		8192	/* bytes of one leaf value */
#define SOAP_MAX_FIELDS		32

/*
 * Starts an envelope: XML declaration, Envelope with the soapenv prefix and
 * "ns" bound to body_ns, empty Header, Body, and the opening operation
 * element <ns:OP> (with sequence="N" when seq != 0).
 */
int	 soap_begin(struct buf *, const char *body_ns, const char *op,
	    unsigned long long seq);
/* Closes the operation element, Body and Envelope. */
int	 soap_end(struct buf *, const char *op);
/*
 * The same with another prefix for body_ns: RisPort70's children are
 * qualified, and Cisco's examples write them soap:StateInfo etc.
 */
int	 soap_begin_ns(struct buf *, const char *prefix, const char *body_ns,
	    const char *op, unsigned long long seq);
int	 soap_end_ns(struct buf *, const char *prefix, const char *op);
/* Appends <name>escaped text</name>; nothing when text is NULL. */
int	 soap_elem(struct buf *, const char *name, const char *text);
/* Same, with the "prefix:" qualified name (RisPort is qualified). */
int	 soap_elem_ns(struct buf *, const char *prefix, const char *name,
	    const char *text);

/* A parsed SOAP fault. */
struct soap_fault {
	char	faultcode[64];
	char	faultstring[512];
	long	axlcode;		/* 0 when absent */
	char	axlmessage[512];
	char	request[64];
};

/* One record: values[i] answers spec->fields[i]; NULL when absent. */
struct soap_record {
	const char *const	*values;
	const char *const	*context;	/* answers spec->context[i] */
	size_t			 index;		/* 0-based within the reply */
};

/* Called per record; return 0 to go on, -1 to stop (fill the error). */
typedef int	(*soap_record_fn)(void *arg, const struct soap_record *,
		    struct lsc_err *);

struct soap_spec {
	const char		*ns;		/* expected namespace of the
						   Body child; NULL: any */
	const char		*response;	/* local name, e.g.
						   "listPhoneResponse" */
	const char *const	*record;	/* path below the response
						   element, NULL-terminated */
	const char *const	*fields;	/* NULL-terminated */
	const char *const	*context;	/* paths below the response
						   element; may be NULL */
	const char *const	*scalars;	/* single values outside
						   records; may be NULL */
	soap_record_fn		 on_record;
	void			*arg;
};

struct soap_parser;

/* Creates a parser for one reply; NULL on allocation failure. */
struct soap_parser *soap_parser_new(const struct soap_spec *,
	    struct lsc_err *);

/* Feeds bytes as they arrive; -1 with ERR_PARSE on malformed or hostile
 * input, or whatever the record callback reported. */
int	 soap_parser_feed(struct soap_parser *, const char *, size_t,
	    struct lsc_err *);

/*
 * Ends the reply.  Returns 0 for a complete response element, 1 for a
 * complete SOAP Fault (read it with soap_parser_fault()), -1 with ERR_PARSE
 * for anything else (truncated, empty, wrong namespace, not SOAP).
 */
int	 soap_parser_finish(struct soap_parser *, struct lsc_err *);

/* The fault of a reply that finished with 1; borrowed. */
const struct soap_fault *soap_parser_fault(const struct soap_parser *);

/* Scalars (spec->scalars) seen, by index; borrowed, NULL when absent. */
const char *soap_parser_scalar(const struct soap_parser *, size_t);

/* Number of records delivered so far. */
size_t	 soap_parser_records(const struct soap_parser *);

void	 soap_parser_free(struct soap_parser *);

/* A sink (http_sink_fn) that feeds a parser given as arg. The error of a
 * failed feed is kept in the parser and returned by soap_parser_finish. */
int	 soap_parser_sink(void *parser, const char *, size_t);

/*
 * One exchange: posts req through the transport, streams the reply into
 * the parser (created by the caller for this attempt) and finishes it.
 * Returns 0 for a complete response, 1 for a SOAP fault (read it with
 * soap_parser_fault()), -1 otherwise: the transport's error (ERR_TLS,
 * ERR_NETWORK, ERR_TOOLARGE, ...), ERR_PARSE for a malformed reply,
 * ERR_AUTH for HTTP 401/403, ERR_THROTTLED for 503/429 (not_applied set,
 * retry_after copied), ERR_HTTP for any other status (with the snippet),
 * or the record callback's own error.  Every message starts with req->op;
 * err->http_status is set; resp is filled as far as the exchange went.
 */
int	 soap_post(struct http_transport *, const struct http_request *,
	    struct soap_parser *, struct http_response *, struct lsc_err *);

#endif
