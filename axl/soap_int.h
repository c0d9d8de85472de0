/*
 * soap_int.h — what the SOAP files share; not for use outside axl/.
 *
 * soap_parse.c owns a struct soap_parser's life (the compiled spec, the
 * libxml2 push parser, feeding, finishing, the fault); soap_sax.c holds the
 * SAX2 callbacks that walk a reply into records, context values, scalars
 * and fault fields; soap_post.c runs one exchange and reads the parser's
 * first bytes back when a reply is not SOAP at all.
 */
#ifndef LSC_SOAP_INT_H
#define LSC_SOAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>

#include "axl/base/buf.h"
#include "axl/base/err.h"
#include "axl/soap.h"

#define SOAP_PATH_MAX	1024	/* bytes of a path below the response */
#define SOAP_PROLOG_MAX	4096	/* bytes allowed before the Envelope */
#define SOAP_HEAD_MAX	1024	/* first bytes kept for messages */

enum soap_body {
	SOAP_BODY_NONE,
	SOAP_BODY_RESPONSE,
	SOAP_BODY_FAULT
};

enum soap_capture {
	SOAP_CAP_NONE,
	SOAP_CAP_FIELD,
	SOAP_CAP_CONTEXT,
	SOAP_CAP_SCALAR,
	SOAP_CAP_FAULT
};

enum soap_fault_field {
	SOAP_FF_CODE,
	SOAP_FF_STRING,
	SOAP_FF_AXLCODE,
	SOAP_FF_AXLMESSAGE,
	SOAP_FF_REQUEST,
	SOAP_FF__MAX
};

struct soap_parser {
	const struct soap_spec *spec;
	xmlParserCtxtPtr ctxt;

	struct lsc_err	 err;		/* first failure */
	int		 failed;
	uint64_t	 fed;		/* bytes fed so far */
	int		 nonblank;	/* fed more than white space */
	int		 finished;	/* soap_parser_finish() result + 2 */
	char		 xml_msg[200];	/* first libxml2 error */
	int		 xml_line;
	int		 xml_failed;
	char		 head[SOAP_HEAD_MAX];	/* the first bytes fed */
	size_t		 headlen;

	/* Where we are. */
	int		 depth;		/* Envelope is 1 */
	int		 root_seen;	/* the root element began */
	int		 root_other;	/* ... and is not named Envelope */
	int		 env_seen, env_done;
	int		 in_header, in_body;
	enum soap_body	 body;
	int		 body_done;

	/* Path below the response element, '/'-separated. */
	char		 path[SOAP_PATH_MAX];
	size_t		 pathlen[SOAP_MAX_DEPTH + 1];

	/* Specification, as joined paths. */
	char		*record_path;	/* NULL: no records */
	size_t		 record_parent_len;	/* bytes of its parent's path */
	int		 record_parent_depth;	/* depth of the parent */
	const char	*record_name;	/* its last component; borrowed */
	size_t		 nfields;
	char		*field_path[SOAP_MAX_FIELDS];
	const char	*field_attr[SOAP_MAX_FIELDS];	/* "@x": "x" */
	size_t		 ncontext;
	char		*ctx_parent[SOAP_MAX_FIELDS];
	size_t		 nscalars;

	/* The current record. */
	int		 in_record;
	int		 record_depth;
	struct buf	 rec;
	size_t		 off[SOAP_MAX_FIELDS];
	int		 have[SOAP_MAX_FIELDS];
	size_t		 nrecords;

	/* Values outside records. */
	struct buf	 ctx[SOAP_MAX_FIELDS];
	int		 ctx_have[SOAP_MAX_FIELDS];
	struct buf	 scal[SOAP_MAX_FIELDS];
	int		 scal_have[SOAP_MAX_FIELDS];

	/* The leaf being captured. */
	enum soap_capture cap;
	size_t		 cap_index;
	int		 cap_depth;
	size_t		 cap_len;
	char		 cap_name[64];

	struct buf	 fbuf[SOAP_FF__MAX];
	int		 fhave[SOAP_FF__MAX];
	struct soap_fault fault;
};

/* Records the first failure in p->err and stops libxml2. (soap_sax.c) */
void	 soap_fail(struct soap_parser *, enum err_kind, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* Fills a SAX2 handler with the callbacks; their context is the parser.
 * (soap_sax.c) */
void	 soap_sax_init(xmlSAXHandler *);

/*
 * Whether the reply was no SOAP at all (an error page, plain text): bytes
 * that are not white space came, no Envelope began, and nothing shows that
 * one was meant to (a root element named Envelope in another namespace, an
 * Envelope tag behind a refused DOCTYPE).  When so, points *head, *headlen
 * at the first bytes fed (at most SOAP_HEAD_MAX, not NUL-terminated).
 * (soap_parse.c)
 */
int	 soap_parser_not_soap(const struct soap_parser *, const char **head,
	    size_t *headlen);

#endif
